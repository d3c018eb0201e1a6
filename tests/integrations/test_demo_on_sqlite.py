"""`make demo` runs on SQLite, which the rest of the suite (on PostgreSQL) never touches: its
database migrates, takes the demo data, and serves the main pages to each demo account; its
worker claims and runs verifications."""

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


RUN_SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from reviews import services
from reviews.models import VerificationRun
from tests.factories import IntegrationFactory, MembershipFactory, UserFactory
from tests.vault import BaoServer, enable_engine, runtime_app

program, partner = BaoServer().start(), BaoServer().start()
try:
    enable_engine(program.client(), "transit", "transit")
    from django.conf import settings
    settings.VIP_VAULT_ADDR, settings.VIP_VAULT_TOKEN = program.url, "root"
    owner = MembershipFactory().user
    reviewer = UserFactory(groups=["reviewers"])
    # An audit integration: audit.device is required, and fails without inspector credentials.
    integration = IntegrationFactory(partner=owner.memberships.get().partner, category="audit")
    target = services.target_create(
        integration=integration, actor=owner, data=runtime_app(partner, "admin/demo")
    )
    statuses = []
    for waive in (False, True):
        if waive:
            services.waiver_grant(
                target=target, actor=reviewer, check="audit.device", justification="reviewed"
            )
        run = VerificationRun.objects.create(integration=integration, target=target)
        services.run_execute(run_id=run.pk)
        again = services.run_execute(run_id=run.pk)  # a finished run is not claimed again
        run.refresh_from_db()
        statuses.append([run.status, run.attempt, run.results.count() > 5, again])
    print(json.dumps(statuses))
finally:
    program.stop()
    partner.stop()
"""


def test_a_verification_run_claims_and_decides_on_sqlite(tmp_path):
    """The worker claims a run and reads its target in plain SQL: on SQLite too, a run passes
    or fails as on PostgreSQL, the integration's category and an open waiver reach the checks,
    and a finished run is never claimed again."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "VIP_ALLOW_PRIVATE_TARGETS": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", RUN_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["failed", 1, True, None],
        ["passed", 1, True, None],
    ]
