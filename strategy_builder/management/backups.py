"""Backups of the spec's tables: mysqldump/mysql on MySQL/MariaDB, a portable JSON Lines dump anywhere.

JSON Lines layout (one JSON value per line, so dumps and restores stream rather than hold a table in
memory)::

    {"format": "strategy-builder-tables", "version": 1, "created_at": "...", "vendor": "sqlite", "tables": [...]}
    {"table": "quick_tests", "columns": ["id", "created_at", ...]}
    ["3f0c...", "2026-11-27T14:02:03.123456+00:00", ...]        one line per row, values in column order
    {"end": true, "rows": {"quick_tests": 1234, ...}}           missing if the file was cut short

Every column is kept: datetimes as ISO 8601 with microseconds and offset, JSON columns as JSON, and
soft-deleted rows are included.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from engine.limits import shown
from strategy_builder.models import BaseModel
from strategy_builder.storable import JSONDecoder

from .spec_tables import SPEC_TABLE_NAMES, STRATEGY_TABLE_NAMES

FORMAT = "strategy-builder-tables"
FORMAT_VERSION = 1
BATCH_SIZE = 500
# Parents before children: the order rows are dumped and inserted in.
RESTORABLE_TABLES = (*STRATEGY_TABLE_NAMES, *SPEC_TABLE_NAMES)


def tables_to_back_up(*, include_strategies: bool) -> list[str]:
    return [*(STRATEGY_TABLE_NAMES if include_strategies else ()), *SPEC_TABLE_NAMES]


def is_gzipped(path: Path) -> bool:
    return path.name.endswith(".gz")


def model_for_table(table: str) -> type[models.Model]:
    for model in apps.get_models():
        if model._meta.db_table == table:
            return model
    raise CommandError(f"No model stores the table {table}.")


def _open(path: Path, mode: str, *, gzipped: bool) -> IO[Any]:
    """Open `path` ("r"/"w" for text, "rb"/"wb" for bytes), through gzip when asked."""
    binary = "b" in mode
    encoding = None if binary else "utf-8"
    if gzipped:
        return gzip.open(path, mode if binary else mode + "t", encoding=encoding)
    return open(path, mode, encoding=encoding)


@contextmanager
def _written_atomically(path: Path) -> Iterator[Path]:
    """A temporary file beside `path`, moved into place only if the block completes: no half-written backups."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


# --- JSON Lines ---------------------------------------------------------------------------------------


@contextmanager
def _snapshot() -> Iterator[None]:
    """Read every table from one point in time."""
    if connection.vendor == "mysql" and not connection.in_atomic_block:
        # Applies to the next transaction only; the project otherwise reads committed.
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    with transaction.atomic():
        yield


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def dump_json(path: Path, tables: list[str]) -> dict[str, int]:
    """Write every row of `tables`, soft-deleted ones included, to `path`. Returns rows per table."""
    counts: dict[str, int] = {}
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "tables": tables,
    }
    with _written_atomically(path) as tmp, _open(tmp, "w", gzipped=is_gzipped(path)) as out, _snapshot():
        out.write(json.dumps(header) + "\n")
        for table in tables:
            model = model_for_table(table)
            fields = model._meta.concrete_fields
            out.write(json.dumps({"table": table, "columns": [f.column for f in fields]}) + "\n")
            rows = model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
            counts[table] = 0
            for row in rows.iterator(chunk_size=2000):
                out.write(json.dumps([_json_value(v) for v in row], ensure_ascii=False) + "\n")
                counts[table] += 1
        out.write(json.dumps({"end": True, "rows": counts}) + "\n")
    return counts


@dataclass
class _Section:
    table: str
    model: type[models.Model]
    fields: list[models.Field]
    decoders: list[Callable[[Any], Any]]
    rows: int = 0


def _decoder(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.DateTimeField):
        return lambda value: None if value is None else parse_datetime(value)
    return lambda value: value


def load_json(path: Path, *, replace: bool) -> dict[str, int]:
    """Insert the rows of a JSON Lines backup, all or nothing (one transaction). Returns rows per table.

    Without `replace`, a row whose id already exists stops the restore; with it, the tables in the
    backup are emptied first and end up exactly as backed up.
    """
    try:
        with _open(path, "r", gzipped=is_gzipped(path)) as source, transaction.atomic():
            return _load_lines(path, source, replace=replace)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc


