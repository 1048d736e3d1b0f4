"""The spec's operations commands: schema_report, backup_tables, restore_tables."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models

from codegen.models import CodeGeneration
from nodes.models import NodeTemplate
from quicktests.models import QuickTest
from sessions_app.models import BuilderSession
from strategies.models import StrategyInstance, StrategyTemplate
from strategy_builder.management.spec_tables import SPEC_TABLES

ALL_TABLES = (StrategyTemplate, StrategyInstance, NodeTemplate, QuickTest, CodeGeneration, BuilderSession)
SPEC_MODELS = (NodeTemplate, QuickTest, CodeGeneration, BuilderSession)


# --- schema_report ----------------------------------------------------------------------------------


def report(*args: str) -> tuple[dict, CommandError | None]:
    out = StringIO()
    try:
        call_command("schema_report", "--json", *args, stdout=out)
    except CommandError as exc:
        return json.loads(out.getvalue()), exc
    return json.loads(out.getvalue()), None


@pytest.mark.django_db
def test_schema_report_passes_on_a_freshly_migrated_database():
    data, failure = report()

    assert failure is None
    assert data["ok"] and data["problems"] == []
    assert data["spec_objects"] == {"expected": 48, "present": 48}
    by_name = {t["name"]: t for t in data["tables"]}
    assert {name: len(t["present_indexes"]) for name, t in by_name.items()} == {
        "node_templates": 11,
        "quick_tests": 10,
        "code_generations": 11,
        "builder_sessions": 13,
    }
    for name in ("quick_tests", "code_generations", "builder_sessions"):
        assert by_name[name]["foreign_keys"] == [
            {
                "column": "instance_id",
                "references": "strategy_instances(id)",
                "on_delete": "CASCADE",
                "expected_on_delete": "CASCADE",
                "ok": True,
            }
        ]
    assert all(t["data_bytes"] is not None and t["index_bytes"] is not None for t in data["tables"])


@pytest.mark.django_db
def test_schema_report_counts_rows_soft_deleted_ones_and_recent_activity():
    instance = StrategyInstance.objects.create(name="S", user_id="1", logic_flow={})
    session = {"instance": instance, "user_id": "1", "draft_logic_flow": {}}
    BuilderSession.objects.create(**session)
    BuilderSession.objects.create(**session, is_active=False, is_deleted=True)

    data, _ = report()

    sessions = next(t for t in data["tables"] if t["name"] == "builder_sessions")
    assert (sessions["rows"], sessions["soft_deleted_rows"]) == (2, 1)
    assert data["activity"] == {"active_sessions": 1, "quick_tests_last_24h": 0}


def test_schema_report_text_output_says_the_schema_matches(db):
    out = StringIO()

    call_command("schema_report", stdout=out)

    text = out.getvalue()
    assert "Spec indexes and foreign keys present: 48/48" in text
    assert "The schema matches the spec." in text


def _index(model: type[models.Model], name: str) -> models.Index:
    return next(index for index in model._meta.indexes if index.name == name)


@pytest.fixture
def schema_changes(transactional_db):
    """Apply index changes for one test and undo them after: DDL commits on MySQL."""
    undo = []

    def change(do, undo_with):
        with connection.schema_editor() as editor:
            do(editor)
        undo.append(undo_with)

    yield change
    for step in reversed(undo):
        with connection.schema_editor() as editor:
            step(editor)


def test_schema_report_fails_naming_a_dropped_index(schema_changes):
    index = _index(QuickTest, "ix_quicktest_user_created")
    schema_changes(lambda e: e.remove_index(QuickTest, index), lambda e: e.add_index(QuickTest, index))

    data, failure = report()

    assert failure is not None
    assert data["problems"] == ["quick_tests: missing index ix_quicktest_user_created"]
    assert data["spec_objects"] == {"expected": 48, "present": 47}


def test_schema_report_fails_on_a_wrong_column_order_and_an_extra_index(schema_changes):
    spec_index = _index(NodeTemplate, "ix_node_user_type")
    swapped = models.Index(fields=["node_type", "user_id"], name="ix_node_user_type")
    extra = models.Index(fields=["color"], name="ix_node_color")
    schema_changes(lambda e: e.remove_index(NodeTemplate, spec_index), lambda e: e.add_index(NodeTemplate, spec_index))
    schema_changes(lambda e: e.add_index(NodeTemplate, swapped), lambda e: e.remove_index(NodeTemplate, swapped))
    schema_changes(lambda e: e.add_index(NodeTemplate, extra), lambda e: e.remove_index(NodeTemplate, extra))

    data, failure = report()

    assert failure is not None
    assert data["problems"] == [
        "node_templates: index ix_node_user_type is on (node_type, user_id), the spec says (user_id, node_type)",
        "node_templates: index ix_node_color (color) is not in the spec",
    ]


def test_the_spec_transcription_holds_45_named_indexes_and_3_foreign_keys():
    assert sum(len(t.indexes) for t in SPEC_TABLES) == 45
    assert sum(len(t.foreign_keys) for t in SPEC_TABLES) == 3


# --- backup_tables / restore_tables -----------------------------------------------------------------

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def populate() -> None:
    """One row in every table with every column set (nulls where allowed too), and soft-deleted rows."""
    audit = {"created_at": T0, "updated_at": T0 + timedelta(seconds=1), "created_by": "7", "updated_by": "8"}
    flow = {"schema_version": 1, "nodes": [{"id": "n1", "template": "sma", "label": "Fast — ünïcode ✓"}], "edges": []}
    template = StrategyTemplate.objects.create(
        name="T", description="d", logic_flow=flow, parameters={"fast": 10.5, "on": True}, user_id="7", **audit
    )
    instance = StrategyInstance.objects.create(
        name="S", template=template, logic_flow=flow, parameters={"fast": 3}, user_id="7", status="ARCHIVED", **audit
    )
    gone = StrategyInstance.objects.create(
        name="Gone", logic_flow={}, user_id="7", is_deleted=True, deleted_at=T0 + timedelta(days=1)
    )
    NodeTemplate.objects.create(
        name="sma",
        display_name="SMA",
        description=None,
        node_type="INDICATOR",
        category="TREND",
        parameter_schema={"type": "object", "properties": {"period": {"type": "integer", "minimum": 1}}},
        default_parameters={"period": 20},
        input_ports=[{"name": "series", "type": "series"}],
        output_ports=[{"name": "out", "type": "series"}],
        is_system_template=True,
        validation_rules={"max_inputs": 1},
        execution_hints={"op": "talib.SMA"},
        usage_count=12,
        icon="chart",
        color="#ff0000",
        version="1.2.3",
        **audit,
    )
    QuickTest.objects.create(
        instance=instance,
        user_id="7",
        test_name="run",
        test_config={"fill": "next_open", "slippage_bps": 1.5},
        logic_flow_snapshot=flow,
        parameters_snapshot={"fast": 3},
        status="COMPLETED",
        test_result={"equity": [100.0, 101.25, 99.875], "trades": []},
        metrics_summary={"sharpe": 1.2345678901234567},
        error_message=None,
        execution_time=0.123456789,
        started_at=T0,
        completed_at=T0 + timedelta(microseconds=1),
        **audit,
    )
    QuickTest.objects.create(
        instance=gone, user_id="7", test_config={}, logic_flow_snapshot={}, is_deleted=True, deleted_at=T0
    )
    CodeGeneration.objects.create(
        instance=instance,
        user_id="7",
        logic_flow_snapshot=flow,
        parameters_snapshot={},
        generated_code="import numpy as np\n\nprint('ok')\n",
        code_hash="a" * 64,
        validation_status="VALID",
        validation_result={"checks": ["syntax", "security"]},
        syntax_check_passed=True,
        security_check_passed=False,
        code_version="1.0.0",
        line_count=3,
        complexity_score=1,
        generation_time=0.5,
        **audit,
    )
    BuilderSession.objects.create(
        instance=None,
        user_id="7",
        session_type="COLLABORATIVE",
        session_name="draft",
        draft_logic_flow=flow,
        draft_parameters={"fast": 1},
        draft_metadata={"zoom": 1.5, "viewport": [0, 0]},
        is_active=False,
        last_activity_at=T0,
        expires_at=T0 + timedelta(hours=1),
        collaborator_ids=["9", "10"],
        lock_info={"holder": "7", "until": "2026-03-01T10:00:00Z"},
        **audit,
    )


def snapshot(tables=ALL_TABLES) -> dict[str, list[dict]]:
    return {m._meta.db_table: list(m.all_objects.order_by("pk").values()) for m in tables}


def wipe(tables=ALL_TABLES) -> None:
    with connection.cursor() as cursor:
        for model in reversed(tables):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    assert all(not m.all_objects.exists() for m in tables)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["backup.jsonl", "backup.jsonl.gz"])
def test_json_backup_wipe_restore_round_trip_loses_nothing(tmp_path, name):
    populate()
    before = snapshot()

    call_command("backup_tables", "--output", str(tmp_path / name), "--include-strategies", stdout=StringIO())
    wipe()
    call_command("restore_tables", str(tmp_path / name), stdout=StringIO())

    assert snapshot() == before
    completed = next(row for row in before["quick_tests"] if row["test_name"] == "run")
    assert completed["completed_at"] == T0 + timedelta(microseconds=1)


@pytest.mark.django_db
def test_by_default_only_the_four_spec_tables_are_backed_up(tmp_path):
    populate()
    before = snapshot(SPEC_MODELS)

    call_command("backup_tables", "--output", str(tmp_path / "b.jsonl"), stdout=StringIO())
    wipe(SPEC_MODELS)
    call_command("restore_tables", str(tmp_path / "b.jsonl"), stdout=StringIO())

    header = json.loads((tmp_path / "b.jsonl").read_text().splitlines()[0])
    assert header["tables"] == ["node_templates", "quick_tests", "code_generations", "builder_sessions"]
    assert snapshot(SPEC_MODELS) == before


@pytest.mark.django_db
def test_restore_names_a_row_whose_strategy_is_gone_and_restores_nothing(tmp_path):
    populate()
    call_command("backup_tables", "--output", str(tmp_path / "b.jsonl"), stdout=StringIO())
    wipe()

    with pytest.raises(CommandError, match=r"quick_tests row \S+ refers to strategy_instances \S+, which is neither"):
        call_command("restore_tables", str(tmp_path / "b.jsonl"))

    assert not any(m.all_objects.exists() for m in ALL_TABLES)


@pytest.mark.django_db
def test_restore_refuses_to_overwrite_existing_rows_unless_replace(tmp_path):
    populate()
    backup = tmp_path / "b.jsonl"
    call_command("backup_tables", "--output", str(backup), "--include-strategies", stdout=StringIO())
    before = snapshot()
    NodeTemplate.objects.filter(name="sma").update(display_name="Changed since the backup")
    StrategyInstance.objects.create(name="New since the backup", user_id="7", logic_flow={})
    changed = snapshot()

    with pytest.raises(CommandError, match="already has rows with ids from the backup"):
        call_command("restore_tables", str(backup))
    assert snapshot() == changed

    call_command("restore_tables", str(backup), "--replace", stdout=StringIO())
    assert snapshot() == before


@pytest.mark.django_db
def test_a_truncated_backup_restores_nothing(tmp_path):
    populate()
    backup = tmp_path / "b.jsonl"
    call_command("backup_tables", "--output", str(backup), "--include-strategies", stdout=StringIO())
    lines = backup.read_text().splitlines(keepends=True)
    backup.write_text("".join(lines[:-2]))
    wipe()

    with pytest.raises(CommandError, match="ends before its last line"):
        call_command("restore_tables", str(backup))

    assert not any(m.all_objects.exists() for m in ALL_TABLES)


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": "world"}\n')

    with pytest.raises(CommandError, match="is not a Strategy Builder table backup"):
        call_command("restore_tables", str(path))


@pytest.mark.django_db
def test_sql_backups_need_mysql(tmp_path):
    if connection.vendor == "mysql":
        pytest.skip("this is about other databases")

    with pytest.raises(CommandError, match="SQL dumps need MySQL/MariaDB"):
        call_command("backup_tables", "--output", str(tmp_path / "b.sql"))


@pytest.mark.mysql
@pytest.mark.parametrize("name", ["backup.sql", "backup.sql.gz"])
def test_mysqldump_backup_wipe_restore_round_trip_loses_nothing(transactional_db, tmp_path, name):
    populate()
    before = snapshot()
    backup = tmp_path / name

    call_command("backup_tables", "--output", str(backup), "--include-strategies", stdout=StringIO())
    wipe()
    call_command("restore_tables", str(backup), stdout=StringIO())

    assert snapshot() == before
    with gzip.open(backup, "rt") if name.endswith(".gz") else backup.open() as dump:
        assert "CREATE TABLE `strategy_templates`" in dump.read()
    data, failure = report()
    assert failure is None and data["spec_objects"]["present"] == 48


@pytest.mark.mysql
def test_sql_restore_refuses_tables_with_rows_unless_replace(transactional_db, tmp_path):
    populate()
    backup = tmp_path / "b.sql"
    call_command("backup_tables", "--output", str(backup), stdout=StringIO())
    before = snapshot(SPEC_MODELS)
    NodeTemplate.objects.filter(name="sma").update(usage_count=99)

    with pytest.raises(CommandError, match=r"node_templates \(1 rows\)"):
        call_command("restore_tables", str(backup))
    assert NodeTemplate.objects.get(name="sma").usage_count == 99

    call_command("restore_tables", str(backup), "--replace", stdout=StringIO())
    assert snapshot(SPEC_MODELS) == before
