from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from strategy_builder.api.views import ObtainTokenView
from strategy_builder.views import HomeView

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
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

# URLs under /api/ that match no view still answer in the API's error shape.
handler404 = "strategy_builder.api.exceptions.not_found"
handler500 = "strategy_builder.api.exceptions.server_error"
