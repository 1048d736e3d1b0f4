"""The abstract base every Strategy Builder table shares: a string UUID id and the spec's six
audit/soft-delete columns, with their defaults in the database as well as in Python."""

import uuid

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


def new_id() -> str:
    return str(uuid.uuid4())


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
    id = models.CharField(primary_key=True, max_length=36, default=new_id, editable=False)
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
        super().save(*args, **kwargs)

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
