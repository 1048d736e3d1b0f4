"""The abstract base every Strategy Builder table shares: a string UUID id and the spec's six
audit/soft-delete columns, with their defaults in the database as well as in Python."""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import NotSupportedError, models
from django.db.models.functions import Now
from django.utils import timezone

from .storable import json_problems


def new_id() -> str:
    return str(uuid.uuid4())


class RandomUUID(models.Func):
    """A fresh UUID as the 36-character string the ids hold, computed by the database itself: the spec's
    `DEFAULT UUID`, for rows another client inserts without an id (the ORM gives its own, `new_id`).

    Django's UUID4 does not fit: it needs MariaDB 11.7 (UUID_V4; MySQL has none), and on SQLite it calls a
    function Django registers on its own connections, so an insert from any other client would fail. Here
    MySQL 8 and MariaDB use UUID() (a version-1 UUID), and SQLite builds a version-4 UUID from its
    built-in randomblob() and random(), which every SQLite client has.
    """

    output_field = models.CharField(max_length=36)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"No database UUID default for {connection.vendor}.")

    def as_mysql(self, compiler, connection, **extra_context):
        return "UUID()", []

    def as_sqlite(self, compiler, connection, **extra_context):
        def hex_(n):
            return f"lower(hex(randomblob({n})))"

        variant = "substr('89ab', 1 + (random() & 3), 1)"  # the top bits of the 4th group: 10xx
        return (
            f"{hex_(4)} || '-' || {hex_(2)} || '-4' || substr({hex_(2)}, 2) || '-' || {variant} "
            f"|| substr({hex_(2)}, 2) || '-' || {hex_(6)}",
            [],
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return "gen_random_uuid()::text", []


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def deleted(self):
        return self.filter(is_deleted=True)

    def for_user(self, user):
        """Rows owned by `user` (the spec stores the owner's id as a string)."""
        return self.filter(user_id=str(user.pk))

    def soft_delete(self, *, by: str | None = None) -> int:
        now = timezone.now()
        return self.filter(is_deleted=False).update(is_deleted=True, deleted_at=now, updated_at=now, updated_by=by)

    def restore(self, *, by: str | None = None) -> int:
        return self.filter(is_deleted=True).update(
            is_deleted=False, deleted_at=None, updated_at=timezone.now(), updated_by=by
        )


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """The default manager: soft-deleted rows are invisible unless asked for through `all_objects`."""

    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class AllObjectsManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    pass


class BaseModel(models.Model):
    id = models.CharField(primary_key=True, max_length=36, default=new_id, db_default=RandomUUID(), editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    is_deleted = models.BooleanField(default=False, db_default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=255, null=True, blank=True)
    updated_by = models.CharField(max_length=255, null=True, blank=True)

    objects = AliveManager()
    all_objects = AllObjectsManager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        # The last line of defence for every way in (services, admin, commands): nothing unstorable is written.
        # Only the columns being written are checked, so a row stored before this check can still be deleted.
        problems = self.unstorable_values(update_fields)
        if problems:
            raise ValidationError(problems)
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        """Django's field checks, and the values no row can hold (see strategy_builder.storable), so a model
        form (the admin) shows them beside their fields."""
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        names = [f.name for f in self._meta.concrete_fields if not exclude or f.name not in exclude]
        for path, messages in self.unstorable_values(names).items():
            name = path.split(".", 1)[0].split("[", 1)[0]  # a form shows errors by field: say where inside it
            errors.setdefault(name, []).extend(
                m if path == name else ValidationError(f"{path}: {m.message}", code=m.code) for m in messages
            )
        if errors:
            raise ValidationError(errors)

    def unstorable_values(self, field_names: Iterable[str] | None = None) -> dict[str, list[ValidationError]]:
        """The values of these fields (all by default) that no row can hold, by path ("logic_flow.nodes[2].label")."""
        wanted = None if field_names is None else set(field_names)
        errors: dict[str, list[ValidationError]] = {}
        for field in self._meta.concrete_fields:
            if wanted is not None and field.name not in wanted and field.attname not in wanted:
                continue
            value = getattr(self, field.attname)
            if isinstance(field, models.JSONField) or isinstance(value, str):
                for problem in json_problems(value, path=field.name):
                    errors.setdefault(problem.field or field.name, []).append(
                        ValidationError(problem.message, code=problem.code)
                    )
        return errors

    def soft_delete(self, *, by: str | None = None) -> None:
        if self.is_deleted:
            return
        self.is_deleted = True
        self.deleted_at = timezone.now()
        self.updated_by = by
        self.save(update_fields=["is_deleted", "deleted_at", "updated_by"])

    def restore(self, *, by: str | None = None) -> None:
        self.is_deleted = False
        self.deleted_at = None
        self.updated_by = by
        self.save(update_fields=["is_deleted", "deleted_at", "updated_by"])
