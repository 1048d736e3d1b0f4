from django.apps import AppConfig


class QuicktestsConfig(AppConfig):
    name = "quicktests"
    verbose_name = "Quick tests"
