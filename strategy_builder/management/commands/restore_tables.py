"""Restore a backup made by `backup_tables`.

    manage.py restore_tables strategy_builder_backup_20261127.sql
    manage.py restore_tables sb.jsonl.gz --replace

Without --replace nothing existing is overwritten: a SQL dump (which drops and recreates its tables) is
refused while any of its tables has rows, and a JSON Lines backup stops at the first id that already
exists. With --replace the backed-up tables end up exactly as they were backed up.

JSON Lines backups restore in one transaction: all rows or none. SQL dumps go through the mysql client;
their DROP/CREATE TABLE statements commit implicitly, so a failure part-way leaves the tables partly
restored (re-run with --replace once the cause is fixed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from strategy_builder.management.backups import RESTORABLE_TABLES, load_json, load_sql, row_counts, sql_dump_tables


class Command(BaseCommand):
    help = "Restore node_templates, quick_tests, code_generations, builder_sessions (and strategies) from a backup."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A backup_tables file: .sql or .jsonl, optionally .gz.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Empty the backed-up tables first, so they end up exactly as backed up.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        kind = path.name.removesuffix(".gz").rsplit(".", 1)[-1]
        if kind == "sql":
            self._restore_sql(path, replace=options["replace"])
        elif kind == "jsonl":
            counts = load_json(path, replace=options["replace"])
            rows = ", ".join(f"{table} {count}" for table, count in counts.items())
            self.stdout.write(f"Restored {path} (rows: {rows}).")
        else:
            raise CommandError(f"Cannot tell the format from {path.name}: expected .sql or .jsonl (optionally .gz).")

    def _restore_sql(self, path: Path, *, replace: bool) -> None:
        tables = sql_dump_tables(path)
        if not tables:
            raise CommandError(f"{path} writes to no table: is it a mysqldump file?")
        foreign = [t for t in tables if t not in RESTORABLE_TABLES]
        if foreign:
            raise CommandError(f"{path} also writes to tables this command does not restore: {', '.join(foreign)}.")
        occupied = {table: n for table, n in row_counts(tables).items() if n}
        if occupied and not replace:
            listed = ", ".join(f"{table} ({n} rows)" for table, n in occupied.items())
            raise CommandError(
                f"The dump recreates its tables, and these have rows: {listed}. Nothing was restored. "
                "Use --replace to overwrite them."
            )
        load_sql(path)
        self.stdout.write(f"Restored {path} ({', '.join(tables)}).")
