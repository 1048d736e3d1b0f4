"""Fixtures shared by the project-wide API tests."""

from strategy_builder.tests.api_fixtures import api_world  # noqa: F401 (a fixture, used by name)
