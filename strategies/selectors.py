"""Reads: a user only ever sees their own strategies, and never soft-deleted ones."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from .models import StrategyInstance, StrategyTemplate


def strategy_template_list(*, user: AbstractBaseUser) -> QuerySet[StrategyTemplate]:
    return StrategyTemplate.objects.for_user(user)


def strategy_template_get(*, user: AbstractBaseUser, template_id: str) -> StrategyTemplate:
    """The user's template `template_id`; raises StrategyTemplate.DoesNotExist for anyone else's."""
    return strategy_template_list(user=user).get(pk=template_id)


def strategy_instance_list(*, user: AbstractBaseUser) -> QuerySet[StrategyInstance]:
    return StrategyInstance.objects.for_user(user)


def strategy_instance_get(*, user: AbstractBaseUser, instance_id: str) -> StrategyInstance:
    """The user's strategy `instance_id`; raises StrategyInstance.DoesNotExist for anyone else's."""
    return strategy_instance_list(user=user).get(pk=instance_id)
