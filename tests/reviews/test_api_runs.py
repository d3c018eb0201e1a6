"""/api/v1/integrations/<id>/verifications/, /api/v1/verifications/<id>/ and cancel."""

import pytest

from reviews import services
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(bao, namespace, integration, owner):
    return services.target_create(
        integration=integration, actor=owner, data=runtime_app(bao, namespace)
    )


def runs_url(integration):
    return f"/api/v1/integrations/{integration.pk}/verifications/"


def test_a_run_is_accepted_and_its_detail_has_every_check(
    api, owner, integration, target, django_capture_on_commit_callbacks
):
    api.as_user(owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(runs_url(integration), {"target": target.pk}, format="json")
    assert response.status_code == 202
    queued = response.json()
    assert (queued["status"], queued["target"], queued["checks"]) == ("queued", target.pk, [])
    for callback in callbacks:
        callback()
    detail = api.get(f"/api/v1/verifications/{queued['id']}/").json()
    assert detail["status"] == "passed"
    assert detail["detected"] == {"version": "2.7.2", "edition": "openbao"}
    assert detail["checks"][0] == {
        "id": "server.health",
        "title": "Server reachable, initialised and unsealed",
        "status": "passed",
        "required": True,
        "waived": False,
        "waiver": None,
        "subject": "",
        "message": detail["checks"][0]["message"],
        "duration_ms": detail["checks"][0]["duration_ms"],
        "details": detail["checks"][0]["details"],
    }
    assert {"id": "secrets.kv-v2", "subject": "apps-kv"}.items() <= next(
        c for c in detail["checks"] if c["id"] == "secrets.kv-v2"
    ).items()
    listed = api.get(runs_url(integration)).json()
    assert listed["count"] == 1 and listed["results"][0]["status"] == "passed"


def test_a_second_request_while_one_is_open_is_a_conflict(api, owner, integration, target):
    api.as_user(owner)
    assert api.post(runs_url(integration), {"target": target.pk}, format="json").status_code == 202
    response = api.post(runs_url(integration), {"target": target.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "run_open")


def test_cancel(api, owner, integration, target):
    api.as_user(owner)
    run = api.post(runs_url(integration), {"target": target.pk}, format="json").json()
    response = api.post(f"/api/v1/verifications/{run['id']}/cancel/")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    again = api.post(f"/api/v1/verifications/{run['id']}/cancel/")
    assert (again.status_code, again.json()["code"]) == (409, "run_finished")


@pytest.mark.parametrize("body", [{}, {"target": "x"}, {"target": 999999}])
def test_a_bad_target_is_a_field_error(api, owner, integration, target, body):
    response = api.as_user(owner).post(runs_url(integration), body, format="json")
    assert response.status_code == 400
    assert "target" in response.json()["errors"]


def test_another_integrations_target_is_refused(api, owner, partner, target):
    from tests.factories import IntegrationFactory

    other = IntegrationFactory(partner=partner)
    response = api.as_user(owner).post(runs_url(other), {"target": target.pk}, format="json")
    assert response.status_code == 400


def test_outsiders_get_404(api, owner, outsider, integration, target):
    run = (
        api.as_user(owner).post(runs_url(integration), {"target": target.pk}, format="json").json()
    )
    api.as_user(outsider)
    assert api.get(runs_url(integration)).status_code == 404
    assert api.post(runs_url(integration), {"target": target.pk}, format="json").status_code == 404
    assert api.get(f"/api/v1/verifications/{run['id']}/").status_code == 404
    assert api.post(f"/api/v1/verifications/{run['id']}/cancel/").status_code == 404


def test_staff_run_any_integrations_target(api, reviewer, integration, target):
    response = api.as_user(reviewer).post(
        runs_url(integration), {"target": target.pk}, format="json"
    )
    assert response.status_code == 202
