"""The browsable API, with its forms always built from the input serializer of the write they send."""

from __future__ import annotations

from typing import Any

from rest_framework import renderers
from rest_framework.request import Request, override_method


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Request) -> Any:
        """The form for `method`, also on the page that answers a `method` request.

        There DRF would build the form from the response's serializer, which in this API is an output
        serializer: the page after a create would offer a form of read-only or refused fields. Built as for a
        GET of the same object, it is the write's own form again (a blank create form, or the object's
        update form).
        """
        if request.method != method or getattr(data, "serializer", None) is None:
            return super().get_rendered_html_form(data, view, method, request)
        with override_method(view, request, "GET") as as_get:
            return super().get_rendered_html_form(data, view, method, as_get)
