from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from strategy_builder.login_limits import forget_account_failures, locked_out

from . import examples
from .schema import error_responses
from .serializers import StrictInputMixin


@extend_schema_serializer(examples=examples.TOKEN)
class TokenRequestSerializer(StrictInputMixin, AuthTokenSerializer):
    pass


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for the API token to send as `Authorization: Token <key>`.

    Password guessing is limited as on every login form (strategy_builder.login_limits): too many failures
    for the account or from the address answer 429 with Retry-After, whatever the password.
    """

    serializer_class = TokenRequestSerializer
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken names REST framework's own

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()}), **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            lockout = locked_out(request)
            if lockout is not None:
                raise lockout
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # No session login happens here, so Django's user_logged_in (which the forms' logins send) does not.
        forget_account_failures(request, user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
