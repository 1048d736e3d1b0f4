"""The staff tool for the node library. Every write goes through nodes.services, so a template saved here
passes the same checks as one saved through the API; a bad one comes back as errors next to its fields."""

import copy
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest

from strategy_builder.admin_users import UserNamesMixin
from strategy_builder.forms import JSONField
from strategy_builder.storable import text_problem

from .models import NodeTemplate
from .selectors import DEFINITION_FIELDS
from .services import (
    node_template_create,
    node_template_duplicate_as_new_version,
    node_template_hard_delete,
    node_template_restore,
    node_template_soft_delete,
    node_template_update,
    node_template_validate,
)

BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


class PrettyJSONField(JSONField):
    """JSON shown indented, so a staff member can read and edit a schema."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        shown = json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)
        if text_problem(shown) is not None:  # text the model refused, shown again as its escapes
            return json.dumps(value, ensure_ascii=True, indent=2, cls=self.encoder)
        return shown


class NodeTemplateAdminForm(forms.ModelForm):
    class Meta:
        model = NodeTemplate
        fields = (*DEFINITION_FIELDS, "is_system_template", "user_id")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            # Checks of the whole template would judge stale values of the fields that failed; fix those first.
            return cleaned
        candidate = copy.copy(self.instance)
        for name, value in cleaned.items():
            setattr(candidate, name, value)
        if self.instance._state.adding:
            if candidate.is_system_template:
                candidate.user_id = None
            elif owner_problem := _owner_problem(candidate.user_id):
                self.add_error("user_id", owner_problem)
                return cleaned
        try:
            node_template_validate(template=candidate)
        except ValidationError as exc:
            for name, field_messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, field_messages)
        return cleaned

    def validate_constraints(self):
        """Skipped: node_template_validate checks the unique name, soft-deleted rows included, which
        Django's own check (through the default manager, which hides them) would miss."""


def _owner_problem(user_id: str | None) -> str | None:
    if not user_id:
        return "user_id: a custom template needs the id of the user who owns it."
    try:
        exists = get_user_model().objects.filter(pk=user_id).exists()
    except (ValueError, TypeError):
        exists = False
    return None if exists else f"user_id: there is no user with id {user_id!r}."


