"""Quick tests over REST: POST runs one (202 + id, then poll), GET lists and reads results."""

from typing import Any

from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from quicktests import comparison, selectors, services
from quicktests.choices import QuickTestStatus
from quicktests.filters import QuickTestFilterSet
from quicktests.sweeps import is_sweep
from strategy_builder.api import examples
from strategy_builder.api.renderers import FastJSONRenderer, JSONRenderer
from strategy_builder.api.schema import error_responses
from strategy_builder.api.viewsets import InputSerializersMixin

from .downloads import NotCompleted, TradesCSVRenderer, completed_result, completed_trades, download_filename
from .serializers import (
    TRADE_COLUMN_TYPES,
    HeatmapSerializer,
    QuickTestComparisonSerializer,
    QuickTestCreatedSerializer,
    QuickTestCreateSerializer,
    QuickTestDetailSerializer,
    QuickTestListSerializer,
    QuickTestResultDownloadSerializer,
    RunCombinationSerializer,
    SweepRowSerializer,
    TradeColumnsQuerySerializer,
    TradeColumnsSerializer,
    TradeSerializer,
)

TRADE_COLUMNS_MAX_AGE = 3600  # seconds a browser may keep a completed test's `trades-columns/`


@extend_schema_view(
    list=extend_schema(summary="Your quick tests, newest first", responses={200: QuickTestListSerializer(many=True)}),
    retrieve=extend_schema(responses={200: QuickTestDetailSerializer, **error_responses(404)}),
    destroy=extend_schema(summary="Delete (soft) a quick test", responses={204: None, **error_responses(404)}),
)
class QuickTestViewSet(
    InputSerializersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = QuickTestFilterSet
    input_serializers = {"create": QuickTestCreateSerializer}
    ordering_fields = ["created_at", "completed_at", "execution_time", "status"]
    ordering = ["-created_at"]

    def get_queryset(self):
        queryset = selectors.quicktest_list(user=self.request.user)
        if self.action == "list":
            return queryset.defer("test_result", "logic_flow_snapshot", "parameters_snapshot")
        return queryset

    def get_object(self):
        return selectors.quicktest_get(user=self.request.user, quicktest_id=self.kwargs["pk"])

    def get_output_serializer_class(self):
        return QuickTestListSerializer if self.action == "list" else QuickTestDetailSerializer

    @extend_schema(
        summary="Run a quick test",
        request=QuickTestCreateSerializer,
        responses={202: QuickTestCreatedSerializer, **error_responses(400, 503)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = QuickTestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quicktest = services.quicktest_create(
            user=request.user,
            instance_id=data["instance"],
            test_name=data.get("test_name"),
            test_config=data["test_config"],
            parameters=data.get("parameters"),
        )
        return Response(QuickTestCreatedSerializer(quicktest).data, status=status.HTTP_202_ACCEPTED)

    def perform_destroy(self, instance) -> None:
        services.quicktest_delete(quicktest=instance, actor=self.request.user.get_username())

    @extend_schema(
        summary="Cancel a pending or running quick test",
        request=None,
        responses={200: QuickTestListSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        quicktest = services.quicktest_cancel(quicktest=self.get_object(), actor=request.user.get_username())
        return Response(QuickTestListSerializer(quicktest).data)

    @extend_schema(
        summary="The trades of a quick test, in the order they closed",
        description="A test that has not completed (or failed) has no trades: its page is empty.",
        responses={200: TradeSerializer(many=True), **error_responses(404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def trades(self, request: Request, pk: str) -> Response:
        trades = selectors.quicktest_trades(quicktest=self.get_object())
        page = self.paginate_queryset(trades)
        return self.get_paginated_response(TradeSerializer(page, many=True).data)

    @extend_schema(
        summary="The combinations of a finished sweep",
        description="One row per combination, best first (or by `order_by`: `rank`, a metric of the rows or "
        "`p.<parameter>`, `-` in front for descending). A test that is not a completed sweep has no rows. To run "
        "one combination as an ordinary quick test (its full report and trades), POST /api/v1/quick-tests/ with "
        "its `parameters` and the sweep's test_config without `sweep`; to keep it, PATCH the strategy "
        "instance's `parameters`.",
        parameters=[OpenApiParameter("order_by", str, description="rank (default), a metric, or p.<parameter>.")],
        responses={200: SweepRowSerializer(many=True), **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def rows(self, request: Request, pk: str) -> Response:
        rows = selectors.quicktest_sweep_rows(quicktest=self.get_object())
        order_by = request.query_params.get("order_by", "rank")
        try:
            rows = selectors.sorted_rows(rows, order_by)
        except KeyError as exc:
            raise ValidationError({"order_by": [f"Cannot order by {order_by!r}: {exc.args[0]}"]}) from exc
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SweepRowSerializer(page, many=True).data)

    @extend_schema(
        summary="A sweep's heatmap over two parameters",
        description="For each pair of values of parameters `x` and `y`: the `metric` (default: the sweep's "
        "objective) of the best combination over the other parameters (`statistic=best`, the default) or their "
        "mean (`statistic=mean`). 409 while the sweep has not completed.",
        parameters=[
            OpenApiParameter("x", str, required=True, description="A swept parameter."),
            OpenApiParameter("y", str, required=True, description="Another swept parameter."),
            OpenApiParameter("metric", str, description="A metric of the rows (default: the objective)."),
            OpenApiParameter("statistic", str, enum=["best", "mean"]),
        ],
        responses={200: HeatmapSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def heatmap(self, request: Request, pk: str) -> Response:
        quicktest = self.get_object()
        if is_sweep(quicktest) and quicktest.status != QuickTestStatus.COMPLETED:
            raise NotCompleted(f"The sweep is {quicktest.status}: its heatmap is drawn once it is COMPLETED.")
        data = selectors.quicktest_sweep_heatmap(
            quicktest=quicktest,
            x=request.query_params.get("x"),
            y=request.query_params.get("y"),
            metric=request.query_params.get("metric"),
            statistic=request.query_params.get("statistic", "best"),
        )
        return Response(HeatmapSerializer(data).data)

    @extend_schema(
        summary="Run one combination of a sweep as an ordinary quick test",
        description="A new quick test (202, then poll it as any other) of the sweep's flow, parameters and "
        "configuration (less the sweep) with the given values of swept parameters: a row's full report, "
        "curves and trades. To keep the values, PATCH the strategy instance's `parameters`.",
        request=RunCombinationSerializer,
        responses={202: QuickTestCreatedSerializer, **error_responses(400, 404, 503)},
    )
    @action(detail=True, methods=["post"], url_path="run-combination")
    def run_combination(self, request: Request, pk: str) -> Response:
        quicktest = self.get_object()
        serializer = RunCombinationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.quicktest_run_combination(
            quicktest=quicktest, parameters=serializer.validated_data["parameters"], user=request.user
        )
        return Response(QuickTestCreatedSerializer(created).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The trades of a quick test, column by column",
        description="The trades `trades/` gives, in the same order, as one list per field: the first `limit` in "
        "one response, for a page that needs them all (a report's table and chart). A test that has not "
        "completed (or failed) has no trades: every list is empty. A COMPLETED test's trades never change, so its "
        f"answer may be kept for an hour (`Cache-Control: private, max-age={TRADE_COLUMNS_MAX_AGE}`).",
        parameters=[
            OpenApiParameter("limit", int, description=TradeColumnsQuerySerializer().fields["limit"].help_text)
        ],
        responses={200: TradeColumnsSerializer, **error_responses(400, 404)},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        url_path="trades-columns",
        renderer_classes=[FastJSONRenderer],
    )
    def trades_columns(self, request: Request, pk: str) -> Response:
        quicktest = self.get_object()  # first: anyone else's test is a 404 whatever the query
        query = TradeColumnsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        count, columns = selectors.quicktest_trade_columns(
            quicktest=quicktest, types=TRADE_COLUMN_TYPES, limit=query.validated_data["limit"]
        )
        # Built directly, not through TradeColumnsSerializer (which documents it): 17 values a trade.
        response = Response({"count": count, "columns": columns})
        if quicktest.status == QuickTestStatus.COMPLETED:
            # A completed test's trades never change (its file is never rewritten): the browser may keep them
            # and open the report again without the megabytes a million bars' trades take to render.
            patch_cache_control(response, private=True, max_age=TRADE_COLUMNS_MAX_AGE)
        return response

    @extend_schema(
        summary="Compare 2 to 4 of your quick tests",
        description="The tests in the order `ids` gives them, each with what it ran on (strategy, dataset, range, "
        "backtest configuration, parameters, the flow's fingerprint) and, when COMPLETED, its headline figures "
        "and equity curve (`no_result` says why a test has none); then the inputs that differ between them and "
        "those they share. Fewer than 2 ids, more than 4 or one given twice is a 400 on `ids`; an id that is not "
        "one of your tests (unknown, deleted or anyone else's) is a 404.",
        parameters=[
            OpenApiParameter(
                "ids",
                str,
                required=True,
                description=f"{comparison.COMPARE_MIN} to {comparison.COMPARE_MAX} ids of your quick tests, "
                "comma-separated.",
                examples=examples.QUICK_TEST_COMPARE,
            )
        ],
        responses={200: QuickTestComparisonSerializer, **error_responses(400, 404)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def compare(self, request: Request) -> Response:
        ids = comparison.compare_ids(request.query_params.get("ids"))
        found = comparison.quicktest_compare(user=request.user, quicktest_ids=ids)
        return Response(QuickTestComparisonSerializer(found).data)

    # trades.csv and result.json are routed in urls.py: file names, not the router's `<action>/`.
    @extend_schema(
        summary="Download the trades as CSV",
        description="Every trade of a COMPLETED test, in the order they closed, one a line under a header of the "
        "trade list's columns (as `trades/` gives them). A test not COMPLETED answers 409 saying its status.",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The trades."),
            **error_responses(404, 409),
        },
    )
    def trades_csv(self, request: Request, pk: str) -> Response:
        quicktest = self.get_object()
        return _attachment(Response(completed_trades(quicktest)), download_filename(quicktest, "trades.csv"))

    @extend_schema(
        summary="Download the whole result as JSON",
        description="A COMPLETED test as one file: its configuration, the strategy's flow and parameters it ran "
        "on, the metrics summary and the full result with every trade. A test not COMPLETED answers 409 saying "
        "its status.",
        responses={200: QuickTestResultDownloadSerializer, **error_responses(404, 409)},
    )
    def result_json(self, request: Request, pk: str) -> Response:
        quicktest = self.get_object()
        data = QuickTestResultDownloadSerializer(quicktest, context={"test_result": completed_result(quicktest)}).data
        return _attachment(Response(data), download_filename(quicktest, "result.json"))

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(getattr(self.request, "accepted_renderer", None), TradesCSVRenderer):
            self.request.accepted_renderer = JSONRenderer()  # errors keep the API's JSON shape
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def _attachment(response: Response, filename: str) -> Response:
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
