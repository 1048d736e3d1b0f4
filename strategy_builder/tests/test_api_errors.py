"""Every kind of error answers in the one shape: {"error": {status, code, message, problems}}."""

import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core import exceptions as django_exceptions
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from engine.errors import FlowError, Problem
from strategy_builder.api.exceptions import Locked, PreconditionFailed, server_error
from strategy_builder.api.serializers import StrictInputMixin

INSTANCES = "/api/v1/strategy-instances/"


def error_of(response) -> dict:
    body = response.json() if hasattr(response, "json") else response.data
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "problems"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


class Leg(StrictInputMixin, serializers.Serializer):
    symbol = serializers.CharField()
    weights = serializers.ListField(child=serializers.FloatField(min_value=0))


class Order(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField()
    legs = Leg(many=True)

    def validate(self, attrs):
        if attrs["name"] == "forbidden":
            raise serializers.ValidationError("This order is not allowed.")
        return attrs


class OrderView(APIView):
    permission_classes = ()

    def post(self, request):
        Order(data=request.data).is_valid(raise_exception=True)
        return Response({})


def raising(exc: Exception, **attrs):
    view = type(
        "RaisingView", (APIView,), {"permission_classes": (), "get": lambda self, request: _raise(exc), **attrs}
    )
    return view.as_view()


def _raise(exc: Exception):
    raise exc


@pytest.fixture
def rf():
    return APIRequestFactory()


def call(view, rf, method: str = "get", data=None, **kwargs):
    response = view(getattr(rf, method)("/api/test/", data, format="json", **kwargs))
    response.render()
    return response


# --- Validation -------------------------------------------------------------------------------------


def test_serializer_errors_are_flattened_into_problems_with_field_paths(rf):
    body = {"name": "", "legs": [{"symbol": "AAPL", "weights": [1]}, {"weights": [0.5, -1]}], "note": "x"}

    error = error_of(call(OrderView.as_view(), rf, "post", body))

    assert (error["status"], error["code"]) == (400, "invalid")
    assert error["message"] == "Invalid input: 4 problems, listed in `problems`."
    assert {(p["field"], p["code"]) for p in error["problems"]} == {
        ("name", "blank"),
        ("legs[1].symbol", "required"),
        ("legs[1].weights[1]", "min_value"),
        ("note", "unknown_field"),
    }


def test_a_single_problem_is_named_in_the_message(rf):
    error = error_of(call(OrderView.as_view(), rf, "post", {"name": "x", "legs": [], "side": "buy"}))

    assert error["message"] == "Invalid input: side: Unknown field 'side'."
    assert error["problems"] == [{"code": "unknown_field", "message": "Unknown field 'side'.", "field": "side"}]


def test_non_field_errors_have_no_field(rf):
    error = error_of(call(OrderView.as_view(), rf, "post", {"name": "forbidden", "legs": []}))

    assert error["problems"] == [{"code": "invalid", "message": "This order is not allowed."}]


def test_django_validation_errors_from_services_keep_fields_and_codes(rf):
    exc = django_exceptions.ValidationError(
        {
            "name": [django_exceptions.ValidationError("Too long (%(n)s).", code="max_length", params={"n": 300})],
            "logic_flow.nodes[0].id": [django_exceptions.ValidationError("Required.", code="required")],
            "__all__": [django_exceptions.ValidationError("Inconsistent.", code="inconsistent")],
        }
    )

    error = error_of(call(raising(exc), rf))

    assert (error["status"], error["code"]) == (400, "invalid")
    assert error["problems"] == [
        {"code": "max_length", "message": "Too long (300).", "field": "name"},
        {"code": "required", "message": "Required.", "field": "logic_flow.nodes[0].id"},
        {"code": "inconsistent", "message": "Inconsistent."},
    ]


def test_a_django_validation_error_without_fields(rf):
    error = error_of(call(raising(django_exceptions.ValidationError("Nope.", code="nope")), rf))

    assert error["problems"] == [{"code": "nope", "message": "Nope."}]
    assert error["message"] == "Invalid input: Nope."


def test_engine_errors_answer_400_with_their_problems_located(rf):
    exc = FlowError(
        [
            Problem("cycle", "The flow has a cycle through n1 and n2.", node_id="n1"),
            Problem("incompatible_ports", "A bool output cannot feed a series input.", edge_id="e3"),
        ]
    )

    error = error_of(call(raising(exc), rf))

    assert (error["status"], error["code"]) == (400, "invalid_flow")
    assert error["problems"] == [
        {"code": "cycle", "message": "The flow has a cycle through n1 and n2.", "node_id": "n1"},
        {"code": "incompatible_ports", "message": "A bool output cannot feed a series input.", "edge_id": "e3"},
    ]


def test_a_single_engine_problem_names_its_place_in_the_message(rf):
    exc = FlowError(Problem("missing_input", "Input 'series' is not connected.", node_id="sma1"))

    error = error_of(call(raising(exc), rf))

    assert error["message"] == "Invalid input: node sma1: Input 'series' is not connected."


# --- Malformed requests -----------------------------------------------------------------------------


def test_malformed_json_answers_400_with_the_parsers_message_and_line(rf):
    request = rf.post("/api/test/", data=b'{"name": "x",\n "legs": [}', content_type="application/json")

    error = error_of(_render(OrderView.as_view()(request)))

    assert (error["status"], error["code"]) == (400, "parse_error")
    assert error["message"].startswith("JSON parse error - ")
    assert error["problems"] == [{"code": "parse_error", "message": error["message"], "line": 2}]


def test_an_unsupported_media_type_answers_415(rf):
    request = rf.post("/api/test/", data=b"name=x", content_type="text/csv")

    error = error_of(_render(OrderView.as_view()(request)))

    assert (error["status"], error["code"]) == (415, "unsupported_media_type")


@pytest.mark.django_db
def test_a_method_the_endpoint_lacks_answers_405():
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create(username="alice"))

    error = error_of(client.delete(INSTANCES))

    assert (error["status"], error["code"]) == (405, "method_not_allowed")
    assert error["message"] == 'Method "DELETE" not allowed.'


