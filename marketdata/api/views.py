from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from engine.errors import Problem
from marketdata.filters import DatasetFilterSet
from marketdata.selectors import dataset_get, dataset_list
from marketdata.services import dataset_delete, dataset_import_csv
from marketdata.uploads import upload_refusal
from strategy_builder.api.exceptions import PayloadTooLarge
from strategy_builder.api.schema import error_responses
from strategy_builder.api.viewsets import InputSerializersMixin

from .serializers import DatasetOutputSerializer, DatasetUploadSerializer


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
