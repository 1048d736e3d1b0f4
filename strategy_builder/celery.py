import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_builder.settings")

app = Celery("strategy_builder")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Retention jobs live next to the services they run, in each app's `retention` module.
app.autodiscover_tasks(related_name="retention")
