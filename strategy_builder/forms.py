"""Form fields the staff screens share."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .storable import TOO_DEEP, JSONDecoder, text_problem


class JSONField(forms.JSONField):
    """Django's JSON form field, parsing with the depth-safe decoder (JSON nested thousands deep is a form
    error, not a 500) and showing refused text again as its escapes: a lone surrogate the model refused is
    redisplayed as \\ud800, where Django's field would write it raw and fail the page."""

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("decoder") is None:
            kwargs["decoder"] = JSONDecoder
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            if isinstance(value, str):  # say why, when it is the depth ("Enter a valid JSON." otherwise)
                try:
                    json.loads(value, cls=self.decoder)
                except json.JSONDecodeError as exc:
                    if exc.msg == TOO_DEEP:
                        raise ValidationError(TOO_DEEP, code="too_deep") from None
                except ValueError:
                    pass
            raise

    def prepare_value(self, value: Any) -> Any:
        shown = super().prepare_value(value)
        if isinstance(shown, str) and text_problem(shown) is not None:
            return json.dumps(value, ensure_ascii=True, cls=self.encoder)
        return shown
