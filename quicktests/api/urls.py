from django.urls import path
from rest_framework.routers import SimpleRouter

from strategy_builder.api.renderers import JSONRenderer

from .downloads import TradesCSVRenderer
from .views import QuickTestViewSet

router = SimpleRouter()
router.register("quick-tests", QuickTestViewSet, basename="quick-test")

urlpatterns = [
    path(
        "quick-tests/<str:pk>/trades.csv",
        QuickTestViewSet.as_view({"get": "trades_csv"}, renderer_classes=[TradesCSVRenderer, JSONRenderer]),
        name="quick-test-trades-csv",
    ),
    path(
        "quick-tests/<str:pk>/result.json",
        QuickTestViewSet.as_view({"get": "result_json"}, renderer_classes=[JSONRenderer]),
        name="quick-test-result-json",
    ),
    *router.urls,
]
