"""Project-wide Celery tasks: the health check ops send to live workers.

    celery -A strategy_builder call strategy_builder.ping_database
    celery -A strategy_builder result <task id>      # needs CELERY_RESULT_BACKEND

The answer says which worker took the message, which database it reached and how fast, and whether that
database lags the code's migrations (a worker deployed ahead of `migrate`).
"""

import time
from typing import TypedDict

from celery import shared_task
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class DatabasePing(TypedDict):
    worker: str
    vendor: str
    database: str
    round_trip_ms: float
    pending_migrations: list[str]


@shared_task(bind=True, name="strategy_builder.ping_database", ignore_result=False)
def ping_database(self) -> DatabasePing:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    round_trip_ms = (time.perf_counter() - started) * 1000

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {
        "worker": self.request.hostname,
        "vendor": connection.vendor,
        "database": str(connection.settings_dict["NAME"]),
        "round_trip_ms": round(round_trip_ms, 3),
        "pending_migrations": [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan],
    }
