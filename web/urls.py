from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("strategies/", views.StrategiesPageView.as_view(), name="strategies"),
    path("strategies/<str:instance_id>/edit/", views.StrategyEditorPageView.as_view(), name="strategy-editor"),
    path("strategies/<str:instance_id>/code/", views.StrategyCodePageView.as_view(), name="strategy-code"),
    path("tests/", views.TestsPageView.as_view(), name="tests"),
    path("tests/compare/", views.QuickTestComparePageView.as_view(), name="quicktest-compare"),
    path("datasets/", views.DatasetsPageView.as_view(), name="datasets"),
    path("tests/<str:quicktest_id>/", views.QuickTestReportPageView.as_view(), name="quicktest-report"),
]
