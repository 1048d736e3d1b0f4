from django.apps import AppConfig


class StrategyBuilderConfig(AppConfig):
    name = "strategy_builder"
    verbose_name = "Strategy Builder"
