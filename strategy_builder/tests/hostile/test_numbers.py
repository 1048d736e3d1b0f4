"""Numbers past what a run, a date or a timedelta can hold: `validate/`, quick tests and code generation refuse
the same params, naming node and param (or the config field); list filters answer 400 naming the parameter."""

from __future__ import annotations

import copy

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from codegen.models import CodeGeneration
from marketdata.tests.factories import DatasetFactory
from quicktests.models import QuickTest
from quicktests.tests.factories import reference_flow, reference_parameters
from strategies.models import StrategyInstance
from strategies.tests.factories import StrategyInstanceFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def strategy(owner, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_node_templates", verbosity=0)
    return StrategyInstanceFactory(owner=owner, logic_flow=reference_flow(), parameters=reference_parameters())


def _threshold(value) -> dict:
    flow = copy.deepcopy(reference_flow())
    next(n for n in flow["nodes"] if n["id"] == "rsi_below_70")["params"]["value"] = value
    return flow


def _where(problems: list[dict]) -> list[tuple]:
    return [(p["code"], p.get("node_id"), p.get("field")) for p in problems]


@pytest.mark.parametrize(
    ("store", "value"),
    [
        pytest.param("api", 2**64, id="beyond_64_bits-saved_through_the_api"),
        pytest.param("legacy_row", 2**64, id="beyond_64_bits-stored_before"),
        # The API refuses a number no JSON column holds before storing it (test_text); a row from before may.
        pytest.param("legacy_row", 10**400, id="400_digits-stored_before"),
    ],
)
def test_validate_quick_tests_and_code_generation_refuse_a_param_no_run_can_use(api, strategy, store, value):
    if store == "api":
        assert (
            api.patch(f"{API}strategy-instances/{strategy.pk}/", {"logic_flow": _threshold(value)}).status_code == 200
        )
    else:  # written before these checks existed
        StrategyInstance.objects.filter(pk=strategy.pk).update(logic_flow=_threshold(value))
    expected = [("invalid_params", "rsi_below_70", "params.value")]

    validated = api.post(f"{API}strategy-instances/{strategy.pk}/validate/")
    assert validated.status_code == 200 and validated.json()["valid"] is False
    assert _where(validated.json()["problems"]) == expected

    dataset = DatasetFactory(user_id=str(strategy.user_id))
    run = api.post(f"{API}quick-tests/", {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}})
    assert run.status_code == 400 and _where(run.json()["error"]["problems"]) == expected
    assert not QuickTest.objects.exists()

    generated = api.post(f"{API}code-generations/", {"instance": strategy.pk})
    if value > 1e308:  # its FLOW_ERROR record would hold the number, which no row may: nothing is stored
        assert generated.status_code == 400
        assert [p["field"] for p in generated.json()["error"]["problems"]] == [
            "logic_flow_snapshot.nodes[5].params.value"
        ]
        assert not CodeGeneration.objects.exists()
    else:
        assert generated.status_code == 201
        assert generated.json()["validation_status"] == "FLOW_ERROR"
        assert _where(generated.json()["validation_result"]["problems"]) == expected


def test_a_quick_test_config_number_no_run_can_use_is_a_400_naming_the_field(api, strategy):
    dataset = DatasetFactory(user_id=str(strategy.user_id))

    response = api.post(
        f"{API}quick-tests/",
        {"instance": strategy.pk, "test_config": {"dataset": dataset.pk, "initial_capital": 2**64}},
    )

    assert response.status_code == 400
    assert [p["field"] for p in response.json()["error"]["problems"]] == ["test_config.initial_capital"]
    assert not QuickTest.objects.exists()


# --- List filters ------------------------------------------------------------------------------------------

# Every number and date filter of every filterset, with values past what Python's dates and timedeltas hold.
OVERFLOWING_FILTERS = [
    ("quick-tests/", "within_hours", "1e9"),
    ("quick-tests/", "within_hours", "1e999999999"),
    ("quick-tests/", "created_after", "9999-12-31T23:59:59-05:00"),
    ("quick-tests/", "created_before", "0001-01-01T00:00:00%2B05:00"),
    ("code-generations/", "created_after", "9999-12-31T23:59:59-05:00"),
    ("code-generations/", "created_before", "0001-01-01T00:00:00%2B05:00"),
    ("strategy-templates/", "created_after", "9999-12-31T23:59:59-05:00"),
    ("strategy-templates/", "created_before", "0001-01-01T00:00:00%2B05:00"),
    ("strategy-instances/", "created_after", "9999-12-31T23:59:59-05:00"),
    ("strategy-instances/", "created_before", "0001-01-01T00:00:00%2B05:00"),
    ("builder-sessions/", "active_since", "9999-12-31T23:59:59-05:00"),
    ("builder-sessions/shared/", "active_since", "0001-01-01T00:00:00%2B05:00"),
]


@pytest.mark.parametrize(("path", "param", "value"), OVERFLOWING_FILTERS)
def test_a_filter_value_past_what_a_date_holds_is_a_400_naming_the_parameter(api, path, param, value):
    response = api.get(f"{API}{path}?{param}={value}")

    assert response.status_code == 400
    error = response.json()["error"]
    assert {p["field"] for p in error["problems"]} == {param}
    assert len(error["message"]) < 300


@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("quick-tests/", "within_hours", str(100 * 24 * 366)),
        ("quick-tests/", "created_after", "9999-12-31T23:59:59Z"),
        ("strategy-instances/", "created_before", "0001-01-01T00:00:00Z"),
        ("builder-sessions/", "active_since", "9999-12-31T18:59:59-05:00"),
    ],
)
def test_the_extreme_values_a_filter_can_hold_still_answer(api, path, param, value):
    assert api.get(f"{API}{path}?{param}={value}").status_code == 200
