from django.apps import AppConfig


class StrategyBuilderConfig(AppConfig):
    name = "strategy_builder"
    verbose_name = "Strategy Builder"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from strategy_builder.login_limits import forget_failures_on_login

        user_logged_in.connect(forget_failures_on_login, dispatch_uid="strategy_builder.forget_failures_on_login")
