"""GET /api/v1/quick-tests/compare/?ids=a,b: 2-4 of a user's tests side by side, and what differs between them."""

import copy

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from marketdata.tests.factories import DatasetFactory
from quicktests.choices import QuickTestStatus
from quicktests.comparison import flow_fingerprint
from strategies.tests.factories import UserFactory
from strategy_builder.celery import app

from .factories import QuickTestFactory, ReferenceStrategyFactory, reference_flow

pytestmark = pytest.mark.django_db

URL = "/api/v1/quick-tests/compare/"
CURVE = {"bar": [0, 5, 9], "time": ["2020-01-01T00:00:00Z", "2020-01-01T00:05:00Z", "2020-01-01T00:09:00Z"]}
DEFAULTS = {
    "initial_capital": 10000,
    "commission": 0,
    "slippage_bps": 0,
    "fill": "next_open",
    "direction": "long",
    "size": 1.0,
    "whole_units": False,
    "risk_free_rate": 0,
}


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def _completed(instance, *, config, parameters, flow=None, equity=(10000.0, 10100.0, 10050.0), **fields):
    return QuickTestFactory(
        instance=instance,
        test_config=config,
        parameters_snapshot=parameters,
        logic_flow_snapshot=flow or instance.logic_flow,
        status=QuickTestStatus.COMPLETED,
        metrics_summary={"return_pct": (equity[-1] / equity[0] - 1) * 100, "trades": 3},
        test_result={"equity_curve": {**CURVE, "equity": list(equity)}, "counts": {"trades": 3}},
        completed_at=timezone.now(),
        **fields,
    )


def _ids(*tests) -> str:
    return ",".join(test.pk for test in tests)


@pytest.fixture
def trio(trader, system_nodes):
    """A, B: one strategy, B with a faster `fast`, double commission, a later end and its nodes moved on the
    canvas (the same logic); C: another strategy whose flow's RSI period differs, with an extra parameter."""
    dataset = DatasetFactory(name="Minute bars", user_id=str(trader.pk))
    first = ReferenceStrategyFactory(user=trader, name="SMA cross")
    second = ReferenceStrategyFactory(user=trader, name="SMA cross (RSI 21)")
    base = {"dataset": dataset.pk, "start": "2020-01-01T00:00:00+00:00", "end": "2020-01-01T12:00:00+00:00"}
    moved = copy.deepcopy(first.logic_flow)
    for node in moved["nodes"]:
        node["position"] = {"x": node.get("position", {}).get("x", 0) + 40, "y": 7}
    changed = copy.deepcopy(first.logic_flow)
    rsi = next(node for node in changed["nodes"] if node["template"] == "rsi")
    rsi["params"] = {"timeperiod": 21}
    params = {"fast": 10, "slow": 30, "rsi_period": 14}
    a = _completed(first, config={**base, **DEFAULTS, "commission": 0.001}, parameters=params, test_name="A")
    b = _completed(
        first,
        config={**base, **DEFAULTS, "commission": 0.002, "end": "2020-01-01T18:00:00+00:00"},
        parameters={**params, "fast": 12},
        flow=moved,
        test_name="B",
    )
    # Stored before the configuration had every key: compared as the defaults it ran with.
    c = _completed(
        second,
        config={**base, "commission": 0.001},
        parameters={**params, "atr": 3},
        flow=changed,
        equity=(10000.0, 9900.0, 9800.0),
    )
    return dataset, a, b, c


def test_the_differing_inputs_of_three_tests_are_named_with_each_tests_value(client, trio):
    dataset, a, b, c = trio

    response = client.get(URL, {"ids": _ids(a, b, c)})

    assert response.status_code == 200, response.json()
    body = response.json()
    moved_flow, changed_flow = flow_fingerprint(b.logic_flow_snapshot), flow_fingerprint(c.logic_flow_snapshot)
    assert moved_flow == flow_fingerprint(a.logic_flow_snapshot) != changed_flow
    assert body["differences"] == [
        {"kind": "strategy", "name": "strategy", "values": [a.instance_id, a.instance_id, c.instance_id]},
        {"kind": "flow", "name": "logic_flow", "values": [moved_flow, moved_flow, changed_flow]},
        {
            "kind": "end",
            "name": "end",
            "values": ["2020-01-01T12:00:00+00:00", "2020-01-01T18:00:00+00:00", "2020-01-01T12:00:00+00:00"],
        },
        {"kind": "config", "name": "commission", "values": [0.001, 0.002, 0.001]},
        {"kind": "parameter", "name": "fast", "values": [10, 12, 10]},
        {"kind": "parameter", "name": "atr", "values": [None, None, 3]},
    ]
    same = {(item["kind"], item["name"]): item["value"] for item in body["same"]}
    assert same == {
        ("dataset", "dataset"): dataset.pk,
        ("start", "start"): "2020-01-01T00:00:00+00:00",
        **{("config", key): value for key, value in DEFAULTS.items() if key != "commission"},
        ("parameter", "slow"): 30,
        ("parameter", "rsi_period"): 14,
    }


