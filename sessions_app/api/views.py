"""Builder sessions over REST: input serializer -> service -> output serializer.

A session is visible to its owner and, when COLLABORATIVE, to its collaborators; anyone else gets 404.
Responses that carry a draft carry its version as ETag; saves send it back as If-Match (or
`base_version`), and a save based on an old version gets 412 with the current draft in `current`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sessions_app import selectors, services
from sessions_app.drafts import etag, parse_if_match
from sessions_app.errors import SessionLocked, StaleDraft
from sessions_app.filters import BuilderSessionFilterSet
from sessions_app.models import BuilderSession
from sessions_app.preview import session_preview
from strategy_builder.api.schema import error_responses
from strategy_builder.api.serializers import ErrorResponseSerializer
from strategy_builder.api.viewsets import InputSerializersMixin

from .serializers import (
    BuilderSessionListSerializer,
    BuilderSessionSerializer,
    CollaboratorsSerializer,
    SessionCommitSerializer,
    SessionLockedErrorSerializer,
    SessionPreviewResultSerializer,
    SessionPreviewSerializer,
    SessionSaveSerializer,
    SessionStartSerializer,
    StaleDraftErrorSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description='The ETag of the draft this request is based on, e.g. "3".',
)
_STALE = {
    412: OpenApiResponse(
        StaleDraftErrorSerializer, description="Based on an old version: nothing saved; `current` holds the draft."
    )
}
_LOCKED = {
    423: OpenApiResponse(
        SessionLockedErrorSerializer, description="Someone else holds the edit lock: `lock` says who, until when."
    )
}
_TOO_LARGE = {413: OpenApiResponse(ErrorResponseSerializer, description="The draft is over the size limit.")}
_NO_VERSION = {428: OpenApiResponse(ErrorResponseSerializer, description="No If-Match header nor `base_version`.")}
_WRITE_ERRORS = {**error_responses(400, 404, 409), **_LOCKED, **_STALE}


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _base_version(request: Request, data: dict[str, Any]) -> int | None:
    header = parse_if_match(request.headers.get("If-Match"))
    body = data.pop("base_version", None)
    if header is not None and body is not None and header != body:
        raise ValidationError(
            {"base_version": f"Says version {body}, but the If-Match header says {header}; send one of them."}
        )
    return header if header is not None else body


@extend_schema_view(
    list=extend_schema(
        summary="Your sessions, most recently active first",
        responses={200: BuilderSessionListSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="A session with its draft (ETag: its version)",
        responses={200: BuilderSessionSerializer, **error_responses(404)},
    ),
    create=extend_schema(
        summary="Start a session, on one of your strategies or on a new one",
        request=SessionStartSerializer,
        responses={201: BuilderSessionSerializer, **error_responses(400), **_TOO_LARGE},
    ),
    partial_update=extend_schema(
        summary="Autosave the draft",
        parameters=[IF_MATCH],
        request=SessionSaveSerializer,
        responses={200: BuilderSessionSerializer, **_WRITE_ERRORS, **_TOO_LARGE, **_NO_VERSION},
    ),
)
class BuilderSessionViewSet(
    InputSerializersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = BuilderSessionSerializer
    input_serializers = {
        "create": SessionStartSerializer,
        "partial_update": SessionSaveSerializer,
        "save": SessionSaveSerializer,
        "commit": SessionCommitSerializer,
        "collaborators": CollaboratorsSerializer,
        "preview": SessionPreviewSerializer,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = BuilderSessionFilterSet
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_object(self) -> BuilderSession:
        return selectors.session_get(self.request.user, self.kwargs["pk"])

    def get_output_serializer_class(self):
        return BuilderSessionListSerializer if self.action in ("list", "shared") else BuilderSessionSerializer

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, StaleDraft):
            response.data["current"] = BuilderSessionSerializer(exc.current).data
            response["ETag"] = etag(exc.current)
        elif isinstance(exc, SessionLocked):
            response.data["lock"] = exc.lock
        return response

    def get_queryset(self):
        if self.action == "shared":
            return selectors.session_shared_list(self.request.user)
        return selectors.session_list(self.request.user)

    @extend_schema(
        summary="Collaborative sessions other users shared with you, most recently active first",
        responses={200: BuilderSessionListSerializer(many=True), **error_responses(400)},
    )
    @action(detail=False, methods=["get"])
    def shared(self, request: Request) -> Response:
        return self.list(request)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._draft_response(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(SessionStartSerializer, request)
        session = services.session_start(user=request.user, instance_id=data.pop("instance", None), **data)
        return self._draft_response(session, code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request)

    @extend_schema(
        summary="Autosave the draft (POST, for sendBeacon on tab close: `base_version` in the body)",
        parameters=[IF_MATCH],
        request=SessionSaveSerializer,
        responses={200: BuilderSessionSerializer, **_WRITE_ERRORS, **_TOO_LARGE, **_NO_VERSION},
    )
    @action(detail=True, methods=["post"])
    def save(self, request: Request, pk: str | None = None) -> Response:
        return self._save(request)

    @extend_schema(
        summary="Still editing: keep the session from expiring",
        request=None,
        responses={200: BuilderSessionListSerializer, **error_responses(404, 409)},
    )
    @action(detail=True, methods=["post"])
    def heartbeat(self, request: Request, pk: str | None = None) -> Response:
        session = services.session_heartbeat(session=self.get_object(), user=request.user)
        return self._summary_response(session)

    @extend_schema(
        summary="Take or renew the edit lock (POST), release it (DELETE; the owner releases anyone's)",
        request=None,
        responses={200: BuilderSessionListSerializer, **error_responses(404, 409), **_LOCKED},
    )
    @action(detail=True, methods=["post", "delete"])
    def lock(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        if request.method == "DELETE":
            session = services.session_unlock(session=session, user=request.user)
        else:
            session = services.session_lock(session=session, user=request.user)
        return self._summary_response(session)

    @extend_schema(
        summary="Close the session (owner only); its draft stays readable",
        request=None,
        responses={200: BuilderSessionListSerializer, **error_responses(403, 404), **_LOCKED},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        session = services.session_close(session=self.get_object(), user=request.user)
        return self._summary_response(session)

    @extend_schema(
        summary="Validate the draft fully and write it into the strategy (created if the session has none)",
        parameters=[IF_MATCH],
        request=SessionCommitSerializer,
        responses={200: BuilderSessionSerializer, **_WRITE_ERRORS, **error_responses(403)},
    )
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        data = _validated(SessionCommitSerializer, request)
        base_version = _base_version(request, data)
        session = services.session_commit(
            session=self.get_object(), user=request.user, base_version=base_version, **data
        )
        return self._draft_response(session, problems=[])

    @extend_schema(
        summary="Set who else may open and save this COLLABORATIVE session (owner only)",
        request=CollaboratorsSerializer,
        responses={200: BuilderSessionListSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["put"])
    def collaborators(self, request: Request, pk: str | None = None) -> Response:
        data = _validated(CollaboratorsSerializer, request)
        session = services.session_set_collaborators(session=self.get_object(), user=request.user, **data)
        return self._summary_response(session)

    @extend_schema(
        summary="Live preview: backtest the draft (or the flow sent) on a short window of a dataset; nothing stored",
        description=(
            "Runs in the request, on at most PREVIEW_MAX_BARS bars: the last ones of the dataset (or up to "
            "`test_config.end`), or `test_config.start`..`end`. An invalid flow answers 400 with its problems, "
            "each tied to its node, as `validate/` reports them; so does a window above the limit, naming the "
            "field and the limit. Another user's session: 404. A dataset you cannot use (another user's, or none "
            "such): 400 naming `test_config.dataset`, as a quick test answers."
        ),
        request=SessionPreviewSerializer,
        responses={200: SessionPreviewResultSerializer, **error_responses(400, 404), **_TOO_LARGE},
    )
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        data = _validated(SessionPreviewSerializer, request)
        return Response(session_preview(session=session, user=request.user, **data))

    def _save(self, request: Request) -> Response:
        session = self.get_object()
        data = _validated(SessionSaveSerializer, request)
        base_version = _base_version(request, data)
        session = services.session_save(session=session, user=request.user, base_version=base_version, **data)
        return self._draft_response(session)

    def _draft_response(
        self, session: BuilderSession, *, code: int = status.HTTP_200_OK, problems: list | None = None
    ) -> Response:
        if problems is None:
            problems = services.draft_problems(session)
        body = BuilderSessionSerializer(session, context={"problems": problems}).data
        return Response(body, status=code, headers={"ETag": etag(session)})

    def _summary_response(self, session: BuilderSession) -> Response:
        return Response(BuilderSessionListSerializer(session).data, headers={"ETag": etag(session)})
