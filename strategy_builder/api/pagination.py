from typing import Any

from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import PageNumberPagination


class DefaultPagination(PageNumberPagination):
    """`?page=` (from 1, or `last`) and `?page_size=` (up to 500).

    A page or page size that is not a positive integer answers 400 naming the parameter (REST framework
    answers 404 for the one and silently ignores the other); a page after the last answers 404.
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator) -> Any:
        number = super().get_page_number(request, paginator)
        if number == paginator.num_pages:  # `last`, or the last page
            return number
        return _positive_int(number, self.page_query_param)

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        return min(_positive_int(raw, self.page_size_query_param), self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Number of results per page (default {self.page_size}, at most {self.max_page_size})."
                )
        return parameters


def _positive_int(raw: Any, parameter: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or str(value) != str(raw).strip():
        raise ValidationError(
            {parameter: [ErrorDetail(f"Must be a positive integer, not {str(raw)[:40]!r}.", code="invalid")]}
        )
    return value
