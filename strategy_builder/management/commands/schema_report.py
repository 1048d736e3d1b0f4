"""Report on the spec's four tables and check their indexes and foreign keys against the spec.

    manage.py schema_report            # a table for people; exits 1 if the schema differs from the spec
    manage.py schema_report --json     # the same as JSON, for monitoring

Per table: rows (and how many are soft-deleted), data and index size (MySQL/MariaDB: the spec's
"Table statistics" query on information_schema; SQLite: the dbstat table where SQLite has it),
the spec-named indexes present (PRIMARY aside) and the foreign keys with their delete rule. Every
index the spec lists must exist with its exact column order, nothing else may be indexed, and every
foreign key must have the spec's delete rule: 45 named indexes + 3 CASCADE foreign keys = 48.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from strategy_builder.management.spec_tables import SPEC_TABLES, SpecTable


@dataclass
class IndexMismatch:
    name: str
    expected: list[str]
    actual: list[str]


@dataclass
class ForeignKeyReport:
    column: str
    references: str
    on_delete: str | None
    expected_on_delete: str | None  # None: the spec has no such foreign key

    @property
    def ok(self) -> bool:
        return self.on_delete == self.expected_on_delete


@dataclass
class TableReport:
    name: str
    exists: bool
    rows: int | None = None
    soft_deleted_rows: int | None = None
    estimated_rows: int | None = None  # information_schema's table_rows (MySQL/MariaDB only)
    data_bytes: int | None = None
    index_bytes: int | None = None
    primary_key: list[str] = field(default_factory=list)
    expected_indexes: int = 0
    present_indexes: list[str] = field(default_factory=list)
    missing_indexes: list[str] = field(default_factory=list)
    mismatched_indexes: list[IndexMismatch] = field(default_factory=list)
    extra_indexes: dict[str, list[str]] = field(default_factory=dict)
    expected_foreign_keys: int = 0
    foreign_keys: list[ForeignKeyReport] = field(default_factory=list)
    missing_foreign_keys: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        if not self.exists:
            return [f"{self.name}: the table does not exist"]
        found = []
        if self.primary_key != ["id"]:
            found.append(f"{self.name}: the primary key is ({', '.join(self.primary_key)}), the spec says (id)")
        found += [f"{self.name}: missing index {name}" for name in self.missing_indexes]
        found += [
            f"{self.name}: index {m.name} is on ({', '.join(m.actual)}), the spec says ({', '.join(m.expected)})"
            for m in self.mismatched_indexes
        ]
        found += [
            f"{self.name}: index {name} ({', '.join(columns)}) is not in the spec"
            for name, columns in self.extra_indexes.items()
        ]
        found += [f"{self.name}: missing foreign key {describe}" for describe in self.missing_foreign_keys]
        for fk in self.foreign_keys:
            if fk.expected_on_delete is None:
                found.append(f"{self.name}: foreign key {fk.column} -> {fk.references} is not in the spec")
            elif not fk.ok:
                found.append(
                    f"{self.name}: foreign key {fk.column} -> {fk.references} is ON DELETE {fk.on_delete}, "
                    f"the spec says {fk.expected_on_delete}"
                )
        return found


class Command(BaseCommand):
    help = "Rows, sizes, indexes and foreign keys of the spec's four tables, checked against the spec."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        tables = [inspect_table(connection, spec) for spec in SPEC_TABLES]
        problems = [problem for table in tables for problem in table.problems()]
        expected = sum(t.expected_indexes + t.expected_foreign_keys for t in tables)
        present = sum(
            len(t.present_indexes) + sum(1 for fk in t.foreign_keys if fk.ok and fk.expected_on_delete) for t in tables
        )
        report = {
            "vendor": connection.vendor,
            "database": str(connection.settings_dict["NAME"]),
            "tables": [_table_json(t) for t in tables],
            "activity": _activity(connection, tables),
            "spec_objects": {"expected": expected, "present": present},
            "problems": problems,
            "ok": not problems,
        }
        if connection.vendor == "sqlite":
            report["database_bytes"] = _sqlite_database_bytes(connection)

        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.stdout.write(_as_text(report, tables))
        if problems:
            raise CommandError(f"The schema does not match the spec: {len(problems)} problem(s).")


def inspect_table(connection: BaseDatabaseWrapper, spec: SpecTable) -> TableReport:
    report = TableReport(
        name=spec.name, exists=False, expected_indexes=len(spec.indexes), expected_foreign_keys=len(spec.foreign_keys)
    )
    with connection.cursor() as cursor:
        if spec.name not in connection.introspection.table_names(cursor):
            report.missing_indexes = list(spec.indexes)
            return report
        report.exists = True
        table = connection.ops.quote_name(spec.name)
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN is_deleted THEN 1 ELSE 0 END), 0) FROM {table}")  # noqa: S608 (a quoted table name from the spec)
        report.rows, report.soft_deleted_rows = (int(v) for v in cursor.fetchone())
        constraints = connection.introspection.get_constraints(cursor, spec.name)
        foreign_keys = _foreign_keys(connection, cursor, spec.name)

    for details in constraints.values():
        if details["primary_key"]:
            report.primary_key = list(details["columns"])
    indexes = {
        name: list(details["columns"])
        for name, details in constraints.items()
        if (details["index"] or details["unique"])
        and not (details["primary_key"] or details["foreign_key"] or details["check"])
    }
    for name, columns in spec.indexes.items():
        if name not in indexes:
            report.missing_indexes.append(name)
        elif tuple(indexes[name]) != columns:
            report.mismatched_indexes.append(IndexMismatch(name, list(columns), indexes[name]))
        else:
            report.present_indexes.append(name)
    report.extra_indexes = {name: cols for name, cols in indexes.items() if name not in spec.indexes}

    expected_fks = {(fk.column, fk.references_table, fk.references_column): fk for fk in spec.foreign_keys}
    for column, ref_table, ref_column, on_delete in foreign_keys:
        spec_fk = expected_fks.pop((column, ref_table, ref_column), None)
        report.foreign_keys.append(
            ForeignKeyReport(column, f"{ref_table}({ref_column})", on_delete, spec_fk.on_delete if spec_fk else None)
        )
    report.missing_foreign_keys = [fk.describe() for fk in expected_fks.values()]

    report.estimated_rows, report.data_bytes, report.index_bytes = _sizes(connection, spec.name)
    return report


def _foreign_keys(connection: BaseDatabaseWrapper, cursor: Any, table: str) -> list[tuple[str, str, str, str]]:
    """(column, referenced table, referenced column, delete rule) of each foreign key on `table`."""
    if connection.vendor == "mysql":
        cursor.execute(
            """
            SELECT kcu.column_name, kcu.referenced_table_name, kcu.referenced_column_name, rc.delete_rule
              FROM information_schema.key_column_usage kcu
              JOIN information_schema.referential_constraints rc
                ON rc.constraint_schema = kcu.constraint_schema
               AND rc.constraint_name = kcu.constraint_name
               AND rc.table_name = kcu.table_name
             WHERE kcu.table_schema = DATABASE() AND kcu.table_name = %s
             ORDER BY kcu.column_name
            """,
            [table],
        )
        return [tuple(row) for row in cursor.fetchall()]
    if connection.vendor == "sqlite":
        cursor.execute(f"PRAGMA foreign_key_list({connection.ops.quote_name(table)})")
        # id, seq, table, from, to, on_update, on_delete, match
        return [(row[3], row[2], row[4], row[6]) for row in cursor.fetchall()]
    raise CommandError(f"schema_report does not know how to read foreign keys on {connection.vendor}.")


def _sizes(connection: BaseDatabaseWrapper, table: str) -> tuple[int | None, int | None, int | None]:
    """(estimated rows, data bytes, index bytes); None where the database cannot say."""
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            # The spec's "Table statistics" query, limited to this database.
            cursor.execute(
                """
                SELECT table_rows, data_length, index_length
                  FROM information_schema.tables
                 WHERE table_schema = DATABASE() AND table_name = %s
                """,
                [table],
            )
            rows, data, index = cursor.fetchone()
            return rows, data, index
        if connection.vendor == "sqlite":
            try:
                cursor.execute(
                    """
                    SELECT SUM(CASE WHEN m.type = 'table' THEN s.pgsize ELSE 0 END),
                           SUM(CASE WHEN m.type = 'index' THEN s.pgsize ELSE 0 END)
                      FROM dbstat s JOIN sqlite_master m ON m.name = s.name
                     WHERE m.tbl_name = %s
                    """,
                    [table],
                )
            except OperationalError:  # SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
                return None, None, None
            data, index = cursor.fetchone()
            return None, data or 0, index or 0
    return None, None, None


def _sqlite_database_bytes(connection: BaseDatabaseWrapper) -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return pages * cursor.fetchone()[0]


def _activity(connection: BaseDatabaseWrapper, tables: list[TableReport]) -> dict[str, int | None]:
    """The spec's Quick Commands: active sessions, and quick tests created in the last 24 hours."""
    exists = {t.name for t in tables if t.exists}
    activity: dict[str, int | None] = {"active_sessions": None, "quick_tests_last_24h": None}
    with connection.cursor() as cursor:
        if "builder_sessions" in exists:
            cursor.execute("SELECT COUNT(*) FROM builder_sessions WHERE is_active = %s", [True])
            activity["active_sessions"] = cursor.fetchone()[0]
        if "quick_tests" in exists:
            since = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(hours=24))
            cursor.execute("SELECT COUNT(*) FROM quick_tests WHERE created_at > %s", [since])
            activity["quick_tests_last_24h"] = cursor.fetchone()[0]
    return activity


