"""Staff screens for strategy templates and instances.

Staff see every row, soft-deleted ones included (filter "is deleted"). Nothing is hard-deleted here:
the delete actions soft-delete through the services, and restore brings rows back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from engine.flow import flow_format_problems
from strategy_builder.actors import actor_name
from strategy_builder.admin_users import UserNamesMixin
from strategy_builder.forms import JSONField

from . import services
from .models import StrategyBase, StrategyInstance, StrategyTemplate
from .validators import parameters_problems


def _problems_as_form_errors(problems: list) -> ValidationError:
    return ValidationError(
        [ValidationError(f"{p.field}: {p.message}" if p.field else p.message, code=p.code) for p in problems]
    )


class StrategyAdminForm(forms.ModelForm):
    """Holds the flow and parameters to the same shape the API demands."""

    def clean_logic_flow(self) -> Any:
        value = self.cleaned_data["logic_flow"]
        problems = flow_format_problems(value)
        if problems:
            raise _problems_as_form_errors(problems)
        return value

    def clean_parameters(self) -> Any:
        value = self.cleaned_data["parameters"]
        problems = parameters_problems(value)
        if problems:
            raise _problems_as_form_errors(problems)
        return value


class StrategyAdmin(UserNamesMixin, admin.ModelAdmin):
    form = StrategyAdminForm
    formfield_overrides = {models.JSONField: {"form_class": JSONField}}
    list_display = ("name", "owner", "status", "is_deleted", "created_at", "updated_at")
    list_filter = ("status", "is_deleted", "created_at", "updated_at")
    search_fields = ("=id", "=user_id", "name")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "id",
        "name",
        "description",
        ("user_id", "owner"),
        "status",
        "logic_flow",
        "parameters",
        "is_deleted",
        "deleted_at",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    )
    readonly_fields = (
        "id",
        "owner",
        "is_deleted",
        "deleted_at",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    )
    actions = ("soft_delete_selected", "restore_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.model.all_objects.all()

    def has_delete_permission(self, request: HttpRequest, obj: StrategyBase | None = None) -> bool:
        return False  # soft delete only, through the actions below

    def save_model(self, request: HttpRequest, obj: StrategyBase, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = actor_name(request.user)
        obj.updated_by = actor_name(request.user)
        super().save_model(request, obj, form, change)

    @admin.action(description="Delete selected (soft: rows are kept and can be restored)", permissions=["change"])
    def soft_delete_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = list(queryset.filter(is_deleted=False))
        for row in rows:
            self._delete(row, request)
        self.message_user(request, f"Deleted {len(rows)} {self._noun(len(rows))}.", messages.SUCCESS)

    @admin.action(description="Restore selected", permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = list(queryset.filter(is_deleted=True))
        for row in rows:
            self._restore(row, request)
        self.message_user(request, f"Restored {len(rows)} {self._noun(len(rows))}.", messages.SUCCESS)

    def _noun(self, count: int) -> str:
        meta = self.model._meta
        return meta.verbose_name if count == 1 else meta.verbose_name_plural

    def _delete(self, row: StrategyBase, request: HttpRequest) -> None:
        raise NotImplementedError

    def _restore(self, row: StrategyBase, request: HttpRequest) -> None:
        raise NotImplementedError


@admin.register(StrategyTemplate)
class StrategyTemplateAdmin(StrategyAdmin):
    def _delete(self, row: StrategyTemplate, request: HttpRequest) -> None:
        services.strategy_template_delete(template=row, user=request.user)

    def _restore(self, row: StrategyTemplate, request: HttpRequest) -> None:
        services.strategy_template_restore(template=row, user=request.user)


@admin.register(StrategyInstance)
class StrategyInstanceAdmin(StrategyAdmin):
    list_display = ("name", "owner", "status", "template", "is_deleted", "created_at", "updated_at")
    list_select_related = ("template",)
    raw_id_fields = ("template",)
    fields = (*StrategyAdmin.fields[:5], "template", *StrategyAdmin.fields[5:])

    def _delete(self, row: StrategyInstance, request: HttpRequest) -> None:
        services.strategy_instance_delete(instance=row, user=request.user)

    def _restore(self, row: StrategyInstance, request: HttpRequest) -> None:
        services.strategy_instance_restore(instance=row, user=request.user)
