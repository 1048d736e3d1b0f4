"""What a row may hold (strategy_builder.storable), the model's guard, and the renderer that never fails a list."""

import json

import pytest
from django.core.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer as RestFrameworkJSONRenderer

from strategies.models import StrategyInstance
from strategies.tests.factories import StrategyInstanceFactory, UserFactory
from strategy_builder.api.renderers import FastJSONRenderer, JSONRenderer
from strategy_builder.storable import MAX_DEPTH, MAX_PROBLEMS, TOO_DEEP, JSONDecoder, json_problems, member_path


@pytest.fixture
def user(db):
    return UserFactory()


def _nested(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


def _fields(value, path="") -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in json_problems(value, path=path)]


def test_each_value_no_row_can_hold_is_named_by_its_path_in_document_order():
    flow = {
        "nodes": [
            {"id": "a"},
            {"id": "b"},
            {"id": "c", "label": "\ud800", "params": {"x": float("nan"), "y": 10**400}},
        ],
        "note": "a\x00b",
    }

    assert _fields(flow, "logic_flow") == [
        ("invalid_text", "logic_flow.nodes[2].label"),
        ("out_of_range", "logic_flow.nodes[2].params.x"),
        ("out_of_range", "logic_flow.nodes[2].params.y"),
        ("invalid_text", "logic_flow.note"),
    ]


def test_keys_are_checked_and_shown_escaped_and_shortened():
    value = {"ok": {"\udfff": 1, "k" * 5_000: 2, "with space": "\x00"}}

    assert _fields(value) == [
        ("invalid_text", 'ok["\\udfff"]'),
        ("too_long", f'ok["{"k" * 40}..."]'),
        ("invalid_text", 'ok["with space"]'),
    ]


def test_what_json_and_utf8_hold_is_fine():
    value = {"café": "😀 \u2028 \ufeff", "n": [2**64, -(2**1000), 1e308, True, None, 0.5], "ok_key": "x" * 100_000}

    assert json_problems(value) == []


def test_nesting_is_checked_without_recursion_at_any_depth():
    assert json_problems(_nested(MAX_DEPTH)) == []
    problems = json_problems(_nested(50_000), path="draft_metadata")

    assert [(p.code, p.message) for p in problems] == [("too_deep", TOO_DEEP)]
    assert problems[0].field == "draft_metadata" + "[0]" * MAX_DEPTH


def test_a_value_with_a_million_bad_strings_gets_a_short_answer():
    assert len(json_problems(["\ud800"] * 1_000_000)) == MAX_PROBLEMS


def test_member_paths_are_plain_for_names_and_json_strings_for_anything_else():
    assert member_path("", "fast") == "fast"
    assert member_path("parameters", "rsi_period") == "parameters.rsi_period"
    assert member_path("parameters", "a.b") == 'parameters["a.b"]'
    assert member_path("x", "") == 'x[""]'


def test_the_decoder_reports_nesting_it_cannot_parse_as_a_json_error_naming_the_limit():
    with pytest.raises(json.JSONDecodeError, match="64 levels"):
        json.loads("[" * 100_000 + "]" * 100_000, cls=JSONDecoder)
    assert json.loads('{"a": [1]}', cls=JSONDecoder) == {"a": [1]}


# --- BaseModel -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_model_save_refuses_unstorable_values_by_path_and_stores_nothing(user):
    instance = StrategyInstanceFactory(owner=user, name="Before")
    instance.name = "After"
    instance.logic_flow = {**instance.logic_flow, "nodes": [{"id": "n1", "template": "sma", "label": "\ud83d"}]}

    with pytest.raises(ValidationError) as refused:
        instance.save()

    assert list(refused.value.message_dict) == ["logic_flow.nodes[0].label"]
    assert StrategyInstance.objects.get(pk=instance.pk).name == "Before"


@pytest.mark.django_db
def test_a_row_stored_before_the_check_can_still_be_soft_deleted(user):
    instance = StrategyInstanceFactory(owner=user)
    StrategyInstance.objects.filter(pk=instance.pk).update(parameters={"fast": "a\x00b"})  # both databases take it
    legacy = StrategyInstance.objects.get(pk=instance.pk)
    assert legacy.unstorable_values()  # as no save would write it now

    legacy.soft_delete(by="test")

    assert StrategyInstance.all_objects.get(pk=instance.pk).is_deleted


@pytest.mark.django_db
def test_clean_fields_puts_each_problem_beside_its_field_saying_where_inside(user):
    instance = StrategyInstanceFactory(owner=user)
    instance.parameters = {"fast": 10, "note": "\x00"}
    instance.description = "\ud800"

    with pytest.raises(ValidationError) as refused:
        instance.full_clean()

    assert refused.value.message_dict["parameters"] == [
        "parameters.note: Text may not contain a NUL character (U+0000)."
    ]
    assert "lone surrogate (U+D800)" in refused.value.message_dict["description"][0]


# --- The renderer --------------------------------------------------------------------------------------


def test_the_renderer_writes_what_rest_framework_writes_for_ordinary_data():
    data = {"name": "café ☕", "values": [1, 2.5, None, True], "line": "a\u2028b"}

    assert JSONRenderer().render(data) == RestFrameworkJSONRenderer().render(data)


def test_the_renderer_shows_a_stored_lone_surrogate_and_nan_rather_than_failing_the_response():
    data = {"results": [{"name": "ok"}, {"name": "bad \ud800", "\udfff": [float("nan"), float("-inf"), 1.5]}]}

    with pytest.raises((UnicodeEncodeError, ValueError)):
        RestFrameworkJSONRenderer().render(data)
    rendered = json.loads(JSONRenderer().render(data))

    assert rendered == {"results": [{"name": "ok"}, {"name": "bad \ufffd", "\ufffd": [None, None, 1.5]}]}


def test_the_fast_renderer_writes_the_same_json_and_takes_the_slow_way_for_what_orjson_refuses():
    columns = {
        "count": 3,
        "columns": {"pnl": [1.5, -0.1, 1e-17], "side": ["long", "short", "café"], "run_up": [None] * 3},
    }
    odd = {"name": "bad \ud800", "values": [float("nan"), float("inf"), 2]}

    assert json.loads(FastJSONRenderer().render(columns)) == columns
    assert (
        FastJSONRenderer().render(columns)
        == b'{"count":3,"columns":{"pnl":[1.5,-0.1,1e-17],"side":["long","short","caf\xc3\xa9"],"run_up":[null,null,null]}}'
    )
    assert json.loads(FastJSONRenderer().render(odd)) == {"name": "bad \ufffd", "values": [None, None, 2]}
    assert FastJSONRenderer().render(None) == b""
