"""nodes 0003 brings stored system risk templates to the library's ranges (a stop below 100 %)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from engine.library import load_system_templates

BEFORE, AFTER = [("nodes", "0002_id_database_default")], [("nodes", "0003_risk_stop_ranges")]


@pytest.fixture
def back_to_latest():
    """Whatever the test leaves the schema at, the later tests get the latest migrations."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_stored_stop_schemas_get_the_librarys_upper_bounds(back_to_latest):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    NodeTemplate = executor.loader.project_state(BEFORE).apps.get_model("nodes", "NodeTemplate")
    library = {t["name"]: t for t in load_system_templates()}
    for name in ("stop_loss", "trailing_stop", "take_profit"):
        schema = library[name]["parameter_schema"]
        percent = schema["properties"]["percent"]
        old_percent = {k: v for k, v in percent.items() if k != "exclusiveMaximum"} | {"maximum": 100}
        old_percent["description"] = percent["description"].rsplit(";", 1)[0] + "."
        NodeTemplate.objects.create(
            id=name,
            name=name,
            display_name=name,
            node_type="RISK",
            is_system_template=True,
            parameter_schema={**schema, "properties": {"percent": old_percent}},
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    NodeTemplate = executor.loader.project_state(AFTER).apps.get_model("nodes", "NodeTemplate")

    stored = {t.name: t.parameter_schema for t in NodeTemplate.objects.all()}
    assert stored == {name: library[name]["parameter_schema"] for name in ("stop_loss", "trailing_stop", "take_profit")}