# --- Who may do what --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_credentials_answers_401_with_a_token_challenge():
    response = APIClient().get(INSTANCES)

    error = error_of(response)
    assert (error["status"], error["code"]) == (401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_bad_token_answers_401():
    response = APIClient().get(INSTANCES, HTTP_AUTHORIZATION="Token not-a-real-token")

    error = error_of(response)
    assert (error["status"], error["code"]) == (401, "authentication_failed")


@pytest.mark.parametrize(
    "exc", [django_exceptions.PermissionDenied("Staff only."), exceptions.PermissionDenied("Staff only.")]
)
def test_permission_denied_answers_403(rf, exc):
    error = error_of(call(raising(exc), rf))

    assert (error["status"], error["code"], error["message"]) == (403, "permission_denied", "Staff only.")


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (Http404("No StrategyInstance matches the given query."), "No StrategyInstance matches the given query."),
        (exceptions.NotFound(), "Not found."),
        (get_user_model().DoesNotExist(), "Not found."),
    ],
)
def test_not_found_answers_404(rf, exc, message):
    error = error_of(call(raising(exc), rf))

    assert (error["status"], error["code"], error["message"], error["problems"]) == (404, "not_found", message, [])


def test_precondition_failed_answers_412_with_its_problems(rf):
    exc = PreconditionFailed(
        "Saved version 7 is newer than the version 6 this draft was based on.",
        problems=[Problem("stale_version", "Reload the draft before saving.", field="base_version")],
    )

    error = error_of(call(raising(exc), rf))

    assert (error["status"], error["code"]) == (412, "precondition_failed")
    assert error["message"] == "Saved version 7 is newer than the version 6 this draft was based on."
    assert error["problems"] == [
        {"code": "stale_version", "message": "Reload the draft before saving.", "field": "base_version"}
    ]


def test_locked_answers_423_with_a_default_message(rf):
    error = error_of(call(raising(Locked()), rf))

    assert (error["status"], error["code"], error["message"]) == (
        423,
        "locked",
        "The resource is locked by someone else.",
    )


class AlwaysThrottled(BaseThrottle):
    def allow_request(self, request, view):
        return False

    def wait(self):
        return 41.2


def test_throttling_answers_429_with_retry_after(rf):
    view = raising(RuntimeError("never reached"), throttle_classes=(AlwaysThrottled,))

    response = call(view, rf)

    error = error_of(response)
    assert (error["status"], error["code"]) == (429, "throttled")
    assert error["message"] == "Request was throttled. Expected available in 42 seconds."
    assert response["Retry-After"] == "42"


# --- Anything else ----------------------------------------------------------------------------------


def test_an_unexpected_error_answers_500_in_the_shape_and_is_logged(rf, caplog):
    with caplog.at_level(logging.ERROR, logger="strategy_builder.api.exceptions"):
        error = error_of(call(raising(RuntimeError("database on fire")), rf))

    assert (error["status"], error["code"]) == (500, "server_error")
    assert "database on fire" not in error["message"]
    assert caplog.records[0].exc_info[1].args == ("database on fire",)


def test_an_unknown_api_url_answers_404_in_the_shape(client):
    response = client.get("/api/v1/no-such-things/")

    error = error_of(response)
    assert (error["code"], error["message"]) == ("not_found", "No API endpoint at /api/v1/no-such-things/.")


def test_the_500_handler_answers_json_under_the_api_only(rf):
    api = server_error(rf.get("/api/v1/strategy-instances/"))
    page = server_error(rf.get("/admin/"))

    assert (api.status_code, json.loads(api.content)["error"]["code"]) == (500, "server_error")
    assert page.status_code == 500 and not page["Content-Type"].startswith("application/json")


def test_an_unknown_page_outside_the_api_is_not_json(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def _render(response):
    response.render()
    return response


# --- Pagination -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("page_size=0", "page_size"),
        ("page_size=many", "page_size"),
    ],
)
def test_a_page_or_page_size_that_is_not_a_positive_integer_answers_400_naming_it(query, field):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create(username="alice"))

    error = error_of(client.get(f"{INSTANCES}?{query}"))

    assert (error["status"], error["code"]) == (400, "invalid")
    assert [p["field"] for p in error["problems"]] == [field]


@pytest.mark.django_db
def test_a_page_after_the_last_answers_404_and_the_last_page_can_be_named():
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create(username="alice"))

    assert error_of(client.get(f"{INSTANCES}?page=2"))["code"] == "not_found"
    assert client.get(f"{INSTANCES}?page=last").status_code == 200
    assert client.get(f"{INSTANCES}?page=1&page_size=1000").status_code == 200  # capped at 500, as documented
