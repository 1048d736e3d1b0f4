"""Writes to node_templates. Every write is checked first (the engine's `template_problems`, the column limits,
the unique name, and for a custom template whether the engine's catalogue could use it) and either saves a
well-formed template or raises `ValidationError` keyed by field, saving nothing.

System templates belong to staff: only staff create or change them, only superusers purge them. A custom
template belongs to the user whose id is in `user_id`; staff may look after it too.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from engine.catalogue import system_catalogue
from engine.errors import Problem
from engine.templates import template_problems, version_key
from strategy_builder.actors import actor_name

from .models import NodeTemplate
from .selectors import DEFINITION_FIELDS, node_template_as_engine_dict, parameter_schema_limits

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

# Flows refer to a template by name, so renaming one would break every strategy that uses it.
IMMUTABLE_FIELDS = ("name",)
SEED_ACTOR = "seed_node_templates"

_VERSION_SUFFIX_RE = re.compile(r"_v\d+_\d+_\d+$")


def _name_clash_message(template: NodeTemplate) -> str | None:
    """Why `template.name` cannot be used, or None. Soft-deleted rows count: the unique index covers them."""
    clash = (
        NodeTemplate.all_objects.filter(name=template.name, is_system_template=template.is_system_template)
        .exclude(pk=template.pk)
        .only("pk", "user_id", "is_deleted")
        .first()
    )
    if clash is not None:
        if template.is_system_template:
            where = "a system template"
        elif clash.user_id == template.user_id:
            where = "another of your custom templates"
        else:
            # The unique index spans every user's custom templates; say so without revealing whose it is.
            return f"name {template.name!r} is already taken by another custom template; choose another name."
        hint = f" (deleted: restore it, id {clash.pk}, instead)" if clash.is_deleted else ""
        return f"name {template.name!r} is already used by {where}{hint}."
    # A flow names its templates, so a custom one must not shadow a system one (seeded or still only in the library).
    if not template.is_system_template and (
        template.name in system_catalogue()
        or NodeTemplate.all_objects.filter(name=template.name, is_system_template=True).exists()
    ):
        return f"name {template.name!r} belongs to a system template; choose another name for a custom template."
    return None


def _custom_template_problems(template: NodeTemplate) -> list[Problem]:
    """What stops the engine using a custom template: not a preset or composite, an unknown or deleted base,
    parameters its base does not have, a fragment that does not validate ... (see engine.catalogue)."""
    siblings = NodeTemplate.all_objects.custom().filter(user_id=template.user_id).exclude(pk=template.pk)
    catalogue = system_catalogue().with_templates(
        [*(node_template_as_engine_dict(t) for t in siblings), node_template_as_engine_dict(template)],
        schema_limits=parameter_schema_limits(),
    )
    spec = catalogue.get(template.name, template.version)
    if spec is None or spec.is_system:
        return next((problems for rejected, problems in catalogue.rejected if rejected["id"] == template.pk), [])
    return catalogue.problems(spec)


def _field_error(problem: Problem, *, default_field: str) -> tuple[str, ValidationError]:
    """The top-level field a problem is about, and its error, whose message names the field."""
    path = problem.field or default_field
    field_name = re.split(r"[.\[]", path, maxsplit=1)[0]
    message = problem.message if problem.message.startswith(field_name) else f"{path}: {problem.message}"
    return field_name, ValidationError(message, code=problem.code)


def node_template_validate(*, template: NodeTemplate) -> None:
    """Raise ValidationError keyed by field for everything wrong with `template` as it is in memory."""
    errors: dict[str, list[ValidationError]] = defaultdict(list)
    for problem in template_problems(node_template_as_engine_dict(template), schema_limits=parameter_schema_limits()):
        name, error = _field_error(problem, default_field=NON_FIELD_ERRORS)
        errors[name].append(error)
    try:
        template.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            if name not in errors:
                errors[name] += [ValidationError(f"{name}: {m}", code=e.code) for e in field_errors for m in e]
    if "name" not in errors and (clash := _name_clash_message(template)):
        errors["name"].append(ValidationError(clash, code="name_taken"))
    if not errors and not template.is_system_template:
        for problem in _custom_template_problems(template):
            name, error = _field_error(problem, default_field="execution_hints")
            errors[name].append(error)
    if errors:
        raise ValidationError(dict(errors))


def _save(template: NodeTemplate, **save_kwargs) -> None:
    """Save, turning a unique-index race lost to a concurrent writer into the same error the check gives."""
    try:
        with transaction.atomic():
            template.save(**save_kwargs)
    except IntegrityError as exc:
        message = _name_clash_message(template)
        if message is None:
            raise
        raise ValidationError({"name": [ValidationError(message, code="name_taken")]}) from exc


def _ensure_may_write(actor: AbstractUser, template: NodeTemplate) -> None:
    if template.is_system_template:
        if not actor.is_staff:
            raise PermissionDenied("Only staff may change system templates.")
    elif not (actor.is_staff or template.user_id == str(actor.pk)):
        raise PermissionDenied("This custom template belongs to another user.")


def node_template_create(
    *,
    actor: AbstractUser,
    name: str,
    display_name: str,
    node_type: str,
    is_system_template: bool = False,
    user_id: str | None = None,
    description: str | None = None,
    category: str | None = None,
    version: str = "1.0.0",
    parameter_schema: dict | None = None,
    default_parameters: dict | None = None,
    input_ports: list | None = None,
    output_ports: list | None = None,
    execution_hints: dict | None = None,
    validation_rules: dict | None = None,
    icon: str | None = None,
    color: str | None = None,
) -> NodeTemplate:
    """Create a template. A custom one belongs to `user_id`, by default the actor; only staff name another owner."""
    if is_system_template:
        user_id = None
    elif user_id is None:
        user_id = str(actor.pk)
    elif user_id != str(actor.pk) and not actor.is_staff:
        raise PermissionDenied("Only staff may create a custom template for another user.")
    template = NodeTemplate(
        name=name,
        display_name=display_name,
        node_type=node_type,
        is_system_template=is_system_template,
        user_id=user_id,
        description=description,
        category=category,
        version=version,
        parameter_schema={} if parameter_schema is None else parameter_schema,
        default_parameters={} if default_parameters is None else default_parameters,
        input_ports=[] if input_ports is None else input_ports,
        output_ports=[] if output_ports is None else output_ports,
        execution_hints=execution_hints,
        validation_rules=validation_rules,
        icon=icon,
        color=color,
        created_by=actor_name(actor),
        updated_by=actor_name(actor),
    )
    _ensure_may_write(actor, template)
    node_template_validate(template=template)
    _save(template, force_insert=True)
    return template


def node_template_update(*, template: NodeTemplate, actor: AbstractUser, data: Mapping[str, Any]) -> NodeTemplate:
    """Return `template` with its definition changed. Writes nothing (updated_at untouched) when nothing changes."""
    _ensure_may_write(actor, template)
    unknown = sorted(set(data) - set(DEFINITION_FIELDS))
    if unknown:
        raise ValidationError(
            {name: [ValidationError(f"{name} cannot be changed here.", code="read_only")] for name in unknown}
        )
    changed = [name for name, value in data.items() if getattr(template, name) != value]
    renamed = [name for name in changed if name in IMMUTABLE_FIELDS]
    if renamed:
        raise ValidationError(
            {
                name: [
                    ValidationError(
                        f"{name} cannot change once a template exists (flows refer to it); duplicate it instead.",
                        code="immutable",
                    )
                ]
                for name in renamed
            }
        )
    if not changed:
        return template
    # Work on a copy, so a refused update leaves the caller's instance as it was, like the row.
    updated = copy.copy(template)
    for name in changed:
        setattr(updated, name, data[name])
    updated.updated_by = actor_name(actor)
    node_template_validate(template=updated)
    _save(updated, update_fields=[*changed, "updated_by"])
    return updated


def node_template_soft_delete(*, template: NodeTemplate, actor: AbstractUser) -> NodeTemplate:
    _ensure_may_write(actor, template)
    template.soft_delete(by=actor_name(actor))
    return template


def node_template_restore(*, template: NodeTemplate, actor: AbstractUser) -> NodeTemplate:
    _ensure_may_write(actor, template)
    if template.is_deleted:
        template.restore(by=actor_name(actor))
    return template


def node_template_hard_delete(*, template: NodeTemplate, actor: AbstractUser) -> None:
    """Purge a template for good. System templates are irreplaceable (spec), so only a superuser may."""
    if template.is_system_template and not actor.is_superuser:
        raise PermissionDenied("Only a superuser may permanently delete a system template.")
    _ensure_may_write(actor, template)
    template.delete()


def _next_minor_version(version: str) -> str:
    major, minor, _patch = version_key(version)
    return f"{major}.{minor + 1}.0"


@transaction.atomic
def node_template_duplicate_as_new_version(*, template: NodeTemplate, actor: AbstractUser) -> NodeTemplate:
    """Copy `template` as the next free minor version, named `<base name>_v<MAJOR>_<MINOR>_<PATCH>`.

    The copy needs its own name because (name, is_system_template) is unique, and flows refer to templates
    by name: strategies keep using the original until their author switches them to the copy. The base name
    drops an earlier version suffix, so copying `sma_v1_1_0` gives `sma_v1_2_0`, not `sma_v1_1_0_v1_2_0`;
    when that name is taken already the minor version keeps going up until a free one is found.
    """
    _ensure_may_write(actor, template)
    base_name = _VERSION_SUFFIX_RE.sub("", template.name)
    version = _next_minor_version(template.version)
    taken = set(
        NodeTemplate.all_objects.filter(
            name__startswith=f"{base_name}_v", is_system_template=template.is_system_template
        ).values_list("name", flat=True)
    )
    while f"{base_name}_v{version.replace('.', '_')}" in taken:
        version = _next_minor_version(version)
    duplicate = NodeTemplate(**{name: getattr(template, name) for name in DEFINITION_FIELDS})
    duplicate.name = f"{base_name}_v{version.replace('.', '_')}"
    duplicate.version = version
    duplicate.is_system_template = template.is_system_template
    duplicate.user_id = template.user_id
    duplicate.created_by = duplicate.updated_by = actor_name(actor)
    node_template_validate(template=duplicate)
    _save(duplicate, force_insert=True)
    return duplicate


@dataclass
class SeedResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Soft-deleted by staff and left so (no --restore-deleted).
    left_deleted: list[str] = field(default_factory=list)
    # Same version in the data and the table, different content: a staff edit, or a data change whose
    # version was not bumped. Left as they are; the data's version must go up for the seed to apply it.
    differing_same_version: list[str] = field(default_factory=list)


@transaction.atomic
def node_templates_seed(*, templates: Iterable[Mapping[str, Any]], restore_deleted: bool = False) -> SeedResult:
    """Load the system library into node_templates; running it again changes nothing.

    A template missing from the table is created. One that exists is updated only when the data carries a
    newer version (never downgraded). One a staff member soft-deleted stays deleted unless `restore_deleted`.
    Invalid templates abort the whole seed (nothing is written), with every problem keyed `<name>.<field>`.
    """
    templates = list(templates)
    existing = {
        t.name: t for t in NodeTemplate.all_objects.system().filter(name__in=[t.get("name") for t in templates])
    }
    result = SeedResult()
    errors: dict[str, list[str]] = {}
    for data in templates:
        try:
            _seed_one(data, existing.get(data.get("name")), restore_deleted=restore_deleted, result=result)
        except ValidationError as exc:
            errors.update({f"{data.get('name')}.{key}": messages for key, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)  # leaving the atomic block this way rolls back what was written
    return result


def _seed_one(
    data: Mapping[str, Any], current: NodeTemplate | None, *, restore_deleted: bool, result: SeedResult
) -> None:
    name = data.get("name")
    definition = {key: data[key] for key in DEFINITION_FIELDS if key in data}
    candidate = NodeTemplate(
        **definition,
        pk=current.pk if current else None,
        is_system_template=True,
        created_by=SEED_ACTOR,
        updated_by=SEED_ACTOR,
    )
    node_template_validate(template=candidate)
    if current is None:
        _save(candidate, force_insert=True)
        result.created.append(name)
        return
    if current.is_deleted and not restore_deleted:
        result.left_deleted.append(name)
        return
    newer = version_key(candidate.version) > version_key(current.version)
    if not newer and not current.is_deleted:
        result.unchanged.append(name)
        if candidate.version == current.version and any(
            getattr(current, key) != value for key, value in definition.items()
        ):
            result.differing_same_version.append(name)
        return
    if newer:
        for key, value in definition.items():
            setattr(current, key, value)
        result.updated.append(name)
    if current.is_deleted:
        current.is_deleted, current.deleted_at = False, None
        result.restored.append(name)
    current.updated_by = SEED_ACTOR
    _save(current)
