#!/usr/bin/env bash
# The README's run command (`make run`): set up what is missing, prepare the embedded database and
# start the web server, a Celery worker and Celery beat together. Embedded defaults: DEBUG on, SQLite
# under VAR_DIR (var/), a filesystem Celery broker under VAR_DIR/broker (made by the Celery app); every one
# can be overridden from the environment (see README.md).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

sb_prepare
sb_frontend_build

export DEBUG=${DEBUG:-1}
export PORT=${PORT:-8000}
export PYTHONUNBUFFERED=1

python manage.py migrate --noinput
python manage.py bootstrap
python manage.py load_demo_datasets
python manage.py collectstatic --noinput -v 0

cat <<MSG

Strategy Builder is starting (stop everything with Ctrl-C):
  open     http://127.0.0.1:$PORT/accounts/login/ and sign in (any account above: demo to build strategies)
  admin    http://127.0.0.1:$PORT/admin/ (staff: the admin account above)
  API docs http://127.0.0.1:$PORT/api/docs/
  worker   Celery worker, broker ${CELERY_BROKER_URL:-filesystem:// (${VAR_DIR:-var}/broker)}
  beat     Celery beat with django-celery-beat's DatabaseScheduler

MSG
# The Procfile's processes as one group: one stops, all stop; Ctrl-C stops all three quietly (exit 0).
exec python scripts/run_procfile.py --procfile Procfile --port "$PORT"
