"""Code generations over REST: POST generates (201, or 200 with the existing generation when the code is a
duplicate), GET lists, reads, downloads the .py file and diffs two generations of one strategy."""

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from codegen import selectors, services
from codegen.choices import ValidationStatus
from codegen.filters import CodeGenerationFilterSet
from codegen.models import CodeGeneration
from strategy_builder.api.exceptions import ApiError
from strategy_builder.api.schema import error_responses
from strategy_builder.api.viewsets import InputSerializersMixin

from .serializers import (
    CodeDiffSerializer,
    CodeGenerationCreateSerializer,
    CodeGenerationDetailSerializer,
    CodeGenerationListSerializer,
)


class NotDownloadable(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This generation has no code that passed its checks."
    default_code = "not_downloadable"


@extend_schema_view(
    list=extend_schema(
        summary="Your code generations, newest first", responses={200: CodeGenerationListSerializer(many=True)}
    ),
    retrieve=extend_schema(responses={200: CodeGenerationDetailSerializer, **error_responses(404)}),
    destroy=extend_schema(summary="Delete (soft) a code generation", responses={204: None, **error_responses(404)}),
)
class CodeGenerationViewSet(
    InputSerializersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = CodeGenerationFilterSet
    input_serializers = {"create": CodeGenerationCreateSerializer}
    ordering_fields = ["created_at", "line_count", "complexity_score", "generation_time"]
    ordering = ["-created_at"]

    def get_queryset(self):
        queryset = selectors.code_generation_list(user=self.request.user)
        if self.action == "list":
            return queryset.defer("generated_code", "validation_result", "logic_flow_snapshot", "parameters_snapshot")
        return queryset

    def get_object(self) -> CodeGeneration:
        return selectors.code_generation_get(user=self.request.user, generation_id=self.kwargs["pk"])

    def get_output_serializer_class(self):
        return CodeGenerationListSerializer if self.action == "list" else CodeGenerationDetailSerializer

    @extend_schema(
        summary="Generate Python code for a strategy",
        description="201 with the new generation; 200 with the existing one when the same code was already "
        "generated for this strategy. A flow that is not valid is recorded as FLOW_ERROR (no code), with every "
        "problem in `validation_result.problems`.",
        request=CodeGenerationCreateSerializer,
        responses={
            201: CodeGenerationDetailSerializer,
            200: OpenApiResponse(CodeGenerationDetailSerializer, description="Identical code already generated."),
            **error_responses(400),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CodeGenerationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        generation, created = services.codegen_generate(
            user=request.user, instance_id=data["instance"], parameters=data.get("parameters")
        )
        return Response(
            CodeGenerationDetailSerializer(generation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def perform_destroy(self, instance: CodeGeneration) -> None:
        services.codegen_delete(generation=instance, user=self.request.user)

    @extend_schema(
        summary="Download the generated module as a .py file",
        responses={
            (200, "text/x-python"): OpenApiResponse(OpenApiTypes.STR, description="The module."),
            **error_responses(404, 409),
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def download(self, request: Request, pk: str) -> HttpResponse:
        generation = self.get_object()
        if generation.validation_status != ValidationStatus.VALID:
            raise NotDownloadable(
                f"This generation is {generation.validation_status}: only code that passed its checks is "
                "downloadable. See validation_result for why."
            )
        response = HttpResponse(generation.generated_code, content_type="text/x-python; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=selectors.code_generation_filename(generation)
        )
        return response

    @extend_schema(
        summary="Unified diff from another generation of the same strategy to this one",
        parameters=[OpenApiParameter("against", str, required=True, description="Id of the generation to diff from.")],
        responses={200: CodeDiffSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def diff(self, request: Request, pk: str) -> Response:
        generation = self.get_object()
        against_id = request.query_params.get("against")
        if not against_id:
            raise ValidationError({"against": ["Give the id of the generation to diff from."]}, code="required")
        against = selectors.code_generation_sibling(user=request.user, generation=generation, sibling_id=against_id)
        if against is None:
            raise ValidationError(
                {"against": [f"{against_id!r} is not one of your generations of the same strategy."]}, code="invalid"
            )
        diff = selectors.code_generation_diff(generation=generation, against=against)
        return Response(
            CodeDiffSerializer(
                {"generation": generation.pk, "against": against.pk, "identical": not diff, "diff": diff}
            ).data
        )
