import json
from pathlib import Path

import factory

from quicktests.models import QuickTest
from strategies.models import StrategyInstance
from strategies.tests.factories import UserFactory

EXAMPLES = Path(__file__).resolve().parents[2] / "engine" / "examples"


def reference_flow() -> dict:
    """The reference strategy: SMA 10/30 crossover entries filtered by RSI < 70, crossunder exits."""
    return json.loads((EXAMPLES / "reference_flow.json").read_text())


def reference_parameters() -> dict:
    return json.loads((EXAMPLES / "reference_params.json").read_text())


class ReferenceStrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyInstance

    name = factory.Sequence(lambda n: f"Reference strategy {n}")
    user_id = factory.LazyAttribute(lambda o: str(o.user.pk))
    logic_flow = factory.LazyFunction(reference_flow)
    parameters = factory.LazyFunction(reference_parameters)

    class Params:
        user = factory.SubFactory(UserFactory)


class QuickTestFactory(factory.django.DjangoModelFactory):
    """A row as the create service would write it (for read-side tests that need no run)."""

    class Meta:
        model = QuickTest

    instance = factory.SubFactory(ReferenceStrategyFactory)
    user_id = factory.LazyAttribute(lambda o: o.instance.user_id)
    test_config = factory.LazyFunction(lambda: {"dataset": "d", "start": None, "end": None})
    logic_flow_snapshot = factory.LazyAttribute(lambda o: o.instance.logic_flow)
    parameters_snapshot = factory.LazyAttribute(lambda o: o.instance.parameters)
