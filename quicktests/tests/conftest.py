import pytest
from django.core.management import call_command

from marketdata.tests.factories import DatasetFactory
from strategies.tests.factories import UserFactory

from .factories import ReferenceStrategyFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Bar and trade files of each test in their own directory (a worker the test starts is given it)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def system_nodes(db):
    call_command("seed_node_templates", verbosity=0)


@pytest.fixture
def trader(db):
    return UserFactory()


@pytest.fixture
def strategy(trader, system_nodes):
    return ReferenceStrategyFactory(user=trader)


@pytest.fixture
def dataset(db):
    """2,000 generated minute bars from 2020-01-01 00:00 UTC, shared."""
    return DatasetFactory(bar_count=2_000)
