from rest_framework.routers import SimpleRouter

from .views import QuickTestViewSet

router = SimpleRouter()
router.register("quick-tests", QuickTestViewSet, basename="quick-test")

urlpatterns = router.urls
