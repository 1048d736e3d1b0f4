"""Two users with one object of every kind each, for tests that walk the whole API (schemathesis, the
documented examples). Alice is the caller; Bob's objects must never show in her responses."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import transaction
from rest_framework.authtoken.models import Token

from codegen.services import codegen_generate
from marketdata.tests.factories import DatasetFactory
from nodes.tests.factories import CustomNodeTemplateFactory
from quicktests import services as quicktest_services
from quicktests.tests.factories import QuickTestFactory, ReferenceStrategyFactory, reference_flow, reference_parameters
from sessions_app.tests.factories import BuilderSessionFactory
from strategies.tests.factories import StrategyTemplateFactory, UserFactory
from strategy_builder.api.examples import EXAMPLE_INSTANCE_ID, EXAMPLE_NODE_TEMPLATE_NAME

# The collection each path names, by its first segment after /api/v1/.
_KINDS = {
    "strategy-templates": "template",
    "strategy-instances": "instance",
    "datasets": "dataset",
    "quick-tests": "quicktest",
    "code-generations": "generation",
    "builder-sessions": "session",
    "node-templates": "node_template",
}

# Quick-test actions about a sweep: their id is the caller's sweep (still PENDING: never run here).
_SWEEP_ACTIONS = ("/run-combination/", "/rows/", "/heatmap/")


@dataclass
class ApiWorld:
    token: str
    user_id: str
    own: dict[str, str]
    others_ids: list[str] = field(default_factory=list)
    other_user_id: str = ""

    def own_id(self, path: str) -> str:
        """The id of the caller's object of the kind `path` (an OpenAPI path template) is about."""
        if path.endswith(_SWEEP_ACTIONS):
            return self.own["sweep"]
        return self.own[_KINDS[path.removeprefix("/api/v1/").split("/")[0]]]

    def use_own_ids(self, case) -> None:
        """Point a schemathesis case at the caller's own objects: the path's id, and the strategy and
        dataset a quick test, code generation or session names in its body."""
        if "id" in case.path_parameters:
            case.path_parameters["id"] = self.own_id(case.path)
        if isinstance(case.query, dict) and "ids" in case.query:  # quick-tests/compare/
            case.query["ids"] = f"{self.own['quicktest']},{self.own['pending_quicktest']}"
        body = case.body if isinstance(case.body, dict) else {}
        if "instance" in body:
            body["instance"] = self.own["instance"]
        if isinstance(body.get("test_config"), dict):
            body["test_config"]["dataset"] = self.own["dataset"]


def build_world() -> ApiWorld:
    """Needs the system node library seeded (`seed_node_templates`)."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    own = _objects_of(alice, instance_id=EXAMPLE_INSTANCE_ID, node_template_name=EXAMPLE_NODE_TEMPLATE_NAME)
    others = _objects_of(bob)
    return ApiWorld(
        token=Token.objects.create(user=alice).key,
        user_id=str(alice.pk),
        own=own,
        others_ids=list(others.values()),
        other_user_id=str(bob.pk),
    )


def _objects_of(user, *, instance_id: str | None = None, node_template_name: str | None = None) -> dict[str, str]:
    owner = str(user.pk)
    instance = ReferenceStrategyFactory(user=user, **({"id": instance_id} if instance_id else {}))
    dataset = DatasetFactory(user_id=owner, bar_count=300)
    quicktest = quicktest_services.quicktest_create(
        user=user, instance_id=instance.pk, test_config={"dataset": dataset.pk}, test_name="Reference"
    )
    quicktest_services.quicktest_run(quicktest_id=quicktest.pk)
    pending = QuickTestFactory(instance=instance)  # still PENDING: no metrics, times or result yet
    sweep = quicktest_services.quicktest_create(
        user=user,
        instance_id=instance.pk,
        test_config={
            "dataset": dataset.pk,
            "sweep": {"parameters": {"fast": {"values": [5, 10]}, "slow": {"values": [40]}}},
        },
        test_name="Sweep",
    )
    generation, _ = codegen_generate(user=user, instance_id=instance.pk)
    return {
        "template": StrategyTemplateFactory(owner=user, description=None).pk,
        "instance": instance.pk,
        "dataset": dataset.pk,
        "quicktest": quicktest.pk,
        "sweep": sweep.pk,
        "pending_quicktest": pending.pk,
        "generation": generation.pk,
        "session": BuilderSessionFactory(
            owner=user, draft_logic_flow=reference_flow(), draft_parameters=reference_parameters()
        ).pk,
        "node_template": CustomNodeTemplateFactory(
            owner=user, **({"name": node_template_name} if node_template_name else {})
        ).pk,
    }


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """An ApiWorld built once for a module, in a transaction rolled back at its end; each test runs in a
    savepoint inside it (the `db` fixture), so what one test changes the next never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_node_templates", verbosity=0)
        yield build_world()
        transaction.set_rollback(True)
