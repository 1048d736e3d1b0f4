from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from strategy_builder.api.views import ObtainTokenView
from strategy_builder.views import HomeView

# Swagger UI and ReDoc set inline styles (ReDoc injects <style> elements): only these two pages allow inline
# styles; scripts stay as strict as everywhere.
DOCS_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE], "worker-src": [CSP.SELF, "blob:"]}

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("", include("nodes.api.urls")),
    path("", include("strategies.api.urls")),
    path("", include("marketdata.api.urls")),
    path("", include("quicktests.api.urls")),
    path("", include("codegen.api.urls")),
    path("", include("sessions_app.api.urls")),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the page needs no inline script.
    path("api/docs/", csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("api/redoc/", csp_override(DOCS_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    path("", include("web.urls")),
]

# URLs under /api/ that match no view still answer in the API's error shape.
handler404 = "strategy_builder.api.exceptions.not_found"
handler500 = "strategy_builder.api.exceptions.server_error"