def _table_json(table: TableReport) -> dict[str, Any]:
    data = asdict(table)
    data["foreign_keys"] = [{**asdict(fk), "ok": fk.ok} for fk in table.foreign_keys]
    return data


def _size(value: int | None) -> str:
    if value is None:
        return "n/a"
    if value < 1024:
        return f"{value} B"
    size = value / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _as_text(report: dict[str, Any], tables: list[TableReport]) -> str:
    lines = [f"Strategy Builder tables on {report['vendor']} (database {report['database']})", ""]
    header = f"{'table':<18}{'rows':>10}{'deleted':>9}{'data':>12}{'index':>12}  {'indexes':>9}  {'foreign keys'}"
    lines += [header, "-" * len(header)]
    for t in tables:
        if not t.exists:
            lines.append(f"{t.name:<18}  (missing)")
            continue
        fks = ", ".join(f"{fk.column} -> {fk.references} ON DELETE {fk.on_delete}" for fk in t.foreign_keys) or "-"
        lines.append(
            f"{t.name:<18}{t.rows:>10}{t.soft_deleted_rows:>9}{_size(t.data_bytes):>12}{_size(t.index_bytes):>12}"
            f"  {len(t.present_indexes):>4}/{t.expected_indexes:<4}  {fks}"
        )
    objects = report["spec_objects"]
    activity = report["activity"]
    lines += [
        "",
        f"Spec indexes and foreign keys present: {objects['present']}/{objects['expected']}",
        f"Active sessions: {activity['active_sessions']}; "
        f"quick tests in the last 24 hours: {activity['quick_tests_last_24h']}",
    ]
    if "database_bytes" in report:
        lines.append(f"Database file: {_size(report['database_bytes'])}")
    if report["problems"]:
        lines += ["", "Differences from the spec:", *(f"  - {p}" for p in report["problems"])]
    else:
        lines += ["", "The schema matches the spec."]
    return "\n".join(lines)
