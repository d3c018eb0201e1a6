"""The Celery app. Broker: Redis when REDIS_URL is set, kombu's filesystem transport otherwise.

Serializer, acknowledgement and time limits come from the CELERY_* settings; the beat schedule
is declared here, in code, so every deployment runs the same periodic work.
"""

import os
import threading
from pathlib import Path

from celery import Celery, bootsteps
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("vip_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "reviews-reap-runs": {"task": "reviews.tasks.runs_reap", "schedule": 60.0},
    "support-sla-sweep": {"task": "support_sla.tasks.sla_sweep", "schedule": 60.0},
    "support-refresh-standings": {
        "task": "support_sla.tasks.standings_refresh",
        "schedule": crontab(minute=5, hour="*/6"),
    },
    "badges-reverify-due": {
        "task": "badges.tasks.badges_reverify_due",
        "schedule": crontab(minute=40),  # hourly; each target is re-run every VIP_REVERIFY_DAYS
    },
    "accounts-send-due-notifications": {
        "task": "accounts.tasks.notifications_send_due",
        "schedule": 60.0,  # the outbox rows a lost task or a failed delivery left pending
    },
    "accounts-purge-expired-credentials": {
        "task": "accounts.tasks.credentials_purge_expired",
        "schedule": crontab(minute=17, hour=3),
    },
}


class ProgramVaultTokenCheck(bootsteps.StartStopStep):
    """A worker refuses to start with a root token for the program Vault (production settings):
    the step raises before the worker consumes anything, and Celery logs the reason and exits
    with status 1. Beat never talks to the program Vault."""

    def start(self, worker) -> None:
        from reviews.program_vault import refuse_root_token

        refuse_root_token()


app.steps["worker"].add(ProgramVaultTokenCheck)


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender: Celery, **kwargs) -> None:
    """The filesystem transport needs its folders to exist before the first message."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@task_postrun.connect
def _close_a_threads_connection(task=None, **kwargs) -> None:
    """In a thread pool (the `verification` queue's workers) each thread holds its own database
    connection: close it after each task, or idle connections pile up to the pool's size. A
    process pool's single connection stays (CELERY_DB_REUSE_MAX), as web processes keep theirs."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    if threading.current_thread() is not threading.main_thread():
        from django.db import connection

        connection.close()


@task_prerun.connect
def _fresh_enough_database_connection(task=None, **kwargs) -> None:
    """What Django does around each request, done around each task in a worker: drop a
    connection that is broken or older than CONN_MAX_AGE (a restarted database costs one task,
    not all of them). Eager tasks run inside their caller's transaction: leave it alone."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
