from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from engine.bars import iter_csv
from engine.errors import DataError, Problem
from marketdata.candles import NS_PER_SECOND
from marketdata.filters import DatasetFilterSet
from marketdata.selectors import dataset_candles, dataset_csv_filename, dataset_get, dataset_list
from marketdata.services import dataset_delete, dataset_import_csv, dataset_load_bars
from marketdata.uploads import upload_refusal
from strategy_builder.api.exceptions import PayloadTooLarge
from strategy_builder.api.schema import error_responses
from strategy_builder.api.viewsets import InputSerializersMixin

from .serializers import (
    DatasetBarsQuerySerializer,
    DatasetBarsSerializer,
    DatasetDownloadQuerySerializer,
    DatasetOutputSerializer,
    DatasetUploadSerializer,
)


class BarsCSVRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: text/csv`. The bars themselves are streamed by the view; an error is
    answered as JSON all the same (see DatasetViewSet.handle_exception)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return renderers.JSONRenderer().render(data, accepted_media_type, renderer_context)


@extend_schema_view(
    list=extend_schema(summary="Your datasets and the shared ones"),
    retrieve=extend_schema(responses={200: DatasetOutputSerializer, **error_responses(404)}),
    destroy=extend_schema(
        summary="Delete (soft) one of your datasets", responses={204: None, **error_responses(403, 404)}
    ),
)
class DatasetViewSet(
    InputSerializersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """OHLCV datasets: the user's own and the shared ones. Upload a CSV to add one."""

    serializer_class = DatasetOutputSerializer
    input_serializers = {"create": DatasetUploadSerializer}
    filterset_class = DatasetFilterSet
    ordering_fields = ["created_at", "symbol", "timeframe", "bar_count", "first_timestamp"]
    parser_classes = [MultiPartParser]  # a file comes only in a multipart body, whose size the upload handler limits

    def get_queryset(self):
        return dataset_list(user=self.request.user)

    def get_object(self):
        return dataset_get(user=self.request.user, dataset_id=self.kwargs["pk"])

    @extend_schema(
        summary="Upload a CSV of bars as a new dataset",
        request=DatasetUploadSerializer,
        responses={201: DatasetOutputSerializer, **error_responses(400, 403, 413)},
    )
    def create(self, request: Request) -> Response:
        upload = DatasetUploadSerializer(data=request.data)
        if refusal := upload_refusal(request):
            raise PayloadTooLarge(refusal, problems=[Problem(code="too_large", message=refusal, field="file")])
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        if data["shared"] and not request.user.is_staff:
            raise PermissionDenied("Only staff may upload shared datasets.")
        dataset = dataset_import_csv(
            file=data["file"],
            name=data["name"],
            symbol=data["symbol"],
            timeframe=data["timeframe"],
            user_id=None if data["shared"] else str(request.user.pk),
            source=f"CSV upload: {data['file'].name}",
            actor=request.user.get_username(),
        )
        return Response(DatasetOutputSerializer(dataset).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance) -> None:
        if instance.is_shared and not self.request.user.is_staff:
            raise PermissionDenied("Shared datasets are managed by staff.")
        dataset_delete(dataset=instance, actor=self.request.user.get_username())

    @extend_schema(
        summary="Download the bars as CSV",
        description="The bars in the CSV format the engine and generated modules read (`python strategy.py "
        "BARS.csv`): a header `timestamp,open,high,low,close,volume`, then one bar a line, timestamps ISO 8601 "
        "UTC. Optionally only the bars from `start` to `end`, as a quick test's configuration gives them. "
        "Streamed; shared datasets too.",
        parameters=[
            OpenApiParameter("start", str, description=DatasetDownloadQuerySerializer().fields["start"].help_text),
            OpenApiParameter("end", str, description=DatasetDownloadQuerySerializer().fields["end"].help_text),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The bars."),
            **error_responses(400, 404),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        ordering_fields=[],
        renderer_classes=[renderers.JSONRenderer, BarsCSVRenderer],
    )
    def download(self, request: Request, pk: str) -> StreamingHttpResponse:
        dataset = self.get_object()
        query = DatasetDownloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        bars = dataset_load_bars(dataset, start=query.validated_data.get("start"), end=query.validated_data.get("end"))
        if not len(bars):
            span = f"{dataset.first_timestamp:%Y-%m-%d %H:%M} to {dataset.last_timestamp:%Y-%m-%d %H:%M} UTC"
            raise DataError(
                Problem(
                    code="no_bars", message=f"The dataset has no bars in this range; it covers {span}.", field="start"
                )
            )
        response = StreamingHttpResponse(iter_csv(bars), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=dataset_csv_filename(dataset, bars)
        )
        return response

    @extend_schema(
        summary="Candles for a chart",
        description="The bars from `start` to `end` as at most `max_points` candles, column by column, for "
        "TradingView's lightweight-charts. A range of at most `max_points` bars answers the bars themselves; a "
        "longer one is aggregated into calendar-aligned candles (UTC) of the finest interval that fits: 1s ... 1m, "
        "5m, 15m, 1h, 4h, 1D, 1W (from Monday), 1M, 3M, 1Y ... Each candle has the first open, highest high, "
        "lowest low, last close and summed volume of its bars and the time of its first bar. A narrower range "
        "answers finer candles (zooming in). A bound past the data is a 400 saying what the dataset covers; a "
        "range inside it without bars (a gap) has no candles. Shared datasets too.",
        parameters=[
            OpenApiParameter(name, type_, description=DatasetBarsQuerySerializer().fields[name].help_text)
            for name, type_ in (("start", str), ("end", str), ("max_points", int))
        ],
        responses={200: DatasetBarsSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering_fields=[])
    def bars(self, request: Request, pk: str) -> Response:
        dataset = self.get_object()
        query = DatasetBarsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found, bars = dataset_candles(
            dataset=dataset,
            start=query.validated_data.get("start"),
            end=query.validated_data.get("end"),
            max_points=query.validated_data["max_points"],
        )
        # Built directly, not through DatasetBarsSerializer (which documents it): thousands of numbers each.
        body = {name: getattr(found, name).tolist() for name in ("time", "open", "high", "low", "close", "volume")}
        body |= {
            "interval": found.interval,
            "total_bars": len(bars),
            "start": _iso(bars.timestamp[0]) if len(bars) else None,
            "end": _iso(bars.timestamp[-1]) if len(bars) else None,
        }
        return Response(body)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(getattr(self.request, "accepted_renderer", None), BarsCSVRenderer):
            self.request.accepted_renderer = renderers.JSONRenderer()  # errors keep the API's JSON shape
            self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)


def _iso(ns) -> str:
    seconds, rest = divmod(int(ns), NS_PER_SECOND)
    moment = datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=rest // 1_000)
    return moment.isoformat().replace("+00:00", "Z")
