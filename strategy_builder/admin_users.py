"""Users as the admin shows them: a stored user id (an owner's `user_id`, a collaborator, a lock holder) as
the user's username, linked to their page in the admin. The names of all the rows a page shows are read in
one query (attached to each row as it is loaded), never once per row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

_NAMES = "_admin_usernames"  # the attribute each shown row carries its {user id: username} map in


def usernames(user_ids: Iterable[str]) -> dict[str, str]:
    """{user id: username} of the users among `user_ids` that exist (one query)."""
    User = get_user_model()
    pks = {}
    for user_id in set(user_ids):
        try:
            pks[User._meta.pk.to_python(user_id)] = user_id
        except (ValidationError, TypeError, ValueError):
            continue  # not a possible id of this user model ("999x", a job's name): nobody's
    if not pks:
        return {}
    rows = User._default_manager.filter(pk__in=list(pks)).values_list("pk", User.USERNAME_FIELD)
    return {pks[pk]: name for pk, name in rows}


def user_link(user_id: str | None, names: dict[str, str]) -> str:
    """The username linked to the user's admin page; the bare id when there is no such user."""
    if not user_id:
        return "—"
    name = names.get(str(user_id))
    if name is None:
        return format_html("{} <small>(no such user)</small>", user_id)
    User = get_user_model()
    try:
        url = reverse(f"admin:{User._meta.app_label}_{User._meta.model_name}_change", args=[user_id])
    except NoReverseMatch:
        return name
    return format_html('<a href="{}">{}</a>', url, name)


class UserNamesMixin:
    """For a ModelAdmin of rows that hold user ids: `owner` shows `user_id` as a linked username; other
    displays call `self.user_link(obj, user_id)`. Subclasses holding more ids override `user_ids_of`."""

    def user_ids_of(self, obj: Model) -> Iterable[str]:
        user_id = getattr(obj, "user_id", None)
        return [user_id] if user_id else []

    def attach_usernames(self, rows: list[Model]) -> None:
        names = usernames(user_id for row in rows for user_id in self.user_ids_of(row))
        for row in rows:
            setattr(row, _NAMES, names)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # The page's rows, loaded now and kept by the queryset for the template to render.
        self.attach_usernames(list(changelist.result_list))
        return changelist

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            self.attach_usernames([obj])
        return obj

    def user_link(self, obj: Model, user_id: str | None) -> str:
        names = getattr(obj, _NAMES, None)
        if names is None:  # a row the admin built itself (an add form's blank instance)
            names = usernames([user_id] if user_id else [])
        return user_link(user_id, names)

    def user_links(self, obj: Model, user_ids: Iterable[str]) -> str:
        links = [(self.user_link(obj, user_id),) for user_id in user_ids]
        return format_html_join(", ", "{}", links) if links else "—"

    @admin.display(description="owner", ordering="user_id")
    def owner(self, obj: Model) -> str:
        return self.user_link(obj, getattr(obj, "user_id", None))


class OwnerListFilter(admin.SimpleListFilter):
    """Filter by owner, listed by username: the distinct owners of the table's rows, in two queries."""

    title = "owner"
    parameter_name = "user_id"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        owners = model_admin.get_queryset(request).order_by().values_list("user_id", flat=True).distinct()
        ids = [user_id for user_id in owners if user_id]
        names = usernames(ids)
        return sorted(((user_id, names.get(user_id, user_id)) for user_id in ids), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset):
        return queryset.filter(user_id=self.value()) if self.value() else queryset
