from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from nodes.filters import NodeTemplateFilterSet
from nodes.selectors import node_palette_for_user, node_template_get_deleted, node_template_list
from nodes.services import (
    node_template_create,
    node_template_restore,
    node_template_soft_delete,
    node_template_update,
)
from strategy_builder.api.schema import error_responses
from strategy_builder.api.viewsets import InputSerializersMixin

from .serializers import (
    CatalogueSerializer,
    NodeTemplateCreateSerializer,
    NodeTemplateOutputSerializer,
    NodeTemplateUpdateSerializer,
)

_WRITE_RULES = (
    "Custom templates belong to the caller. Only staff create or change system templates "
    "(is_system_template: true); anyone else gets 403."
)


@extend_schema_view(
    list=extend_schema(summary="System templates and your own custom ones"),
    retrieve=extend_schema(
        summary="One template (another user's custom template answers 404)",
        responses={200: NodeTemplateOutputSerializer, **error_responses(404)},
    ),
    create=extend_schema(
        summary="Create a template",
        description=_WRITE_RULES,
        request=NodeTemplateCreateSerializer,
        responses={201: NodeTemplateOutputSerializer, **error_responses(400, 403)},
    ),
    update=extend_schema(
        summary="Replace a template's definition (its name cannot change)",
        description=_WRITE_RULES,
        request=NodeTemplateUpdateSerializer,
        responses={200: NodeTemplateOutputSerializer, **error_responses(400, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change some of a template's definition (its name cannot change)",
        description=_WRITE_RULES,
        request=NodeTemplateUpdateSerializer,
        responses={200: NodeTemplateOutputSerializer, **error_responses(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete a template (soft delete)",
        description=_WRITE_RULES,
        responses={204: None, **error_responses(403, 404)},
    ),
)
class NodeTemplateViewSet(InputSerializersMixin, viewsets.ModelViewSet):
    serializer_class = NodeTemplateOutputSerializer
    input_serializers = {
        "create": NodeTemplateCreateSerializer,
        "update": NodeTemplateUpdateSerializer,
        "partial_update": NodeTemplateUpdateSerializer,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = NodeTemplateFilterSet

    def get_queryset(self):
        return node_template_list(self.request.user)

    def create(self, request: Request) -> Response:
        serializer = NodeTemplateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = node_template_create(actor=request.user, **serializer.validated_data)
        return Response(NodeTemplateOutputSerializer(template).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        template = self.get_object()
        serializer = NodeTemplateUpdateSerializer(template, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        template = node_template_update(template=template, actor=request.user, data=serializer.validated_data)
        return Response(NodeTemplateOutputSerializer(template).data)

    def destroy(self, request: Request, pk: str) -> Response:
        node_template_soft_delete(template=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Restore a soft-deleted template",
        description="Your own custom templates; staff also restore system templates. Its name is kept while "
        "it is deleted, so restoring is how to use the name again.",
        request=None,
        responses={200: NodeTemplateOutputSerializer, **error_responses(403, 404)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def restore(self, request: Request, pk: str) -> Response:
        template = node_template_restore(template=node_template_get_deleted(request.user, pk), actor=request.user)
        return Response(NodeTemplateOutputSerializer(template).data)

    @extend_schema(
        summary="Everything the node editor's palette needs, in one request",
        description="Every template you may use, grouped by node type, with ports, parameter schemas and "
        "defaults, and the table of port types an edge may join.",
        responses=CatalogueSerializer,
        filters=False,
    )
    @action(detail=False, pagination_class=None, filter_backends=[])
    def catalogue(self, request: Request) -> Response:
        return Response(CatalogueSerializer(node_palette_for_user(request.user)).data)
