"""The target form: "Test connection" runs server.health, server.edition and auth.login
against what is typed, on a real OpenBao, and shows the result under the button without
saving anything; "Add mount" adds a row without saving first."""

import pytest
from playwright.sync_api import expect

from reviews.models import ConnectionTest, VerificationTarget
from tests.e2e import steps
from tests.factories import IntegrationFactory
from tests.vault import runtime_app

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fill_cluster(page, server, cluster) -> None:
    steps.field(page, "Name").fill("Lab cluster")
    steps.field(page, "Kind of cluster").select_option("openbao")
    steps.field(page, "Vault address").fill(server.url)
    steps.field(page, "Namespace").fill(cluster["namespace"])
    steps.field(page, "How your app logs in").select_option(label="AppRole")
    steps.field(page, "Role ID").fill(cluster["auth"]["role_id"])
    steps.field(page, "Secret ID").fill(cluster["auth"]["secret_id"])


def test_test_connection_shows_the_checks_inline(browse, shoot, partner, owner, bao, namespace):
    integration = IntegrationFactory(partner=partner, name="Acme Sync")
    cluster = runtime_app(bao, namespace)
    page = browse(owner)
    page.goto(f"/integrations/{integration.pk}/targets/new/")
    fill_cluster(page, bao, cluster)
    result = page.locator("#connection-test")
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text("Connected to", timeout=30_000)
    for check in ("server.health", "server.edition", "auth.login"):
        expect(result.get_by_role("listitem").filter(has_text=check)).to_contain_text("passed")
    expect(result).to_contain_text("Nothing was saved")
    expect(page).to_have_url(
        f"{page.url.split('/integrations/')[0]}/integrations/{integration.pk}/targets/new/"
    )
    expect(steps.field(page, "Name")).to_have_value("Lab cluster")  # the form is as it was
    shoot(page, "connection-passed")

    steps.field(page, "Secret ID").fill("00000000-0000-0000-0000-000000000000")
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text("did not pass")
    login = result.get_by_role("listitem").filter(has_text="auth.login")
    expect(login).to_contain_text("failed")
    expect(login).to_contain_text("invalid")
    shoot(page, "connection-failed")

    assert not VerificationTarget.objects.exists()
    assert list(ConnectionTest.objects.order_by("at").values_list("outcome", flat=True)) == [
        "passed",
        "failed",
    ]


def test_add_mount_adds_a_row_that_is_saved(browse, partner, owner, bao, namespace):
    integration = IntegrationFactory(partner=partner, name="Acme Sync")
    cluster = runtime_app(bao, namespace)
    page = browse(owner)
    page.goto(f"/integrations/{integration.pk}/targets/new/")
    fill_cluster(page, bao, cluster)
    expect(page.get_by_label("Mount path (mount 3)")).to_have_count(0)
    page.get_by_role("button", name="Add mount").click()
    expect(page.get_by_label("Mount path (mount 3)")).to_be_focused()
    page.get_by_label("Mount path (mount 1)").fill("apps-kv")
    page.get_by_label("Type (mount 1)").select_option("kv-v2")
    page.get_by_label("Writable prefix (mount 1)").fill("vip")
    page.get_by_label("Mount path (mount 3)").fill("apps-transit")
    page.get_by_label("Type (mount 3)").select_option("transit")
    page.get_by_label("Key (mount 3)").fill("app-key")
    page.get_by_role("button", name="Save target").click()
    steps.expect_message(page, "Target “Lab cluster” saved.")
    target = VerificationTarget.objects.get()
    assert [m["path"] for m in target.secret_mounts] == ["apps-kv", "apps-transit"]
