from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from engine.errors import DataError
from strategy_builder.admin_users import UserNamesMixin

from .choices import Timeframe
from .models import Dataset
from .services import dataset_delete, dataset_import_csv
from .uploads import upload_refusal


class DatasetUploadForm(forms.Form):
    # The file comes last: a browser sends fields in form order, so when a file too large is refused the
    # fields before it have been read and the form shows them again.
    name = forms.CharField(max_length=255)
    symbol = forms.CharField(max_length=64)
    timeframe = forms.ChoiceField(choices=Timeframe.choices)
    shared = forms.BooleanField(required=False, initial=True, help_text="Available to every user.")
    csv_file = forms.FileField(
        label="CSV file", help_text="A header row, then one bar per line: timestamp, open, high, low, close, volume."
    )


@admin.register(Dataset)
class DatasetAdmin(UserNamesMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "symbol",
        "timeframe",
        "bar_count",
        "first_timestamp",
        "last_timestamp",
        "owner",
        "created_at",
    )
    list_filter = ("timeframe", ("user_id", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "symbol", "source", "user_id")
    date_hierarchy = "created_at"
    exclude = ("user_id",)  # shown as the owner
    readonly_fields = [
        "owner" if field.name == "user_id" else field.name for field in Dataset._meta.fields if field.name != "name"
    ]

    @admin.display(description="owner", ordering="user_id")
    def owner(self, dataset: Dataset) -> str:
        return "shared" if dataset.is_shared else self.user_link(dataset, dataset.user_id)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        if not self.has_add_permission(request):
            return self.changelist_view(request)
        form = DatasetUploadForm(request.POST or None, request.FILES or None)
        if refusal := upload_refusal(request):
            form.errors.pop("csv_file", None)  # not "required": it was sent, and refused unread
            form.add_error("csv_file", refusal)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                dataset = dataset_import_csv(
                    file=data["csv_file"],
                    name=data["name"],
                    symbol=data["symbol"],
                    timeframe=data["timeframe"],
                    user_id=None if data["shared"] else str(request.user.pk),
                    source=f"Admin upload: {data['csv_file'].name}",
                    actor=request.user.get_username(),
                )
            except DataError as exc:
                form.add_error("csv_file", [_describe(problem) for problem in exc.problems])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, f"Imported {dataset.bar_count} bars as “{dataset}”.", messages.SUCCESS)
                return redirect(reverse("admin:marketdata_dataset_change", args=[dataset.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a dataset",
            "form": form,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/marketdata/dataset/upload.html", context)

    def delete_model(self, request: HttpRequest, obj: Dataset) -> None:
        dataset_delete(dataset=obj, actor=request.user.get_username())

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for dataset in queryset:
            dataset_delete(dataset=dataset, actor=request.user.get_username())


def _describe(problem) -> str:
    where = ", ".join(f"{key} {value}" for key, value in (("line", problem.line), ("field", problem.field)) if value)
    return f"{where}: {problem.message}" if where else problem.message
