"""Shapes of node templates on the wire. Input serializers only check types and lengths and refuse fields
they do not know; what makes a template well-formed is checked once, by the services."""

from rest_framework import serializers

from engine.templates import COMPATIBLE_PORTS, PORT_TYPES
from nodes.choices import NodeType
from nodes.models import NodeTemplate
from nodes.selectors import DEFINITION_FIELDS
from strategy_builder.api.serializers import StrictInputMixin


class NodeTemplateUpdateSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = NodeTemplate
        fields = DEFINITION_FIELDS
        # The services check names, including the unique index over soft-deleted rows.
        validators = []


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


class CatalogueTemplateSerializer(serializers.ModelSerializer):
    """What the node editor needs to draw one template in its palette and its parameter form."""

    class Meta:
        model = NodeTemplate
        fields = (
            "id",
            "name",
            "display_name",
            "description",
            "node_type",
            "category",
            "version",
            "parameter_schema",
            "default_parameters",
            "input_ports",
            "output_ports",
            "icon",
            "color",
            "is_system_template",
        )
        read_only_fields = fields


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

    @staticmethod
    def build(templates) -> dict:
        by_type: dict[str, list[NodeTemplate]] = {value: [] for value in NodeType.values}
        for template in templates:
            by_type[template.node_type].append(template)
        return {
            "groups": [
                {"node_type": value, "label": NodeType(value).label, "templates": by_type[value]}
                for value in NodeType.values
                if by_type[value]
            ],
            "port_types": list(PORT_TYPES),
            "compatible_ports": [{"source": source, "target": target} for source, target in sorted(COMPATIBLE_PORTS)],
        }
