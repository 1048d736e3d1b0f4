#!/usr/bin/env bash
# The README's test command (`make test`): set up what is missing, lint, then run the whole suite twice,
# on SQLite and on MariaDB, with the Celery worker tests against a real Redis in both passes.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

setup_started=$SECONDS
sb_prepare
sb_frontend_build
# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
sb_apt_install chromium
sb_ensure_redis
sb_ensure_mariadb
setup_took=$((SECONDS - setup_started))

# A test that needs MariaDB or Redis fails when it cannot reach them, instead of skipping (see conftest.py).
export SB_REQUIRE_SERVICES=1
mysql_url=${SB_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/strategy_builder}
# pytest-xdist: one worker per core (each has its own test database and var/test/gwN directory);
# --dist loadfile keeps each test module in one process.
pytest_args=(-q --durations=10 --numprocesses "${SB_TEST_WORKERS:-auto}" --dist loadfile "$@")
summary=("PASSED  set-up: Python, .venv, the browser app build, Chromium, MariaDB, Redis (${setup_took}s)")
failed=0

step() {  # step NAME COMMAND...: run it, time it, remember a summary line
  local name=$1 started=$SECONDS status=0
  shift
  printf '\n==> %s\n' "$name"
  "$@" || status=$?
  local took=$((SECONDS - started))
  if [ "$status" -eq 0 ]; then
    summary+=("PASSED  $name (${took}s)")
  else
    summary+=("FAILED  $name (exit $status, ${took}s)")
    failed=1
  fi
}

lint() {  # every check, so one run shows every problem
  local status=0
  ruff check . || status=1
  ruff format --check . || status=1
  (cd frontend && node_modules/.bin/biome check --reporter=summary) || status=1
  (cd frontend && node_modules/.bin/tsc --noEmit) || status=1
  return "$status"
}

sqlite_pass() {
  echo "Database: SQLite (file test databases under var/test). Tests marked 'mysql' run in the MariaDB pass."
  env -u DATABASE_URL pytest -m "not mysql" "${pytest_args[@]}"
}

mariadb_pass() {
  echo "Database: $mysql_url (pytest-django creates and drops a test_ database per worker)."
  echo "engine/ tests use no database: they ran in the SQLite pass and are not repeated here."
  echo "Browser tests (marked 'browser') ran in the SQLite pass: the pages only call the API, tested here."
  # --ignore does not apply to pytest.ini's testpaths; --ignore-glob does.
  DATABASE_URL=$mysql_url pytest -m "not browser" --ignore-glob='engine/*' "${pytest_args[@]}"
}

step "lint: ruff check + ruff format --check, biome check + tsc (frontend/)" lint
step "pytest, SQLite pass" sqlite_pass
step "pytest, MariaDB pass" mariadb_pass

printf '\n==> Summary (%ss in all)\n' "$SECONDS"
printf '  %s\n' "${summary[@]}"
exit "$failed"
