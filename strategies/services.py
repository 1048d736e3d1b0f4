"""Writes to strategy templates and instances. Views, admin and other apps change strategies only here."""

from __future__ import annotations

import copy
import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from threading import Lock
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max

from engine.catalogue import Catalogue
from engine.errors import Problem
from engine.flow import validate_flow
from nodes.selectors import node_catalogue_for_user, node_catalogue_rows
from strategy_builder.actors import actor_name

from . import selectors
from .choices import StrategyStatus
from .models import StrategyBase, StrategyInstance, StrategyTemplate
from .validators import empty_flow, validate_logic_flow, validate_parameters

UPDATABLE_FIELDS = frozenset({"name", "description", "logic_flow", "parameters"})


def _full_check(strategy: StrategyBase) -> None:
    """Every problem with the strategy's fields at once: model field rules and the flow/parameters shape."""
    errors: dict[str, list[ValidationError]] = {}
    checks = (
        lambda: strategy.clean_fields(exclude={"logic_flow", "parameters"}),
        lambda: validate_logic_flow(strategy.logic_flow),
        lambda: validate_parameters(strategy.parameters),
    )
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)


def _apply_update(strategy: StrategyBase, *, user: AbstractBaseUser, data: Mapping[str, Any]) -> list[str]:
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"Not updatable through this service: {', '.join(sorted(unknown))}")
    changed = [field for field, value in data.items() if getattr(strategy, field) != value]
    for field in changed:
        setattr(strategy, field, data[field])
    if changed:
        _full_check(strategy)
        strategy.updated_by = actor_name(user)
        strategy.save(update_fields=[*changed, "updated_by"])
    return changed


@transaction.atomic
def strategy_template_create(
    *,
    user: AbstractBaseUser,
    name: str,
    description: str | None = None,
    logic_flow: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
) -> StrategyTemplate:
    template = StrategyTemplate(
        user_id=str(user.pk),
        name=name,
        description=description,
        logic_flow=empty_flow() if logic_flow is None else logic_flow,
        parameters={} if parameters is None else parameters,
        created_by=actor_name(user),
        updated_by=actor_name(user),
    )
    _full_check(template)
    template.save(force_insert=True)
    return template


@transaction.atomic
def strategy_template_update(
    *, template: StrategyTemplate, user: AbstractBaseUser, data: Mapping[str, Any]
) -> StrategyTemplate:
    """Change any of name, description, logic_flow, parameters; instances made from it keep their own copy."""
    _apply_update(template, user=user, data=data)
    return template


def strategy_template_delete(*, template: StrategyTemplate, user: AbstractBaseUser) -> None:
    """Soft delete: the row stays (instances still name it as their origin) but no one sees it."""
    template.soft_delete(by=actor_name(user))


def strategy_template_restore(*, template: StrategyTemplate, user: AbstractBaseUser) -> None:
    template.restore(by=actor_name(user))


@transaction.atomic
def strategy_instance_create(
    *,
    user: AbstractBaseUser,
    name: str,
    description: str | None = None,
    logic_flow: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    template_id: str | None = None,
) -> StrategyInstance:
    """A new strategy, empty or started from one of the user's own templates.

    From a template, the flow, parameters and description are copied (so later edits to either side
    stay independent); any of them given explicitly wins over the template's.
    """
    template = None
    if template_id is not None:
        try:
            template = selectors.strategy_template_get(user=user, template_id=template_id)
        except StrategyTemplate.DoesNotExist:
            raise ValidationError(
                {"template_id": ValidationError(f"No strategy template '{template_id}'.", code="does_not_exist")}
            ) from None
        logic_flow = copy.deepcopy(template.logic_flow) if logic_flow is None else logic_flow
        parameters = copy.deepcopy(template.parameters) if parameters is None else parameters
        description = template.description if description is None else description

    instance = StrategyInstance(
        user_id=str(user.pk),
        template=template,
        name=name,
        description=description,
        logic_flow=empty_flow() if logic_flow is None else logic_flow,
        parameters={} if parameters is None else parameters,
        created_by=actor_name(user),
        updated_by=actor_name(user),
    )
    _full_check(instance)
    instance.save(force_insert=True)
    return instance


