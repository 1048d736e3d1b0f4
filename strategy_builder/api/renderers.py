"""The browsable API, with its forms always built from the input serializer of the write they send."""

from __future__ import annotations

from typing import Any

from rest_framework import renderers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request, override_method


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Request) -> Any:
        """The form for `method`, also on the page that answers a `method` request.

        There DRF would build the form from the response's serializer. After a write that is an output
        serializer: the page would offer a form of read-only or refused fields, so the form is built as for a
        GET of the same object instead (a blank create form, or the object's update form). After a refused
        write the response is the API's error shape, which carries no serializer, and the form would come
        back blank: it is bound to what was sent instead, each problem beside its field.
        """
        if request.method != method:
            return super().get_rendered_html_form(data, view, method, request)
        response = self.renderer_context.get("response")
        if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
            return self._refused_form(view, method, request)
        if getattr(data, "serializer", None) is None:
            return super().get_rendered_html_form(data, view, method, request)
        with override_method(view, request, "GET") as as_get:
            return super().get_rendered_html_form(data, view, method, as_get)

    def _refused_form(self, view: Any, method: str, request: Request) -> Any:
        with override_method(view, request, method) as request:
            if not self.show_form_for_method(view, method, request, None):
                return None
            try:
                sent = request.data
            except ParseError:
                return None
            return self.render_form_for_serializer(view.get_serializer(data=sent))
