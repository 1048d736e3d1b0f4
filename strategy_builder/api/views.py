from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from . import examples
from .schema import error_responses
from .serializers import StrictInputMixin
from .throttling import TokenRequestThrottle


@extend_schema_serializer(examples=examples.TOKEN)
class TokenRequestSerializer(StrictInputMixin, AuthTokenSerializer):
    pass


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for the API token to send as `Authorization: Token <key>`."""

    serializer_class = TokenRequestSerializer
    throttle_classes = (TokenRequestThrottle,)

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()}), **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)