@transaction.atomic
def strategy_instance_update(
    *, instance: StrategyInstance, user: AbstractBaseUser, data: Mapping[str, Any]
) -> StrategyInstance:
    """Change any of name, description, logic_flow, parameters."""
    _apply_update(instance, user=user, data=data)
    return instance


def _set_status(instance: StrategyInstance, *, user: AbstractBaseUser, status: StrategyStatus) -> StrategyInstance:
    if instance.status != status:
        instance.status = status
        instance.updated_by = actor_name(user)
        instance.save(update_fields=["status", "updated_by"])
    return instance


def strategy_instance_archive(*, instance: StrategyInstance, user: AbstractBaseUser) -> StrategyInstance:
    """Archive (idempotent): the strategy is kept, and retention may purge its old quick tests."""
    return _set_status(instance, user=user, status=StrategyStatus.ARCHIVED)


def strategy_instance_unarchive(*, instance: StrategyInstance, user: AbstractBaseUser) -> StrategyInstance:
    return _set_status(instance, user=user, status=StrategyStatus.ACTIVE)


def strategy_instance_delete(*, instance: StrategyInstance, user: AbstractBaseUser) -> None:
    """Soft delete: the row and its quick tests, code and sessions stay, hidden, until a purge."""
    instance.soft_delete(by=actor_name(user))


def strategy_instance_restore(*, instance: StrategyInstance, user: AbstractBaseUser) -> None:
    instance.restore(by=actor_name(user))


def strategy_validate(*, strategy: StrategyBase, user: AbstractBaseUser) -> list[Problem]:
    """Every problem the engine finds in the strategy's flow with its parameter values; none means valid.

    The flow is checked against the node templates `user` can use: the system library and their own.
    """
    return StrategyChecker(user).problems(strategy)


class StrategyChecker:
    """strategy_validate for many strategies of one user, as a page of strategy responses needs it.

    The user's node catalogue is built once, on first use. What a check finds is also kept in the process
    (the last STRATEGY_CHECKS_CACHED results), keyed by a fingerprint of the rows the catalogue is built from
    (how many, the latest `updated_at`: one aggregate query per checker, as the quick tests' catalogue cache
    has it) and a digest of the flow and parameters. Listing the same strategies again checks nothing again;
    changing a strategy or any template the user can see checks afresh.
    """

    def __init__(self, user: AbstractBaseUser) -> None:
        self.user = user
        self._catalogue: Catalogue | None = None
        self._fingerprint: tuple | None = None
        self._last: tuple[StrategyBase, tuple[Problem, ...]] | None = None

    def problems(self, strategy: StrategyBase) -> list[Problem]:
        if self._last is not None and self._last[0] is strategy:  # a response asks twice: problems, runnable
            return list(self._last[1])
        content = json.dumps([strategy.logic_flow, strategy.parameters])
        key = (self._catalogue_fingerprint(), hashlib.sha256(content.encode()).digest())
        with _checked_lock:
            found = _checked.get(key)
            if found is not None:
                _checked.move_to_end(key)
        if found is None:
            found = tuple(validate_flow(strategy.logic_flow, self._user_catalogue(), parameters=strategy.parameters))
            with _checked_lock:
                _checked[key] = found
                while len(_checked) > STRATEGY_CHECKS_CACHED:
                    _checked.popitem(last=False)
        self._last = (strategy, found)
        return list(found)

    def _catalogue_fingerprint(self) -> tuple:
        if self._fingerprint is None:
            rows = node_catalogue_rows(self.user).aggregate(count=Count("pk"), latest=Max("updated_at"))
            self._fingerprint = (str(self.user.pk), rows["count"], rows["latest"])
        return self._fingerprint

    def _user_catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = node_catalogue_for_user(self.user)
        return self._catalogue


STRATEGY_CHECKS_CACHED = 20_000
_checked: OrderedDict[tuple, tuple[Problem, ...]] = OrderedDict()
_checked_lock = Lock()
