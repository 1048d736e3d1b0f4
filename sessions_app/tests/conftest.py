import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from strategies.tests.factories import UserFactory

EXAMPLES = Path(__file__).resolve().parents[2] / "engine" / "examples"


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def colleague(db):
    return UserFactory()


@pytest.fixture
def stranger(db):
    return UserFactory()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(owner) -> APIClient:
    return client_for(owner)


@pytest.fixture
def valid_flow() -> dict:
    """The reference strategy: SMA crossover entries filtered by RSI, crossunder exits."""
    return json.loads((EXAMPLES / "reference_flow.json").read_text())


@pytest.fixture
def valid_parameters() -> dict:
    return json.loads((EXAMPLES / "reference_params.json").read_text())