def _load_lines(path: Path, source: IO[str], *, replace: bool) -> dict[str, int]:
    lines = ((number, line) for number, line in enumerate(source, start=1) if line.strip())
    header = _parse_line(path, *next(lines, (1, "")))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CommandError(f"{path} is not a Strategy Builder table backup (no '{FORMAT}' header on line 1).")
    if header.get("version") != FORMAT_VERSION:
        raise CommandError(f"{path} is format version {header.get('version')}; this code reads {FORMAT_VERSION}.")
    tables = header.get("tables") or []
    unknown = [t for t in tables if t not in RESTORABLE_TABLES]
    if unknown:
        raise CommandError(f"{path} holds tables this command does not restore: {', '.join(unknown)}.")
    if replace:
        _empty(tables)

    section: _Section | None = None
    batch: list[list[Any]] = []
    counts: dict[str, int] = {}
    for number, line in lines:
        value = _parse_line(path, number, line)
        if isinstance(value, list):
            if section is None:
                raise CommandError(f"{path}: line {number} is a row before any table header.")
            if len(value) != len(section.fields):
                raise CommandError(
                    f"{path}: line {number} has {len(value)} values; {section.table} has {len(section.fields)} columns."
                )
            batch.append(value)
            if len(batch) >= BATCH_SIZE:
                _insert(section, batch, replace=replace)
                batch = []
        elif isinstance(value, dict) and "table" in value:
            if section is not None:
                _insert(section, batch, replace=replace)
                counts[section.table] = section.rows
                batch = []
            section = _start_section(path, number, value, tables)
        elif isinstance(value, dict) and value.get("end") is True:
            if section is not None:
                _insert(section, batch, replace=replace)
                counts[section.table] = section.rows
            if value.get("rows") != counts:
                raise CommandError(
                    f"{path}: the row counts on its last line ({value.get('rows')}) differ from its rows ({counts})."
                )
            return counts
        else:
            raise CommandError(f"{path}: line {number} is neither a row, a table header nor the end line.")
    raise CommandError(f"{path} ends before its last line: the backup is incomplete. Nothing was restored.")


def _parse_line(path: Path, number: int, line: str) -> Any:
    try:
        return json.loads(line, cls=JSONDecoder)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: line {number} is not JSON ({exc.msg}, column {exc.colno}).") from exc


def _start_section(path: Path, number: int, header: dict[str, Any], tables: list[str]) -> _Section:
    table = header["table"]
    if table not in tables:
        raise CommandError(f"{path}: line {number} starts table {table!r}, which the file's header does not list.")
    model = model_for_table(table)
    by_column = {f.column: f for f in model._meta.concrete_fields}
    columns = header.get("columns") or []
    missing = [c for c in by_column if c not in columns]
    unknown = [c for c in columns if c not in by_column]
    if missing or unknown:
        raise CommandError(
            f"{path}: the columns of {table} on line {number} do not match the table "
            f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})."
        )
    fields = [by_column[c] for c in columns]
    return _Section(table, model, fields, [_decoder(f) for f in fields])


def _empty(tables: list[str]) -> None:
    """Delete every row of `tables`, children first; the database cascades to rows that depend on them."""
    with connection.cursor() as cursor:
        for table in reversed([t for t in RESTORABLE_TABLES if t in tables]):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a known table)


def _insert(section: _Section, batch: list[list[Any]], *, replace: bool) -> None:
    if not batch:
        return
    model = section.model
    objects = [
        model(**{f.attname: decode(v) for f, decode, v in zip(section.fields, section.decoders, row, strict=True)})
        for row in batch
    ]
    if not replace:
        clashing = list(model._base_manager.filter(pk__in=[o.pk for o in objects]).values_list("pk", flat=True)[:3])
        if clashing:
            raise CommandError(
                f"{section.table} already has rows with ids from the backup ({', '.join(map(str, clashing))} ...). "
                "Nothing was restored. Use --replace to empty the backed-up tables and restore them as they were."
            )
    _check_references(section, objects)
    _check_storable(section, objects)
    try:
        model._base_manager.bulk_create(objects, batch_size=BATCH_SIZE)
    except DatabaseError as exc:
        raise CommandError(f"The database refused rows of {section.table}: {exc}. Nothing was restored.") from exc
    section.rows += len(objects)


