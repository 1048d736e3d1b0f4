from rest_framework.routers import SimpleRouter

from .views import NodeTemplateViewSet

router = SimpleRouter()
router.register("node-templates", NodeTemplateViewSet, basename="node-template")

urlpatterns = router.urls
