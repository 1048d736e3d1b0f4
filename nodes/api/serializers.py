"""Shapes of node templates on the wire. Input serializers only check types and lengths and refuse fields
they do not know; what makes a template well-formed is checked once, by the services."""

from django.db import models
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from engine.templates import PORT_TYPES
from nodes.choices import NodeType
from nodes.models import NodeTemplate
from nodes.selectors import DEFINITION_FIELDS
from strategy_builder.api import examples
from strategy_builder.api.fields import JSONField
from strategy_builder.api.serializers import StrictInputMixin


@extend_schema_serializer(examples=examples.NODE_TEMPLATE_UPDATE)
class NodeTemplateUpdateSerializer(StrictInputMixin, serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.JSONField: JSONField}

    class Meta:
        model = NodeTemplate
        fields = DEFINITION_FIELDS
        # The services check names, including the unique index over soft-deleted rows.
        validators = []


@extend_schema_serializer(examples=examples.NODE_TEMPLATE)
class NodeTemplateCreateSerializer(NodeTemplateUpdateSerializer):
    class Meta(NodeTemplateUpdateSerializer.Meta):
        fields = (*DEFINITION_FIELDS, "is_system_template")


class NodeTemplateOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = NodeTemplate
        fields = (
            "id",
            *DEFINITION_FIELDS,
            "is_system_template",
            "user_id",
            "usage_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class CatalogueTemplateSerializer(serializers.Serializer):
    """What the node editor needs to draw one template in its palette and its parameter form."""

    id = serializers.CharField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    node_type = serializers.ChoiceField(choices=NodeType.choices)
    category = serializers.CharField(allow_null=True)
    version = serializers.CharField()
    parameter_schema = serializers.JSONField(help_text="JSON Schema of the node's params.")
    default_parameters = serializers.JSONField()
    input_ports = serializers.JSONField(help_text="[{name, type, required?, label?, description?}]")
    output_ports = serializers.JSONField(help_text="[{name, type, label?, description?}]")
    icon = serializers.CharField(allow_null=True)
    color = serializers.CharField(allow_null=True)
    is_system_template = serializers.BooleanField()
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why the engine cannot use this template now (e.g. its base was deleted); empty if it can.",
    )


class CatalogueGroupSerializer(serializers.Serializer):
    node_type = serializers.ChoiceField(choices=NodeType.choices)
    label = serializers.CharField()
    templates = CatalogueTemplateSerializer(many=True)


class PortCompatibilitySerializer(serializers.Serializer):
    source = serializers.CharField(help_text="Type (one of port_types) of the output port an edge leaves.")
    target = serializers.CharField(help_text="Type (one of port_types) of the input port it may enter.")


class CatalogueSerializer(serializers.Serializer):
    """The whole palette in one response: templates grouped by node type, and which port types connect."""

    groups = CatalogueGroupSerializer(many=True)
    port_types = serializers.ListField(child=serializers.ChoiceField(choices=PORT_TYPES))
    compatible_ports = PortCompatibilitySerializer(many=True)
