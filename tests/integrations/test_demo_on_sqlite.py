"""`make demo` runs on SQLite, which the rest of the suite (on PostgreSQL) never touches: its
database migrates, takes the demo data, and serves the main pages to each demo account."""

import json
import os
import subprocess
import sys

from tests.processes import ROOT

SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from accounts.models import User
from config.celery_app import app
from integrations.models import Integration

setup_test_environment()  # the test client's host, locmem e-mail
app.conf.task_always_eager = True  # nothing reaches the demo's own broker folder
call_command("migrate", verbosity=0)
call_command("demo_data", verbosity=0)
from reviews.models import VerificationRun
from django.conf import settings

integration = Integration.objects.filter(partner__slug="acme-security").latest("pk")
recorded = VerificationRun.objects.filter(integration__partner__slug="acme-security").latest("pk")
pages = {
    "owner@acme.example": ["/dashboard/", "/integrations/", f"/integrations/{integration.pk}/",
                           "/support/", "/directory/", "/notifications/",
                           f"/verifications/{recorded.pk}/"],
    "reviewer@vip.example": ["/review/board/", "/review/queue/", "/program/", "/integrations/",
                             f"/integrations/{integration.pk}/", "/support/"],
    "admin@vip.example": ["/review/board/", "/program/", "/integrations/export.csv"],
}
statuses, texts = {}, {}
for email, paths in pages.items():
    client = Client()
    client.force_login(User.objects.get(email=email))
    for path in paths:
        response = client.get(path)
        statuses[f"{email} {path}"] = response.status_code
        if not response.streaming:  # the CSV export streams
            texts[path] = response.content.decode()
print(json.dumps({
    "statuses": statuses,
    # Recorded runs are on platforms the demo's settings call simulated, and the run page says so.
    "simulated": settings.VIP_SIMULATED_PLATFORMS,
    "editions": sorted(set(VerificationRun.objects.values_list("detected_edition", flat=True))),
    "run_page_says_simulated": "(simulated in this demo)"
    in texts[f"/verifications/{recorded.pk}/"],
}))
"""


def test_the_demo_database_serves_every_main_page(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    statuses = found["statuses"]
    assert len(statuses) == 16
    assert {page: status for page, status in statuses.items() if status != 200} == {}
    assert set(found["editions"]) - {""} <= set(found["simulated"])  # "" is an error run's
    assert found["run_page_says_simulated"]
