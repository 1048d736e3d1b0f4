"""schemathesis against /api/schema/: every operation, called in-process (WSGI) by a user with data of their
own, answers no 5xx, only statuses the schema documents, and bodies that match the schema; and no response
ever carries another user's data.

Bounded: a few positive examples per operation, derandomized (the same inputs on every run); the
documented examples are posted by test_openapi_examples.py.
SQLite pass only: the MariaDB pass skips it (the schema does not depend on the database, and the run is
the slowest part of the suite).
"""

from __future__ import annotations

import itertools
import json

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, connection
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from strategy_builder.tests.api_fixtures import ApiWorld
from strategy_builder.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
MAX_EXAMPLES = 5
CONFIG = SchemathesisConfig.from_dict({"generation": {"mode": "positive"}})


@pytest.fixture(scope="module", autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("schemathesis runs in the SQLite pass only: the schema does not depend on the database")


@pytest.fixture
def world(api_world, db) -> ApiWorld:
    return api_world


def _load_schema():
    """The schema /api/schema/ serves, generated in-process; calls go to the WSGI app, not a server.

    (Not `schemathesis.pytest.from_fixture`: its lazy loading renames pytest items through an attribute
    pytest 9 no longer has.)"""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)), config=CONFIG)
    loaded.app = application
    return loaded


schema = _load_schema()
# One pytest item per operation, driven by Hypothesis directly: schemathesis's own collector
# (`@schema.parametrize()`) gives every item the same node id under pytest 9, so pytest-xdist, as
# `make test` runs it, would run one operation and drop the rest.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.fixture(autouse=True)
def _in_process_wsgi(settings):
    """Call the WSGI app the way Django's test client does: as localhost (schemathesis's WSGI client's
    host), and without closing the test's database connection at the end of each request."""
    settings.ALLOWED_HOSTS = ["localhost"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_is_tested():
    assert len(OPERATIONS) >= 50, [operation.label for operation in OPERATIONS]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_the_api_keeps_to_its_schema(operation, world: ApiWorld):
    calls = itertools.count()

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def call_and_check(case):
        if next(calls) % 2 == 0:
            # Half the calls name objects of the caller's own (generated ids are nearly always unknown).
            world.use_own_ids(case)
        response = case.call(headers={"Authorization": f"Token {world.token}"})

        case.validate_response(response, checks=CHECKS)
        leaked = [object_id for object_id in world.others_ids if object_id in response.text]
        assert not leaked, f"{case.method} {case.formatted_path} answered another user's objects: {leaked}"

    call_and_check()
