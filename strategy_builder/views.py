from django.views.generic import TemplateView

from marketdata.models import Dataset
from nodes.models import NodeTemplate


class HomeView(TemplateView):
    """The landing page: where the API docs and the staff admin are."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "node_template_count": NodeTemplate.objects.system().count(),
            "dataset_count": Dataset.objects.filter(user_id__isnull=True).count(),
        }
