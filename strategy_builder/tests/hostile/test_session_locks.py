import pytest
from rest_framework.test import APIClient

from sessions_app.models import BuilderSession
from strategies.tests.factories import UserFactory

from .corpus_session_locks import REMOVED_COLLABORATOR_ATTEMPTS

pytestmark = pytest.mark.django_db

URL = "/api/v1/builder-sessions/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(("method", "action"), REMOVED_COLLABORATOR_ATTEMPTS)
def test_a_removed_collaborator_can_neither_keep_nor_retake_the_lock(method, action):
    owner, collaborator = UserFactory(), UserFactory()
    owner_api, collaborator_api = client_for(owner), client_for(collaborator)
    session_id = owner_api.post(URL, {"session_type": "COLLABORATIVE"}, format="json").json()["id"]
    owner_api.put(f"{URL}{session_id}/collaborators/", {"collaborator_ids": [str(collaborator.pk)]}, format="json")
    assert collaborator_api.post(f"{URL}{session_id}/lock/").status_code == 200
    owner_api.put(f"{URL}{session_id}/collaborators/", {"collaborator_ids": []}, format="json")

    path = f"{URL}{session_id}/{action + '/' if action else ''}"
    response = getattr(collaborator_api, method)(path, {"base_version": 1}, format="json")

    assert response.status_code == 404
    session = BuilderSession.objects.get(pk=session_id)
    assert session.lock_info is None
    assert session.draft_metadata["version"] == 1
