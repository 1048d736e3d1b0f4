"""Reading the browsable API's pages as a browser does: the forms on a page, their fields and initial values."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class FormField:
    name: str
    kind: str  # "text", "number", "checkbox", "file", "hidden", "select", "textarea" ...
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    attrs: dict[str, str]
    fields: dict[str, FormField] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return (self.attrs.get("data-method") or self.attrs.get("method") or "GET").upper()

    @property
    def is_raw_data(self) -> bool:
        """The "Raw data" tab: a media type and a content box, which the page's script sends as the body."""
        return "_content" in self.fields

    def input_names(self) -> set[str]:
        """The fields a person fills in: everything but the CSRF token the template adds."""
        return {name for name, f in self.fields.items() if f.kind != "hidden"}

    def submitted(self, filled: dict[str, str]) -> dict[str, str]:
        """What the browser sends when a person fills in `filled` and submits: unchecked boxes are left out."""
        data: dict[str, str] = {}
        for name, f in self.fields.items():
            if name in filled:
                data[name] = filled[name]
            elif f.kind == "checkbox":
                if f.checked:
                    data[name] = f.value
            elif f.kind != "file":
                data[name] = f.value
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(attrs=a)
            self.forms.append(self._form)
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            self._form.fields[a["name"]] = FormField(
                a["name"], kind, a.get("value", "true" if kind == "checkbox" else ""), "checked" in a
            )
        elif tag == "textarea":
            self._textarea = self._form.fields[a["name"]] = FormField(a["name"], "textarea")
        elif tag == "select":
            self._select = self._form.fields[a["name"]] = FormField(a["name"], "select")
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def page_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def html_form(html: str, method: str) -> Form | None:
    """The page's "HTML form" for `method` (POST or PUT), or None when the page offers none."""
    return next(
        (f for f in page_forms(html) if f.method == method and f.attrs.get("enctype") == "multipart/form-data"), None
    )


def raw_data_form(html: str, method: str) -> Form | None:
    return next((f for f in page_forms(html) if f.method == method and f.is_raw_data), None)
