from rest_framework.routers import SimpleRouter

from .views import BuilderSessionViewSet

router = SimpleRouter()
router.register("builder-sessions", BuilderSessionViewSet, basename="builder-session")

urlpatterns = router.urls
