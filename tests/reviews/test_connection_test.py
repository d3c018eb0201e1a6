"""The target form's "Test connection": `server.health`, `server.edition` and `auth.login`
against what is typed (a real OpenBao here), without saving the target; the token the login
minted is revoked; only the fact that a test ran is stored (who, when, which integration and
target, the host, the outcome); refused addresses are refused as when saving; rate-limited per
person. And "Add mount": a row from the formset's empty form, saved like any other."""

import pytest

from reviews import services
from reviews.models import ConnectionTest, VerificationTarget
from reviews.verification.base import RunContext
from reviews.verification.registry import plan
from tests.reviews.test_target_pages import form_data
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


def connection_url(integration) -> str:
    return f"/integrations/{integration.pk}/targets/test-connection/"


def test_a_partner_tests_what_they_typed_without_saving_it(
    client_as, owner, integration, bao, namespace
):
    body = runtime_app(bao, namespace)
    response = client_as(owner).post(
        connection_url(integration), form_data(body), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<!DOCTYPE html>" not in html  # the result alone, shown under the button
    assert "Connected to" in html
    for check in ("server.health", "server.edition", "auth.login", "token.revoke"):
        assert f"<code>{check}</code>" in html
    for check in ("auth.short_lived_token", "namespace.access", "secrets.kv-v2"):
        assert check not in html
    assert not VerificationTarget.objects.exists()
    test = ConnectionTest.objects.get()
    assert (test.integration, test.target, test.requested_by) == (integration, None, owner)
    assert (test.host, test.outcome) == (bao.url.split("://", 1)[1], "passed")
    stored = " ".join(str(v) for v in ConnectionTest.objects.values().get().values())
    assert body["auth"]["secret_id"] not in stored and body["auth"]["role_id"] not in stored


def test_the_login_token_of_a_test_is_revoked(client_as, owner, integration, bao, namespace):
    body = runtime_app(bao, namespace)
    root = bao.client(namespace=namespace)

    def accessors() -> set[str]:
        listed = root.list("auth/token/accessors")
        return set(listed["data"]["keys"]) if listed else set()

    before = accessors()
    client_as(owner).post(connection_url(integration), form_data(body), HTTP_HX_REQUEST="true")
    assert accessors() <= before


def test_a_wrong_secret_fails_the_login_with_the_servers_words(
    client_as, owner, integration, bao, namespace
):
    body = runtime_app(bao, namespace)
    html = (
        client_as(owner)
        .post(
            connection_url(integration),
            form_data(body, secret_id="00000000-0000-0000-0000-000000000000"),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "did not pass" in html
    assert "invalid" in html.lower()  # the server's answer, in words
    assert ConnectionTest.objects.get().outcome == "failed"


def test_a_declared_platform_the_server_is_not_fails_the_edition_check(
    client_as, owner, integration, bao, namespace
):
    body = runtime_app(bao, namespace)
    html = (
        client_as(owner)
        .post(
            connection_url(integration),
            form_data(body, kind="vault_community"),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "the server is OpenBao" in html
    assert ConnectionTest.objects.get().outcome == "failed"


def test_a_private_address_is_refused_outside_development(
    client_as, owner, integration, bao, settings
):
    settings.VIP_ALLOW_PRIVATE_TARGETS = False
    body = runtime_app(bao)
    response = client_as(owner).post(
        connection_url(integration), form_data(body), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Not tested yet" in html and "Vault address" in html
    assert not ConnectionTest.objects.exists()  # nothing was contacted


def test_missing_fields_are_named_and_nothing_runs(client_as, owner, integration, bao):
    body = runtime_app(bao)
    client = client_as(owner)
    for missing, label in (("url", "Vault address"), ("secret_id", "Secret ID")):
        html = client.post(
            connection_url(integration), form_data(body, **{missing: ""}), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "Not tested yet" in html and label in html
    assert not ConnectionTest.objects.exists()


def test_stored_credentials_are_not_used_by_a_test(client_as, owner, integration, bao, namespace):
    body = runtime_app(bao, namespace)
    target = services.target_create(integration=integration, actor=owner, data=body)
    html = (
        client_as(owner)
        .post(
            connection_url(integration),
            form_data(body, target=str(target.pk), role_id="", secret_id=""),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "only ever read by the verification worker: type them here" in html
    html = (
        client_as(owner)
        .post(
            connection_url(integration),
            form_data(body, target=str(target.pk)),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "Connected to" in html
    assert ConnectionTest.objects.get().target == target


def test_tests_are_rate_limited_per_person(client_as, owner, integration, bao, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "test_connection": "1/h/user"}
    body = runtime_app(bao)
    client = client_as(owner)
    client.post(connection_url(integration), form_data(body), HTTP_HX_REQUEST="true")
    response = client.post(connection_url(integration), form_data(body), HTTP_HX_REQUEST="true")
    assert response.status_code == 429
    assert "Too many connection tests" in response.content.decode()
    assert client.post(connection_url(integration), form_data(body)).status_code == 429
    assert ConnectionTest.objects.count() == 1


def test_strangers_cannot_test_on_an_integration(client_as, outsider, member, integration, bao):
    body = runtime_app(bao)
    assert client_as(outsider).post(connection_url(integration), form_data(body)).status_code == 404
    assert client_as(member).post(connection_url(integration), form_data(body)).status_code == 200
    assert client_as(member).get(connection_url(integration)).status_code == 405


def test_another_integrations_target_is_not_named(client_as, owner, integration, partner, bao):
    from tests.factories import IntegrationFactory, VerificationTargetFactory

    other = VerificationTargetFactory(integration=IntegrationFactory(partner=partner))
    response = client_as(owner).post(
        connection_url(integration), form_data(runtime_app(bao), target=str(other.pk))
    )
    assert response.status_code == 404


def test_without_htmx_the_form_comes_back_with_the_result(
    client_as, owner, integration, bao, namespace
):
    body = runtime_app(bao, namespace)
    response = client_as(owner).post(connection_url(integration), form_data(body))
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>") and "Connected to" in html
    assert 'id="target-form"' in html
    assert body["auth"]["secret_id"] not in html  # secrets are never sent back


def test_the_page_offers_the_test_and_a_row_to_add(client_as, owner, integration):
    html = client_as(owner).get(f"/integrations/{integration.pk}/targets/new/").content.decode()
    assert f'hx-post="{connection_url(integration)}"' in html and "Test connection" in html
    assert '<template id="mount-row-template">' in html
    assert 'name="mounts-__prefix__-path"' in html and "(mount __number__)" in html
    assert 'id="add-mount"' in html
    assert "<script>" not in html


def test_an_added_row_is_saved_like_the_others(client_as, owner, integration, bao, namespace):
    """What static/js/target_form.js sends after "Add mount": one more numbered row."""
    body = runtime_app(bao, namespace)
    data = form_data(body, **{"mounts-TOTAL_FORMS": "3"})
    data.update({"mounts-2-path": "apps-transit", "mounts-2-type": "transit", "mounts-2-key": "k"})
    assert (
        client_as(owner).post(f"/integrations/{integration.pk}/targets/new/", data).status_code
        == 302
    )
    assert [m["path"] for m in VerificationTarget.objects.get().secret_mounts] == [
        "apps-kv",
        "apps-transit",
    ]


def test_the_plan_can_be_limited_to_some_checks():
    ctx = RunContext(run_id=0, category="runtime", kind="openbao", url="http://127.0.0.1:1")
    everything = [check.id for check, _ in plan(ctx)]
    assert "auth.least_privilege" in everything
    only = [check.id for check, _ in plan(ctx, only={"auth.login", "server.health"})]
    # With what they need: the server as the platform declared, and no login in clear.
    assert only == ["server.health", "server.edition", "server.tls", "auth.login", "token.revoke"]


def test_the_service_refuses_strangers(outsider, integration, bao):
    from config.errors import DomainError

    with pytest.raises(DomainError):
        services.target_test_connection(
            integration=integration, actor=outsider, data=runtime_app(bao)
        )
    assert not ConnectionTest.objects.exists()


@pytest.mark.parametrize("target", ["abc", "99999999999999999999999", ""])
def test_a_bad_target_id_is_ignored(client_as, owner, integration, bao, target):
    response = client_as(owner).post(
        connection_url(integration), form_data(runtime_app(bao), target=target)
    )
    assert response.status_code == 200
