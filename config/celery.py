"""The Celery application. Workers start with `celery -A config worker`."""

import os
from pathlib import Path

from celery import Celery

import config.request_id  # noqa: F401  (log records and tasks carry the request id)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("discussions")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("config.mail",)
app.autodiscover_tasks()

# The serverless default broker keeps its queues in folders that must exist before use.
for key, folder in (app.conf.broker_transport_options or {}).items():
    if "folder" in key:
        Path(folder).mkdir(parents=True, exist_ok=True)
