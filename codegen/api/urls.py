from rest_framework.routers import SimpleRouter

from .views import CodeGenerationViewSet

router = SimpleRouter()
router.register("code-generations", CodeGenerationViewSet, basename="code-generation")

urlpatterns = router.urls
