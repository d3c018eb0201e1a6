"""Journey 5: a critical support issue is opened and its clock counts down; once time has
moved past 48 hours the breach shows on the partner dashboard, and when the support standing
becomes failing (the breached critical issue still open 48 hours later) the badge turns
"suspended", on the integration page and on the public verify page.

The server's clock moves with time_machine (the live server runs in this process); the
browser's with Playwright's `page.clock`; the sweep is the beat task's function, called here."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from badges import services as badge_services
from integrations.models import Integration, Stage
from support_sla import tasks
from support_sla.models import SupportIssue
from tests.e2e import steps

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_breached_critical_issue_shows_and_then_suspends_the_badge(
    browse, shoot, released, owner, admin
):
    Integration.objects.filter(pk=released.pk).update(stage=Stage.SUPPORT)
    badge = badge_services.badge_issue(
        integration=released, kind="vault_enterprise_verified", actor=admin
    )
    page = browse(owner)
    page.clock.install()
    steps.open_integration(page, released)
    steps.section(page, "Support issues").get_by_role("link", name="Open an issue").click()
    steps.field(page, "Title").fill("AppRole login fails after upgrade")
    steps.field(page, "Severity").select_option(label="Critical")
    steps.field(page, "Description").fill("Since 2.7 every login returns 403 in admin/team.")
    page.get_by_role("button", name="Open the issue").click()
    steps.expect_message(page, "Issue opened; its SLA clock is running.")
    issue = SupportIssue.objects.get(title="AppRole login fails after upgrade")
    clock = steps.section(page, "SLA clock")
    expect(clock).to_contain_text("on time")
    expect(clock).to_contain_text(re.compile(r"1 d 23 h left|2 d 0 h left"))
    shoot(page, "critical-issue-opened")

    page.clock.fast_forward("05:00:00")  # five hours later in the browser
    expect(clock).to_contain_text("1 d 18 h left")
    shoot(page, "clock-counting-down")

    with time_machine.travel(issue.opened_at + timedelta(hours=49), tick=True):
        tasks.sla_sweep()  # what beat runs every minute
        page.goto("/dashboard/")
        card = page.get_by_role("article").filter(has_text="Acme Secrets Sync")
        expect(card).to_contain_text("Support standing at risk: 1 SLA breach in the last 90 days.")
        shoot(page, "dashboard-breach")
        page.get_by_role("link", name="See the support issues").click()
        row = page.get_by_role("row").filter(has_text="AppRole login fails after upgrade")
        expect(row).to_contain_text("breached")
        expect(row).to_contain_text("overdue by 1 h 0 min")
        shoot(page, "support-queue-breached")
        steps.open_integration(page, released)
        expect(steps.section(page, "Badges")).to_contain_text("Active")

    with time_machine.travel(issue.opened_at + timedelta(hours=97), tick=True):
        tasks.sla_sweep()
        page.goto("/dashboard/")
        card = page.get_by_role("article").filter(has_text="Acme Secrets Sync")
        expect(card).to_contain_text(
            "Support standing failing: The critical issue “AppRole login fails after upgrade” "
            "is still open 48 hours after its SLA breach."
        )
        shoot(page, "dashboard-failing")
        steps.open_integration(page, released)
        badges = steps.section(page, "Badges")
        expect(badges).to_contain_text("Suspended")
        expect(
            badges.get_by_role("img", name="HashiCorp Vault: Vault Enterprise Verified (suspended)")
        ).to_be_visible()
        shoot(page, "badge-suspended")

        public = browse()
        public.goto(f"/badges/{badge.public_id}/")
        expect(public.get_by_text("This badge is suspended")).to_be_visible()
        svg = public.goto(f"/badges/{badge.public_id}.svg")
        assert "suspended" in svg.text()
        public.goto(f"/badges/{badge.public_id}/")
        shoot(public, "verify-page-suspended")
    badge.refresh_from_db()
    assert badge.status == "suspended"
    assert timezone.now() < issue.opened_at + timedelta(hours=1)  # back to the real time