@admin.register(NodeTemplate)
class NodeTemplateAdmin(UserNamesMixin, admin.ModelAdmin):
    form = NodeTemplateAdminForm
    formfield_overrides = {
        models.JSONField: {
            "form_class": PrettyJSONField,
            "widget": forms.Textarea(attrs={"rows": 12, "cols": 100, "style": "font-family: monospace;"}),
        }
    }
    list_display = (
        "display_name",
        "name",
        "node_type",
        "category",
        "version",
        "is_system_template",
        "owner",
        "usage_count",
        "is_deleted",
        "updated_at",
    )
    list_filter = ("node_type", "category", "is_system_template", "is_deleted")
    search_fields = ("name", "display_name")
    ordering = ("node_type", "name")
    list_per_page = 100
    actions = ("soft_delete", "restore", "duplicate_as_new_version", "delete_selected")
    fieldsets = (
        (None, {"fields": ("name", "display_name", "description", "node_type", "category", "version")}),
        ("Owner", {"fields": ("is_system_template", "user_id")}),
        ("Parameters", {"fields": ("parameter_schema", "default_parameters")}),
        ("Ports", {"fields": ("input_ports", "output_ports")}),
        ("Behaviour", {"fields": ("execution_hints", "validation_rules")}),
        ("Appearance", {"fields": ("icon", "color")}),
        (
            "Record",
            {
                "fields": (
                    "id",
                    "usage_count",
                    "is_deleted",
                    "deleted_at",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                )
            },
        ),
    )
    readonly_fields = (
        "id",
        "usage_count",
        "is_deleted",
        "deleted_at",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Staff see soft-deleted templates too (filter on is_deleted), so they can restore them.
        return NodeTemplate.all_objects.all()

    def get_readonly_fields(self, request: HttpRequest, obj: NodeTemplate | None = None):
        if obj is None:
            return self.readonly_fields
        # Flows refer to a template by name; who owns it is settled when it is created.
        return ("name", "is_system_template", "owner", *self.readonly_fields)

    def get_fieldsets(self, request: HttpRequest, obj: NodeTemplate | None = None):
        if obj is None:
            return self.fieldsets  # the owner is typed in, as a user id
        return [
            (name, {**options, "fields": tuple("owner" if f == "user_id" else f for f in options["fields"])})
            for name, options in self.fieldsets
        ]

    @admin.display(description="owner", ordering="user_id")
    def owner(self, obj: NodeTemplate) -> str:
        return "system" if obj.is_system_template else self.user_link(obj, obj.user_id)

    def has_delete_permission(self, request: HttpRequest, obj: NodeTemplate | None = None) -> bool:
        if obj is not None and obj.is_system_template and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: NodeTemplate, form: NodeTemplateAdminForm, change: bool) -> None:
        data = {name: value for name, value in form.cleaned_data.items() if name in DEFINITION_FIELDS}
        if change:
            saved = node_template_update(
                template=NodeTemplate.all_objects.get(pk=obj.pk), actor=request.user, data=data
            )
        else:
            saved = node_template_create(
                actor=request.user,
                is_system_template=form.cleaned_data["is_system_template"],
                user_id=form.cleaned_data.get("user_id"),
                **data,
            )
        # The admin goes on with the instance it built (logging, redirect): make it the saved row.
        obj.__dict__.update(saved.__dict__)

    def delete_model(self, request: HttpRequest, obj: NodeTemplate) -> None:
        node_template_hard_delete(template=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for template in queryset:
            node_template_hard_delete(template=template, actor=request.user)

    @admin.action(
        description="Soft-delete this %(verbose_name)s",
        description_plural="Soft-delete selected %(verbose_name_plural)s",
        permissions=["change"],
        location=BOTH,
    )
    def soft_delete(self, request: HttpRequest, queryset: QuerySet) -> None:
        templates = list(queryset.filter(is_deleted=False))
        for template in templates:
            node_template_soft_delete(template=template, actor=request.user)
        self.message_user(request, f"{len(templates)} template(s) soft-deleted.", messages.SUCCESS)

    @admin.action(
        description="Restore this %(verbose_name)s",
        description_plural="Restore selected %(verbose_name_plural)s",
        permissions=["change"],
        location=BOTH,
    )
    def restore(self, request: HttpRequest, queryset: QuerySet) -> None:
        templates = list(queryset.filter(is_deleted=True))
        for template in templates:
            node_template_restore(template=template, actor=request.user)
        self.message_user(request, f"{len(templates)} template(s) restored.", messages.SUCCESS)

    @admin.action(
        description="Duplicate this %(verbose_name)s as a new version",
        description_plural="Duplicate selected %(verbose_name_plural)s as new versions",
        permissions=["add"],
        location=BOTH,
    )
    def duplicate_as_new_version(self, request: HttpRequest, queryset: QuerySet) -> None:
        for template in queryset:
            try:
                duplicate = node_template_duplicate_as_new_version(template=template, actor=request.user)
            except ValidationError as exc:
                problems = "; ".join(m for ms in exc.message_dict.values() for m in ms)
                self.message_user(request, f"{template.name} was not duplicated: {problems}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{template.name} duplicated as {duplicate.name} ({duplicate.version}).", messages.SUCCESS
                )

    @admin.action(
        description="Permanently delete selected %(verbose_name_plural)s (purge)",
        permissions=["delete"],
    )
    def delete_selected(self, request: HttpRequest, queryset: QuerySet):
        """Django's delete-with-confirmation, named for what it does here: a purge, not the usual soft delete.
        The confirmation page refuses when a selected system template may not be purged by this user."""
        return django_delete_selected(self, request, queryset)
