"""Journey 2: the partner adds a verification target (AppRole in namespace `admin` on an HCP
Vault cluster: the test stand-in, a real OpenBao answering as HCP Vault, reached through the
egress proxy), runs a verification, watches the checks turn green live (a real Celery worker on
the Redis broker; the page polls with htmx), and submits for review."""

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from config.celery_app import app as celery_app
from integrations.models import Stage
from reviews.models import VerificationRun
from tests.e2e import steps
from tests.factories import IntegrationFactory
from tests.vault import runtime_app

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_partner_verifies_against_hcp_vault_and_submits_for_review(
    browse, shoot, hcp, partner, owner, not_eager
):
    integration = IntegrationFactory(
        partner=partner, name="Acme Secrets Sync", stage=Stage.DEVELOP, contact_email=owner.email
    )
    # What the partner's operator set up, on an HCP Vault cluster (the stand-in, reached
    # through the egress proxy like every partner's cluster).
    cluster = runtime_app(hcp, "admin")
    page = browse()
    steps.sign_in(page, owner.email)
    page.get_by_role("link", name="Acme Secrets Sync").click()
    submit = steps.section(page, "What can happen next").get_by_role(
        "button", name="Submit for review"
    )
    expect(submit).to_be_disabled()
    expect(page.get_by_text("No verification target yet.")).to_be_visible()

    page.get_by_role("link", name="Add a target").click()
    steps.field(page, "Name").fill("HCP staging")
    steps.field(page, "Kind of cluster").select_option(label="HCP Vault")
    steps.field(page, "Vault address").fill(hcp.url)
    expect(steps.field(page, "Namespace")).to_have_value("admin")
    steps.field(page, "CA bundle (PEM)").fill(hcp.ca_pem)
    steps.field(page, "How your app logs in").select_option(label="AppRole")
    steps.field(page, "Auth mount path").fill("approle")
    steps.field(page, "Role ID").fill(cluster["auth"]["role_id"])
    steps.field(page, "Secret ID").fill(cluster["auth"]["secret_id"])
    expect(steps.field(page, "Password")).to_be_hidden()  # only AppRole's fields show
    page.get_by_label("Mount path (mount 1)").fill("apps-kv")
    page.get_by_label("Type (mount 1)").select_option("kv-v2")
    page.get_by_label("Writable prefix (mount 1)").fill("vip")
    page.get_by_label("Mount path (mount 2)").fill("apps-transit")
    page.get_by_label("Type (mount 2)").select_option("transit")
    page.get_by_label("Key (mount 2)").fill("app-key")
    shoot(page, "target-form")
    page.get_by_role("button", name="Save target").click()

    steps.expect_message(page, "Target “HCP staging” saved.")
    targets = steps.section(page, "Verification")
    expect(targets.get_by_role("row", name="HCP staging")).to_contain_text("credentials set")
    assert cluster["auth"]["secret_id"] not in page.content()
    shoot(page, "target-saved")

    targets.get_by_role("button", name="Run verification of HCP staging").click()
    expect(page.get_by_role("heading", name="Verification of HCP staging")).to_be_visible()
    expect(page.get_by_text("Waiting for a worker to pick the run up…")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    shoot(page, "run-queued")

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        checks = page.get_by_role("table").get_by_role("row")
        expect(checks.filter(has_text="server.health")).to_contain_text("passed", timeout=30_000)
        status = page.locator("#run-progress .card").first
        expect(status).to_contain_text("passed", timeout=30_000)
        expect(status).not_to_contain_text("Working…")
    assert page.evaluate("window.stillTheSamePage") is True  # updated live, never reloaded
    expect(checks.filter(has_text="auth.login")).to_contain_text("passed")
    expect(checks.filter(has_text="namespace.access")).to_contain_text("passed")
    expect(checks.filter(has_text="secrets.kv-v2")).to_contain_text("passed")
    expect(checks.filter(has_text="secrets.transit")).to_contain_text("passed")
    expect(page.get_by_role("table")).not_to_contain_text("failed")
    expect(status).to_contain_text("HCP Vault 1.19.2+ent")  # detected, not declared
    run = VerificationRun.objects.get(target__name="HCP staging")
    assert run.status == "passed", run.reason
    shoot(page, "run-passed")

    page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name="Acme Secrets Sync"
    ).click()
    expect(steps.section(page, "Verification")).to_contain_text(f"Run {run.pk}")
    steps.move(page, "Submit for review")
    steps.expect_message(page, "“Acme Secrets Sync” moved to Review.")
    expect(page.get_by_role("listitem").filter(has_text="(current)")).to_contain_text("Review")
    shoot(page, "submitted-for-review")
    integration.refresh_from_db()
    assert integration.stage == Stage.REVIEW
