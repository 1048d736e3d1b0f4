"""The browser app's pages. Each renders the shared shell and mounts one entry of frontend/src/pages/;
everything the page then does goes through /api/v1/ with the session cookie and the CSRF token."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class LoginView(auth_views.LoginView):
    """Django's sign-in, with a hint for the demo account (made by `manage.py bootstrap`) on the embedded
    (DEBUG) set-up."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_hint"] = settings.DEBUG and get_user_model().objects.filter(username="demo").exists()
        return context


class StrategiesPageView(LoginRequiredMixin, TemplateView):
    """My strategies: list, search, create (blank or from a template), duplicate, archive, delete."""

    template_name = "web/strategies.html"
