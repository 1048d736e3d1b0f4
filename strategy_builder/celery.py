import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_builder.settings")

app = Celery("strategy_builder")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Retention jobs live next to the services they run, in each app's `retention` module.
app.autodiscover_tasks(related_name="retention")

# The filesystem transport's folders, which it never creates itself (it fails at its first message).
FILESYSTEM_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def make_filesystem_broker_folders(sender: Celery, **kwargs) -> None:
    """With the filesystem broker and result backend (the embedded defaults), make the folders their
    configuration names, wherever VAR_DIR or the transport options put them, in every process that loads the
    configuration (web, worker, beat) before any of them touches the broker."""
    backend = str(sender.conf.result_backend or "")
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    if not str(sender.conf.broker_url or "").startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in FILESYSTEM_BROKER_FOLDERS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
