import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from strategies.models import StrategyInstance, StrategyTemplate


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"trader{n}")
    password = factory.LazyFunction(lambda: make_password(None))  # unusable, and no hashing cost


def _flow(nodes: int = 2) -> dict:
    ids = [f"n{i}" for i in range(nodes)]
    return {
        "schema_version": 1,
        "nodes": [{"id": node_id, "template": "sma", "params": {"period": 10}} for node_id in ids],
        "edges": [
            {"source": a, "source_port": "out", "target": b, "target_port": "series"}
            for a, b in itertools.pairwise(ids)
        ],
    }


class StrategyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyTemplate

    class Params:
        owner = factory.SubFactory(UserFactory)

    user_id = factory.LazyAttribute(lambda o: str(o.owner.pk))
    name = factory.Sequence(lambda n: f"Template {n}")
    description = "Crossing moving averages."
    logic_flow = factory.LazyFunction(_flow)
    parameters = factory.LazyFunction(lambda: {"fast": 10, "slow": 30})


class StrategyInstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyInstance

    class Params:
        owner = factory.SubFactory(UserFactory)

    user_id = factory.LazyAttribute(lambda o: str(o.owner.pk))
    name = factory.Sequence(lambda n: f"Strategy {n}")
    description = None
    logic_flow = factory.LazyFunction(_flow)
    parameters = factory.LazyFunction(lambda: {"fast": 10})
