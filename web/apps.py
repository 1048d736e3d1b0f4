from django.apps import AppConfig


class WebConfig(AppConfig):
    """The browser app's pages: Django templates that mount one Vite-built entry from frontend/src/pages/."""

    name = "web"
    verbose_name = "Browser app"
