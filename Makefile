# The two commands of the README. Both set up a fresh machine first (Python 3.12, Debian build
# packages, .venv from the lock), then do their job.
.PHONY: run test lock types

run:  ## start web + Celery worker + beat on the embedded defaults (SQLite, filesystem broker)
	bash scripts/run.sh

test:  ## ruff, then the whole suite on SQLite and on MariaDB (Redis-backed worker tests in both)
	bash scripts/test.sh

lock:  ## regenerate requirements.txt and requirements-dev.txt from the *.in files
	bash scripts/lock.sh

types:  ## regenerate the browser app's API types (frontend/src/api/schema.d.ts) from the OpenAPI schema
	bash scripts/api_types.sh
