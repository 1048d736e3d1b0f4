"""The browser app's pages. Each renders the shared shell and mounts one entry of frontend/src/pages/;
everything the page then does goes through /api/v1/ with the session cookie and the CSRF token."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from django.views.generic import TemplateView

from marketdata.choices import Timeframe
from quicktests import selectors as quicktest_selectors
from quicktests.comparison import compare_ids
from strategies import selectors
from strategies.models import StrategyInstance
from strategy_builder.management.commands.bootstrap import CREDENTIALS_FILE

# TradingView's lightweight-charts adds one <style> element for its attribution logo, which its licence asks
# to keep visible: that exact text, and nothing else, may be inline (web/tests/test_pages.py checks the hash
# against the installed library).
CHART_STYLE_SHA256 = "sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY="
CHART_CSP = {**settings.SECURE_CSP, "style-src": [*settings.SECURE_CSP["style-src"], f"'{CHART_STYLE_SHA256}'"]}


class LoginView(auth_views.LoginView):
    """Django's sign-in, with a hint for the demo account (made by `manage.py bootstrap`) on the embedded
    (DEBUG) set-up."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_hint"] = settings.DEBUG and get_user_model().objects.filter(username="demo").exists()
        if context["demo_hint"]:
            path = Path(settings.VAR_DIR) / CREDENTIALS_FILE
            context["credentials_path"] = (
                path.relative_to(settings.BASE_DIR) if path.is_relative_to(settings.BASE_DIR) else path
            )
        return context


class StrategiesPageView(LoginRequiredMixin, TemplateView):
    """My strategies: list, search, create (blank or from a template), duplicate, archive, delete."""

    template_name = "web/strategies.html"


class OwnStrategyMixin:
    """A page of one of the user's strategies (`instance_id` in the URL); anyone else's answers 404, as in the API."""

    def get_context_data(self, **kwargs):
        try:
            strategy = selectors.strategy_instance_get(user=self.request.user, instance_id=kwargs["instance_id"])
        except StrategyInstance.DoesNotExist:
            raise Http404("No such strategy.") from None
        return {
            **super().get_context_data(**kwargs),
            "strategy": strategy,
            "sweep_limit": settings.SWEEP_MAX_COMBINATIONS,
        }


@method_decorator(csp_override(CHART_CSP), name="dispatch")
class StrategyEditorPageView(LoginRequiredMixin, OwnStrategyMixin, TemplateView):
    """The visual editor of one of the user's strategies."""

    template_name = "web/editor.html"


class StrategyCodePageView(LoginRequiredMixin, OwnStrategyMixin, TemplateView):
    """A strategy's code generations: history, module with its checks, diff between two, download."""

    template_name = "web/code.html"


class TestsPageView(LoginRequiredMixin, TemplateView):
    """The user's quick tests, filtered by the spec's common queries."""

    template_name = "web/tests.html"


@method_decorator(csp_override(CHART_CSP), name="dispatch")
class DatasetsPageView(LoginRequiredMixin, TemplateView):
    """The user's datasets and the shared ones: list, upload a CSV, candle preview, download, delete."""

    template_name = "web/datasets.html"

    def get_context_data(self, **kwargs):
        # The upload form offers the timeframes the API accepts, from the one list the API reads.
        timeframes = [{"value": value, "label": label} for value, label in Timeframe.choices]
        context = super().get_context_data(**kwargs)
        return {**context, "timeframes": timeframes, "max_upload_bytes": settings.DATASET_UPLOAD_MAX_BYTES}


@method_decorator(csp_override(CHART_CSP), name="dispatch")
class QuickTestReportPageView(LoginRequiredMixin, TemplateView):
    """A quick test's report; anyone else's test answers 404, as in the API."""

    template_name = "web/report.html"

    def get_context_data(self, **kwargs):
        quicktest = quicktest_selectors.quicktest_get(user=self.request.user, quicktest_id=kwargs["quicktest_id"])
        return {**super().get_context_data(**kwargs), "quicktest": quicktest}


@method_decorator(csp_override(CHART_CSP), name="dispatch")
class QuickTestComparePageView(LoginRequiredMixin, TemplateView):
    """2-4 of the user's quick tests side by side (`?ids=a,b`); a bad list of ids answers 400 saying what is
    wrong, and anyone else's test 404, as in the API."""

    template_name = "web/compare.html"

    def get(self, request, *args, **kwargs):
        try:
            ids = compare_ids(request.GET.get("ids"))
        except ValidationError as exc:
            context = self.get_context_data(error=" ".join(exc.message_dict["ids"]))
            return self.render_to_response(context, status=400)
        quicktest_selectors.quicktest_get_many(user=request.user, quicktest_ids=ids)
        return self.render_to_response(self.get_context_data(ids=",".join(ids)))
