"""What `problems` and `runnable` cost on a page of strategies: GET /api/v1/strategy-instances/?page_size=500.

    .venv/bin/python bench/strategy_list_bench.py [--rows 500] [--repeat 7] [--database-url sqlite:///...]

Every strategy response carries what validate/ would report, so a list page validates each of its rows
against the user's node catalogue (built once per request); results are kept in the process
(strategies.services.StrategyChecker). The rows are the reference strategy (10 nodes, 12 edges), each with
its own parameter values so that no two are alike. Prints the median and fastest of --repeat requests after
a warm-up request: with every row checked afresh (cold: the kept results dropped before each request, as
after a template change), with the results kept from the request before (warm), and without any check (the
check replaced by "no problems"); then what the check adds per page and per row. The database is a
temporary SQLite file unless --database-url names another.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="strategy-list-bench-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.sqlite3",
            "VAR_DIR": workdir,
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from strategies import services
    from strategies.api.serializers import StrategyProblemsMixin
    from strategies.models import StrategyInstance

    call_command("migrate", verbosity=0)
    call_command("seed_node_templates", verbosity=0)
    examples = REPO / "engine" / "examples"
    flow = json.loads((examples / "reference_flow.json").read_text())
    parameters = json.loads((examples / "reference_params.json").read_text())
    user, _ = get_user_model().objects.get_or_create(username="bench-strategy-list")
    StrategyInstance.all_objects.filter(user_id=str(user.pk)).delete()
    StrategyInstance.objects.bulk_create(
        StrategyInstance(
            user_id=str(user.pk), name=f"Reference {n}", logic_flow=flow, parameters={**parameters, "slow": 30 + n}
        )
        for n in range(args.rows)
    )
    client = APIClient()
    client.force_authenticate(user)

    def timed(*, cold: bool = False) -> list[float]:
        client.get("/api/v1/strategy-instances/", {"page_size": args.rows})
        times = []
        for _ in range(args.repeat):
            if cold:
                services._checked.clear()
            start = time.perf_counter()
            response = client.get("/api/v1/strategy-instances/", {"page_size": args.rows})
            times.append(time.perf_counter() - start)
            assert response.status_code == 200 and len(response.json()["results"]) == args.rows
        return times

    cold = timed(cold=True)
    warm = timed()
    with mock.patch.object(StrategyProblemsMixin, "_problems", lambda self, strategy: []):
        without_check = timed()

    def line(label: str, times: list[float]) -> str:
        return f"{label:<32} median {statistics.median(times) * 1000:7.1f} ms   fastest {min(times) * 1000:7.1f} ms"

    print(f"GET strategy-instances/, {args.rows} rows of the reference strategy, {args.repeat} requests each")
    print(line("checked afresh (cold)", cold))
    print(line("checked before (warm)", warm))
    print(line("no check at all", without_check))
    for label, times in (("cold", cold), ("warm", warm)):
        extra = statistics.median(times) - statistics.median(without_check)
        print(f"the check, {label:<21} {extra * 1000:7.1f} ms per page, {extra / args.rows * 1000:.2f} ms per row")


if __name__ == "__main__":
    main()
