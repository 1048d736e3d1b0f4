from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRequestThrottle(SimpleRateThrottle):
    """Limits password attempts on the token endpoint per client address (AUTH_TOKEN_THROTTLE_RATE).

    Counts live in Django's cache: set CACHE_URL to a shared cache (Redis) when several web processes
    serve the API, or each process counts on its own."""

    scope = "auth-token"

    def get_rate(self) -> str:
        return settings.AUTH_TOKEN_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
