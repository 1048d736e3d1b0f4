from rest_framework.routers import SimpleRouter

from .views import StrategyInstanceViewSet, StrategyTemplateViewSet

router = SimpleRouter()
router.register("strategy-templates", StrategyTemplateViewSet, basename="strategy-template")
router.register("strategy-instances", StrategyInstanceViewSet, basename="strategy-instance")

urlpatterns = router.urls
