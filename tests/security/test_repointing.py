"""Write-only credentials stay write-only (issue 15, §2): repointing a target (its kind, address
or namespace) drops the stored credentials and inspector token unless new ones come in the same
request, so nobody can send a partner's secrets to a server of their choosing; and program staff
cannot repoint a partner's target at all."""

import pytest

from reviews import program_vault, services
from reviews.models import VerificationTarget
from tests.reviews.conftest import checks
from tests.vault import runtime_app, target_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners_target(bao, namespace, integration, owner):
    body = {**runtime_app(bao, namespace), "inspector_token": "s.inspector-of-the-owner"}
    return services.target_create(integration=integration, actor=owner, data=body)


def detail(target) -> str:
    return f"/api/v1/targets/{target.pk}/"


ELSEWHERE = [
    {"url": "http://127.0.0.1:9"},  # the member's own server
    {"kind": "vault_community"},
    {"namespace": "admin/elsewhere"},
]


@pytest.mark.parametrize("change", ELSEWHERE)
@pytest.mark.parametrize("who", ["owner", "member"])
def test_repointing_drops_the_stored_secrets(api, people, owners_target, change, who):
    response = api.as_user(people[who]).patch(detail(owners_target), change, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["auth"]["credentials_set"] is False
    assert response.json()["inspector_set"] is False
    owners_target.refresh_from_db()
    assert owners_target.credentials_ciphertext == owners_target.inspector_ciphertext == ""


def test_the_next_run_sends_nothing_to_the_new_address(api, member, owners_target, owner, rerun):
    api.as_user(member).patch(detail(owners_target), {"url": "http://127.0.0.1:9"}, format="json")
    owners_target.refresh_from_db()
    from config.errors import DomainError

    with pytest.raises(DomainError) as refused:
        rerun(owners_target, member)
    assert refused.value.code == "no_credentials"


def test_new_secrets_in_the_same_request_are_kept(api, member, owners_target, bao, namespace):
    fresh = runtime_app(bao, namespace)
    body = {"namespace": namespace, "url": bao.url, "auth": fresh["auth"], "name": "moved"}
    body["kind"] = "openbao"
    body["url"] = f"http://localhost:{bao.port}"
    response = api.as_user(member).patch(detail(owners_target), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["auth"]["credentials_set"] is True
    assert response.json()["inspector_set"] is False  # not given again: dropped
    owners_target.refresh_from_db()
    stored = program_vault.decrypt(owners_target.credentials_ciphertext)
    assert stored["secret_id"] == fresh["auth"]["secret_id"]


def test_a_change_that_does_not_repoint_keeps_the_secrets(api, member, owners_target):
    response = api.as_user(member).patch(detail(owners_target), {"name": "renamed"}, format="json")
    assert response.json()["auth"]["credentials_set"] is True
    assert response.json()["inspector_set"] is True


@pytest.mark.parametrize("who", ["reviewer", "admin"])
@pytest.mark.parametrize("change", ELSEWHERE)
def test_staff_cannot_repoint_a_partners_target(api, people, owners_target, who, change):
    response = api.as_user(people[who]).patch(detail(owners_target), change, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "repoint_forbidden")
    owners_target.refresh_from_db()
    assert owners_target.credentials_set and owners_target.inspector_set
    renamed = api.patch(detail(owners_target), {"name": "staff may rename"}, format="json")
    assert renamed.status_code == 200


def test_the_page_drops_them_too_and_says_so(client_as, member, owners_target, bao):
    body = runtime_app(bao)
    form = target_form(
        body, name="moved", url="http://127.0.0.1:9", namespace="", role_id="", secret_id=""
    )
    response = client_as(member).post(f"/targets/{owners_target.pk}/edit/", form, follow=True)
    assert "stored credentials and inspector token were dropped" in response.content.decode()
    owners_target.refresh_from_db()
    assert not owners_target.credentials_set and not owners_target.inspector_set


def test_staff_cannot_repoint_from_the_page(client_as, reviewer, owners_target, bao):
    form = target_form(runtime_app(bao), url="http://127.0.0.1:9", role_id="", secret_id="")
    response = client_as(reviewer).post(f"/targets/{owners_target.pk}/edit/", form, follow=True)
    assert "own people can change where a target points" in response.content.decode()
    owners_target.refresh_from_db()
    assert owners_target.url != "http://127.0.0.1:9" and owners_target.credentials_set


def test_a_repointed_target_that_gets_new_secrets_verifies(
    api, owner, owners_target, bao, namespace, rerun
):
    fresh = runtime_app(bao, namespace)
    api.as_user(owner).patch(
        detail(owners_target),
        {"url": f"http://localhost:{bao.port}", "auth": fresh["auth"]},
        format="json",
    )
    owners_target.refresh_from_db()
    run = rerun(owners_target, owner)
    assert run.status == "passed", {k: r.message for k, r in checks(run).items()}
    assert VerificationTarget.objects.get(pk=owners_target.pk).url.startswith("http://localhost")
