"""Viewset pieces every app's API shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rest_framework.serializers import BaseSerializer


class InputSerializersMixin:
    # (No class docstring: drf-spectacular would show it as every operation's description.)
    input_serializers: ClassVar[Mapping[str, type[BaseSerializer]]] = {}

    def get_serializer_class(self) -> type[BaseSerializer]:
        """For a viewset whose writes take other serializers than its responses: `input_serializers` maps an
        action to the serializer its request body must satisfy, answered here during that action.

        The browsable API builds its HTML forms and raw-data boxes from get_serializer(), and OPTIONS describes
        a write with it, so each shows exactly the fields the action accepts. Every other action uses the
        output serializer: `serializer_class`, or what get_output_serializer_class() says.
        """
        action = self.action
        if action == "metadata":  # OPTIONS describes each write with the method's serializer, as of that action
            action = self.action_map.get(self.request.method.lower())
        return self.input_serializers.get(action) or self.get_output_serializer_class()

    def get_output_serializer_class(self) -> type[BaseSerializer]:
        return super().get_serializer_class()