def _check_storable(section: _Section, objects: list[models.Model]) -> None:
    """Refuse a row holding what no row may (strategy_builder.storable): bulk_create skips BaseModel.save."""
    for obj in objects:
        problems = obj.unstorable_values() if isinstance(obj, BaseModel) else {}
        if problems:
            path, errors = next(iter(problems.items()))
            raise CommandError(
                f"{section.table} row {shown(str(obj.pk))} holds a value no row may hold, at {path}: "
                f"{errors[0].message} Nothing was restored."
            )


def _check_references(section: _Section, objects: list[models.Model]) -> None:
    """Name a row whose foreign key points nowhere, rather than let the database fail on it anonymously."""
    for field in section.fields:
        if not isinstance(field, models.ForeignKey):
            continue
        wanted = {getattr(o, field.attname) for o in objects} - {None}
        found = set(field.related_model._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        for obj in objects:
            target = getattr(obj, field.attname)
            if target is not None and target not in found:
                raise CommandError(
                    f"{section.table} row {obj.pk} refers to {field.related_model._meta.db_table} {target}, which "
                    "is neither in the database nor in the backup (back up with --include-strategies to take the "
                    "strategies along). Nothing was restored."
                )


# --- mysqldump / mysql ------------------------------------------------------------------------------------


def _client_command(candidates: tuple[str, ...], parameters: list[str]) -> tuple[list[str], dict[str, str]]:
    """The command line for a MySQL client program, with the credentials of the current database.

    Django's dbshell builds it (user, host, port, TLS, charset, database); the password travels in
    MYSQL_PWD, never on the command line.
    """
    if connection.vendor != "mysql":
        raise CommandError(f"SQL dumps need MySQL/MariaDB; this database is {connection.vendor}. Use a .jsonl file.")
    binary = next((found for name in candidates if (found := shutil.which(name))), None)
    if binary is None:
        raise CommandError(f"None of {', '.join(candidates)} is installed (the MySQL/MariaDB client programs).")
    args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, parameters)
    return [binary, *args[1:]], {**os.environ, **(env or {})}


def dump_sql(path: Path, tables: list[str]) -> None:
    """The spec's backup: `mysqldump --single-transaction --tables <tables>`, gzip-compressed for .gz names."""
    args, env = _client_command(("mysqldump", "mariadb-dump"), ["--single-transaction", "--tables", *tables])
    with (
        _written_atomically(path) as tmp,
        _open(tmp, "wb", gzipped=is_gzipped(path)) as out,
        tempfile.TemporaryFile() as errors,
    ):
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, env=env)  # noqa: S603
        assert process.stdout is not None
        shutil.copyfileobj(process.stdout, out)
        if process.wait() != 0:
            raise CommandError(f"mysqldump failed (exit {process.returncode}): {_read(errors)}")


_SQL_TABLE = re.compile(rb"^(?:DROP TABLE IF EXISTS|CREATE TABLE|INSERT INTO|LOCK TABLES) `([^`]+)`")


def sql_dump_tables(path: Path) -> list[str]:
    """The tables a SQL dump writes to, in order of first mention."""
    found: dict[str, None] = {}
    with _open(path, "rb", gzipped=is_gzipped(path)) as source:
        for line in source:
            match = _SQL_TABLE.match(line)
            if match:
                found.setdefault(match.group(1).decode(), None)
    return list(found)


def load_sql(path: Path) -> None:
    """Feed a SQL dump to the mysql client. Its DROP/CREATE TABLE statements commit on their own."""
    args, env = _client_command(("mysql", "mariadb"), [])
    with _open(path, "rb", gzipped=is_gzipped(path)) as source, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors, env=env)  # noqa: S603
        assert process.stdin is not None
        try:
            shutil.copyfileobj(source, process.stdin)
        except BrokenPipeError:
            pass  # the client stopped reading because it failed; its exit code and stderr say why
        finally:
            process.stdin.close()
        if process.wait() != 0:
            raise CommandError(f"mysql failed (exit {process.returncode}): {_read(errors)}")


def _read(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode(errors="replace").strip()


def row_counts(tables: list[str]) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a known table)
            counts[table] = cursor.fetchone()[0]
    return counts
