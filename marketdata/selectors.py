"""Reads of market_datasets. A user sees their own datasets and the shared ones."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Dataset


def dataset_list(*, user) -> QuerySet[Dataset]:
    """The user's datasets and the shared ones (served by ix_dataset_user_created)."""
    return Dataset.objects.filter(Q(user_id=str(user.pk)) | Q(user_id__isnull=True))


def dataset_get(*, user, dataset_id: str) -> Dataset:
    """A dataset the user may use; anything else, another user's included, is 404."""
    try:
        return dataset_list(user=user).get(pk=dataset_id)
    except (Dataset.DoesNotExist, ValueError) as exc:
        raise Http404(f"No dataset {dataset_id!r}.") from exc
