"""Back up the spec's four tables (the spec's "Full Backup (Daily)").

    manage.py backup_tables                                   # MySQL/MariaDB: mysqldump to strategy_builder_backup_YYYYMMDD.sql
    manage.py backup_tables --output /backups/sb.sql.gz       # gzip-compressed
    manage.py backup_tables --output sb.jsonl --include-strategies   # portable JSON Lines, any database

On MySQL/MariaDB the default is the spec's `mysqldump --single-transaction --tables node_templates
quick_tests code_generations builder_sessions`; elsewhere (SQLite) a JSON Lines dump. The format follows
the file name (.sql or .jsonl, optionally .gz). Restore with `manage.py restore_tables FILE`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from strategy_builder.management.backups import dump_json, dump_sql, tables_to_back_up


class Command(BaseCommand):
    help = "Back up node_templates, quick_tests, code_generations and builder_sessions (mysqldump or JSON Lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="File to write: .sql or .jsonl, plus .gz to compress "
            "(default: strategy_builder_backup_YYYYMMDD.sql on MySQL/MariaDB, .jsonl elsewhere).",
        )
        parser.add_argument(
            "--include-strategies",
            action="store_true",
            help="Also back up strategy_templates and strategy_instances, which the four tables' foreign keys need.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"] or Path(
            f"strategy_builder_backup_{timezone.now():%Y%m%d}.{'sql' if connection.vendor == 'mysql' else 'jsonl'}"
        )
        if not output.parent.is_dir():
            raise CommandError(f"The directory {output.parent} does not exist.")
        tables = tables_to_back_up(include_strategies=options["include_strategies"])
        kind = output.name.removesuffix(".gz").rsplit(".", 1)[-1]
        if kind == "sql":
            dump_sql(output, tables)
            self.stdout.write(f"Wrote {output} (mysqldump of {', '.join(tables)}).")
        elif kind == "jsonl":
            counts = dump_json(output, tables)
            rows = ", ".join(f"{table} {count}" for table, count in counts.items())
            self.stdout.write(f"Wrote {output} (rows: {rows}).")
        else:
            raise CommandError(f"Cannot tell the format from {output.name}: name it .sql or .jsonl (optionally .gz).")
