"""Reads of node_templates. A user sees the system templates and their own custom ones, never another user's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404

from engine.catalogue import Catalogue, Port, system_catalogue
from engine.paramschema import SchemaLimits
from engine.templates import COMPATIBLE_PORTS, PORT_TYPES

from .choices import NodeType
from .models import NodeTemplate
from .querysets import NodeTemplateQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

# The columns a template definition consists of: what the library data, the API and the admin may set.
DEFINITION_FIELDS = (
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
    "execution_hints",
    "validation_rules",
    "icon",
    "color",
)


def parameter_schema_limits() -> SchemaLimits:
    """How big a template's parameter_schema may be (settings NODE_SCHEMA_MAX_BYTES / NODE_SCHEMA_MAX_DEPTH)."""
    return SchemaLimits(max_bytes=settings.NODE_SCHEMA_MAX_BYTES, max_depth=settings.NODE_SCHEMA_MAX_DEPTH)


def node_template_list(user: AbstractUser) -> NodeTemplateQuerySet:
    """Every alive template `user` may use: the system library and their own custom templates."""
    return NodeTemplate.objects.visible_to(user)


def node_template_get(user: AbstractUser, template_id: str) -> NodeTemplate:
    """One template `user` may read; 404 for a deleted one or another user's custom template."""
    return get_object_or_404(node_template_list(user), pk=template_id)


def node_template_get_deleted(user: AbstractUser, template_id: str) -> NodeTemplate:
    """A soft-deleted template `user` could see alive, so it can be restored; 404 for anything else."""
    return get_object_or_404(NodeTemplate.all_objects.deleted().visible_to(user), pk=template_id)


def node_template_as_engine_dict(template: NodeTemplate) -> dict[str, Any]:
    """A row as the engine's catalogue takes it: the definition plus id, owner and deletion flags."""
    return {
        **{name: getattr(template, name) for name in DEFINITION_FIELDS},
        "id": template.pk,
        "is_system_template": template.is_system_template,
        "is_deleted": template.is_deleted,
        "user_id": template.user_id,
    }


def node_catalogue_rows(user: AbstractUser) -> NodeTemplateQuerySet:
    """The rows a user's catalogue is built from: every system template and the user's own, deleted included."""
    return NodeTemplate.all_objects.filter(Q(is_system_template=True) | Q(user_id=str(user.pk)))


def node_catalogue_for_user(user: AbstractUser) -> Catalogue:
    """The engine catalogue a flow of `user`'s is checked and run against: the system templates as staff
    curated them (the library's definitions where the table has no usable row) plus the user's custom
    templates. Soft-deleted ones are included, flagged, so a flow using one is told it was deleted rather
    than that it does not exist."""
    return system_catalogue().with_templates(
        (node_template_as_engine_dict(t) for t in node_catalogue_rows(user)), schema_limits=parameter_schema_limits()
    )


_PALETTE_FIELDS = (
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


def _port_dict(port: Port) -> dict[str, Any]:
    described = {"name": port.name, "type": port.type, "required": port.required, "label": port.label}
    return {key: value for key, value in described.items() if value is not None}


def node_palette_for_user(user: AbstractUser) -> dict[str, Any]:
    """What the node editor needs to draw its palette, in one piece: every template `user` may place, grouped
    by node type, and which port types an edge may join. A preset that inherits its base's ports shows them,
    and a template the engine cannot use now (its base was deleted, its stored definition is broken ...) says
    why."""
    catalogue = node_catalogue_for_user(user)
    rejected = {row.get("id"): problems for row, problems in catalogue.rejected}
    groups: dict[str, list[dict[str, Any]]] = {value: [] for value in NodeType.values}
    for template in node_template_list(user):
        entry = {name: getattr(template, name) for name in _PALETTE_FIELDS}
        entry["problems"] = []
        spec = catalogue.get(template.name, template.version)
        if template.pk in rejected:
            # A system row the engine cannot use leaves the library's definition in force, if it has one.
            if not (template.is_system_template and spec is not None and spec.is_system):
                entry["problems"] = [problem.message for problem in rejected[template.pk]]
        elif spec is not None and not spec.is_system and not template.is_system_template:
            entry["problems"] = [problem.message for problem in catalogue.problems(spec)]
            if not template.input_ports and not template.output_ports:
                entry["input_ports"] = [_port_dict(port) for port in spec.inputs]
                entry["output_ports"] = [_port_dict(port) for port in spec.outputs]
        groups[template.node_type].append(entry)
    return {
        "groups": [
            {"node_type": value, "label": NodeType(value).label, "templates": groups[value]}
            for value in NodeType.values
            if groups[value]
        ],
        "port_types": list(PORT_TYPES),
        "compatible_ports": [{"source": source, "target": target} for source, target in sorted(COMPATIBLE_PORTS)],
    }
