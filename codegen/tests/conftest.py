import pytest
from rest_framework.test import APIClient

from quicktests.tests.factories import ReferenceStrategyFactory
from strategies.tests.factories import UserFactory


@pytest.fixture
def trader(db):
    return UserFactory()


@pytest.fixture
def other_trader(db):
    return UserFactory()


@pytest.fixture
def strategy(trader):
    """The reference strategy (SMA 10/30 crossover filtered by RSI), owned by `trader`."""
    return ReferenceStrategyFactory(user=trader, name="Golden cross")


@pytest.fixture
def api(trader) -> APIClient:
    client = APIClient()
    client.force_authenticate(trader)
    return client
