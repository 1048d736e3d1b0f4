import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


@pytest.fixture
def trader(db):
    """A signed-up trader, with the system node library the editor's palette and the quick tests read."""
    call_command("seed_node_templates", verbosity=0)
    return get_user_model().objects.create_user("trader", password="a-long-password")
