"""Strategy templates and instances over REST: input serializer -> service -> output serializer.

Querysets are the caller's own rows, so another user's template or strategy answers 404 on every verb.
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from strategies import selectors, services
from strategies.filters import StrategyInstanceFilterSet, StrategyTemplateFilterSet
from strategies.models import StrategyBase, StrategyInstance, StrategyTemplate
from strategy_builder.api.schema import error_responses
from strategy_builder.api.viewsets import InputSerializersMixin

from .serializers import (
    StrategyInputSerializer,
    StrategyInstanceCreateSerializer,
    StrategyInstanceOutputSerializer,
    StrategyTemplateOutputSerializer,
    ValidationResultSerializer,
)

_VALIDATE_SCHEMA = extend_schema(
    summary="Check the flow with its parameters against your node templates",
    description="Answers 200 whether the flow is valid or not; `problems` lists everything wrong, each tied "
    "to a node id, edge id or field.",
    request=None,
    responses={200: ValidationResultSerializer, **error_responses(404)},
)


def _validation_result(strategy: StrategyBase, request: Request) -> Response:
    problems = services.strategy_validate(strategy=strategy, user=request.user)
    return Response({"valid": not problems, "problems": [p.as_dict() for p in problems]})


def _validated(serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="Your strategy templates",
        responses={200: StrategyTemplateOutputSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: StrategyTemplateOutputSerializer, **error_responses(404)}),
    create=extend_schema(
        request=StrategyInputSerializer, responses={201: StrategyTemplateOutputSerializer, **error_responses(400)}
    ),
    update=extend_schema(
        request=StrategyInputSerializer, responses={200: StrategyTemplateOutputSerializer, **error_responses(400, 404)}
    ),
    partial_update=extend_schema(
        request=StrategyInputSerializer, responses={200: StrategyTemplateOutputSerializer, **error_responses(400, 404)}
    ),
    destroy=extend_schema(summary="Delete (soft) a template", responses={204: None, **error_responses(404)}),
)
class StrategyTemplateViewSet(InputSerializersMixin, viewsets.ModelViewSet):
    serializer_class = StrategyTemplateOutputSerializer
    input_serializers = {
        "create": StrategyInputSerializer,
        "update": StrategyInputSerializer,
        "partial_update": StrategyInputSerializer,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = StrategyTemplateFilterSet

    def get_queryset(self):
        return selectors.strategy_template_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(StrategyInputSerializer, request)
        template = services.strategy_template_create(user=request.user, **data)
        return Response(StrategyTemplateOutputSerializer(template).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template: StrategyTemplate = self.get_object()
        data = _validated(StrategyInputSerializer, request, partial=kwargs.get("partial", False))
        template = services.strategy_template_update(template=template, user=request.user, data=data)
        return Response(StrategyTemplateOutputSerializer(template).data)

    def perform_destroy(self, instance: StrategyTemplate) -> None:
        services.strategy_template_delete(template=instance, user=self.request.user)

    @_VALIDATE_SCHEMA
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str | None = None) -> Response:
        return _validation_result(self.get_object(), request)


@extend_schema_view(
    list=extend_schema(
        summary="Your strategies", responses={200: StrategyInstanceOutputSerializer(many=True), **error_responses(400)}
    ),
    retrieve=extend_schema(responses={200: StrategyInstanceOutputSerializer, **error_responses(404)}),
    create=extend_schema(
        request=StrategyInstanceCreateSerializer,
        responses={201: StrategyInstanceOutputSerializer, **error_responses(400)},
    ),
    update=extend_schema(
        request=StrategyInputSerializer, responses={200: StrategyInstanceOutputSerializer, **error_responses(400, 404)}
    ),
    partial_update=extend_schema(
        request=StrategyInputSerializer, responses={200: StrategyInstanceOutputSerializer, **error_responses(400, 404)}
    ),
    destroy=extend_schema(summary="Delete (soft) a strategy", responses={204: None, **error_responses(404)}),
)
class StrategyInstanceViewSet(InputSerializersMixin, viewsets.ModelViewSet):
    serializer_class = StrategyInstanceOutputSerializer
    input_serializers = {
        "create": StrategyInstanceCreateSerializer,
        "update": StrategyInputSerializer,
        "partial_update": StrategyInputSerializer,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = StrategyInstanceFilterSet

    def get_queryset(self):
        return selectors.strategy_instance_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(StrategyInstanceCreateSerializer, request)
        instance = services.strategy_instance_create(user=request.user, **data)
        return Response(StrategyInstanceOutputSerializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance: StrategyInstance = self.get_object()
        data = _validated(StrategyInputSerializer, request, partial=kwargs.get("partial", False))
        instance = services.strategy_instance_update(instance=instance, user=request.user, data=data)
        return Response(StrategyInstanceOutputSerializer(instance).data)

    def perform_destroy(self, instance: StrategyInstance) -> None:
        services.strategy_instance_delete(instance=instance, user=self.request.user)

    @_VALIDATE_SCHEMA
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str | None = None) -> Response:
        return _validation_result(self.get_object(), request)

    @extend_schema(request=None, responses={200: StrategyInstanceOutputSerializer, **error_responses(404)})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        instance = services.strategy_instance_archive(instance=self.get_object(), user=request.user)
        return Response(StrategyInstanceOutputSerializer(instance).data)

    @extend_schema(request=None, responses={200: StrategyInstanceOutputSerializer, **error_responses(404)})
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, pk: str | None = None) -> Response:
        instance = services.strategy_instance_unarchive(instance=self.get_object(), user=request.user)
        return Response(StrategyInstanceOutputSerializer(instance).data)
