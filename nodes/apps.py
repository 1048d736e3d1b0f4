from django.apps import AppConfig


class NodesConfig(AppConfig):
    name = "nodes"
    verbose_name = "Node library"

    def ready(self) -> None:
        from .selectors import parameter_schema_limits

        parameter_schema_limits()  # out-of-range NODE_SCHEMA_MAX_* settings stop the start, not every request