def test_each_test_comes_with_what_it_ran_on_and_its_figures(client, trio):
    dataset, a, _, c = trio

    body = client.get(URL, {"ids": _ids(a, c)}).json()

    first, third = body["tests"]
    assert first["id"] == a.pk
    assert first["test_name"] == "A"
    assert first["status"] == "COMPLETED"
    assert first["strategy"] == {"id": a.instance_id, "name": "SMA cross"}
    assert first["dataset"] == {"id": dataset.pk, "name": "Minute bars", "symbol": "SYNTH", "timeframe": "1m"}
    assert (first["start"], first["end"]) == ("2020-01-01T00:00:00+00:00", "2020-01-01T12:00:00+00:00")
    assert first["config"] == {**DEFAULTS, "commission": 0.001}
    assert first["parameters_snapshot"] == {"fast": 10, "slow": 30, "rsi_period": 14}
    assert first["metrics_summary"] == {"return_pct": pytest.approx(0.5), "trades": 3}
    assert first["equity_curve"] == {**CURVE, "equity": [10000.0, 10100.0, 10050.0]}
    assert first["no_result"] is None
    assert third["config"] == {**DEFAULTS, "commission": 0.001}  # its missing keys read as the defaults
    assert third["equity_curve"]["equity"] == [10000.0, 9900.0, 9800.0]


def test_the_tests_come_in_the_order_given(client, trio):
    _, a, b, c = trio

    body = client.get(URL, {"ids": _ids(c, a, b)}).json()

    assert [test["id"] for test in body["tests"]] == [c.pk, a.pk, b.pk]
    fast = next(item for item in body["differences"] if item["name"] == "fast")
    assert fast["values"] == [10, 10, 12]


def test_a_test_not_completed_is_compared_without_figures_saying_why(client, trio):
    _, a, _, _ = trio
    pending = QuickTestFactory(instance=a.instance)

    response = client.get(URL, {"ids": _ids(a, pending)})

    assert response.status_code == 200
    entry = response.json()["tests"][1]
    assert (entry["status"], entry["metrics_summary"], entry["equity_curve"]) == ("PENDING", None, None)
    assert "PENDING" in entry["no_result"]
    assert response.json()["tests"][0]["equity_curve"] is not None


def test_a_dataset_no_longer_there_is_named_by_its_id_only(client, trio):
    dataset, a, b, _ = trio
    dataset_id = dataset.pk
    dataset.delete()

    body = client.get(URL, {"ids": _ids(a, b)}).json()

    assert body["tests"][0]["dataset"] == {"id": dataset_id, "name": None, "symbol": None, "timeframe": None}


@pytest.mark.parametrize(
    ("ids", "code"),
    [
        (None, "required"),
        ("", "required"),
        ("{a}", "count"),
        ("{a},{b},{c},{a}x,{b}y", "count"),
        ("{a},{a}", "duplicate"),
        ("{a},,{b}", "blank"),
    ],
)
def test_a_bad_ids_list_is_a_400_on_ids(client, trio, ids, code):
    _, a, b, c = trio
    query = {} if ids is None else {"ids": ids.format(a=a.pk, b=b.pk, c=c.pk)}

    response = client.get(URL, query)

    assert response.status_code == 400
    (problem,) = response.json()["error"]["problems"]
    assert (problem["field"], problem["code"]) == ("ids", code)


def test_another_users_test_an_unknown_id_and_a_deleted_test_are_the_same_404(client, trio):
    _, a, b, _ = trio
    others = QuickTestFactory(instance=ReferenceStrategyFactory(user=UserFactory()))
    b.is_deleted = True
    b.save()
    unknown = "00000000-0000-4000-8000-0000000000ff"

    answers = {
        name: client.get(URL, {"ids": f"{a.pk},{test_id}"})
        for name, test_id in (("others", others.pk), ("unknown", unknown), ("deleted", b.pk))
    }

    assert {answer.status_code for answer in answers.values()} == {404}
    assert answers["others"].json()["error"]["message"] == f"No quick test '{others.pk}' among yours."
    shapes = {
        name: answer.content.decode().replace(test_id, "ID")
        for (name, answer), test_id in zip(answers.items(), (others.pk, unknown, b.pk), strict=True)
    }
    assert len(set(shapes.values())) == 1


def test_two_real_runs_differ_by_the_parameter_overridden(
    client, strategy, dataset, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    ids = []
    for fast in (10, 12):
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                "/api/v1/quick-tests/",
                {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}, "parameters": {"fast": fast}},
                format="json",
            )
        assert answer.status_code == 202, answer.json()
        ids.append(answer.json()["id"])

    body = client.get(URL, {"ids": ",".join(ids)}).json()

    assert body["differences"] == [{"kind": "parameter", "name": "fast", "values": [10, 12]}]
    for entry in body["tests"]:
        stored = client.get(f"/api/v1/quick-tests/{entry['id']}/").json()
        assert entry["status"] == "COMPLETED"
        assert entry["equity_curve"] == stored["result"]["equity_curve"]
        assert entry["metrics_summary"] == stored["metrics_summary"]


def test_the_flow_fingerprint_ignores_positions_and_order_but_not_what_a_node_is():
    flow = reference_flow()
    reordered = {**flow, "nodes": list(reversed(flow["nodes"])), "edges": list(reversed(flow["edges"]))}
    moved = copy.deepcopy(flow)
    moved["nodes"][0]["position"] = {"x": 999, "y": -5}
    changed = copy.deepcopy(flow)
    changed["nodes"][0]["label"] = "Renamed"

    assert flow_fingerprint(flow) == flow_fingerprint(reordered) == flow_fingerprint(moved)
    assert flow_fingerprint(changed) != flow_fingerprint(flow)
