"""/api/v1/…/support-issues/: open, list, filter, update, comment; every role."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from support_sla import services, sweep
from support_sla.models import SupportIssue
from tests.support_sla.conftest import issue_data

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 6, 16, 8, 0, tzinfo=UTC)


def url(integration):
    return f"/api/v1/integrations/{integration.pk}/support-issues/"


def test_a_partner_opens_an_issue_with_its_clock(api, owner, supported):
    with time_machine.travel(T0, tick=False):
        response = api.as_user(owner).post(url(supported), issue_data("critical"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["severity"]) == ("open", "critical")
    assert body["opened_at"].startswith("2025-06-16T08:00")
    assert body["due_at"] == "2025-06-18T08:00:00Z"
    assert body["sla"] == {
        "remaining_seconds": 48 * 3600,
        "breached": False,
        "paused": False,
        "warned": False,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "urgent"}, "severity"),
        ({"title": ""}, "title"),
        ({"description": "x" * 20_001}, "description"),
    ],
)
def test_bad_issues_get_field_errors(api, owner, supported, body, field):
    response = api.as_user(owner).post(url(supported), {**issue_data(), **body}, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_issues_only_on_released_integrations(api, owner, integration):
    response = api.as_user(owner).post(url(integration), issue_data(), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "not_supported_stage")


def test_patch_status_and_severity(api, owner, supported):
    with time_machine.travel(T0, tick=False):
        issue = services.issue_open(integration=supported, actor=owner, data=issue_data())
    detail = f"/api/v1/support-issues/{issue.pk}/"
    api.as_user(owner)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        paused = api.patch(
            detail, {"status": "waiting_on_reporter", "comment": "Logs?"}, format="json"
        ).json()
    assert paused["sla"]["paused"] is True and paused["due_at"] is None
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        critical = api.patch(
            detail, {"status": "open", "severity": "critical"}, format="json"
        ).json()
    assert critical["due_at"] == "2025-06-18T09:00:00Z"  # 48 h + the hour paused
    bad = api.patch(detail, {"status": "closed"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (409, "invalid_status_change")
    assert api.patch(detail, {"status": "nope"}, format="json").status_code == 400


def test_comments(api, owner, reviewer, supported):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data())
    response = api.as_user(reviewer).post(
        f"/api/v1/support-issues/{issue.pk}/comments/", {"body": "Looking."}, format="json"
    )
    assert response.status_code == 201
    detail = api.get(f"/api/v1/support-issues/{issue.pk}/").json()
    assert detail["comments"][0]["body"] == "Looking."


def test_list_filters(api, owner, reviewer, supported, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        late = services.issue_open(
            integration=supported, actor=owner, data=issue_data("critical", title="late")
        )
        services.issue_open(
            integration=supported, actor=owner, data=issue_data("normal", title="fine")
        )
    with time_machine.travel(T0 + timedelta(hours=50), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            sweep.sla_sweep()
        api.as_user(reviewer)

        def titles(query):
            return [
                i["title"] for i in api.get(f"/api/v1/support-issues/?{query}").json()["results"]
            ]

        assert titles("breached=true") == ["late"]
        assert titles("breached=false") == ["fine"]
        assert titles("severity=normal") == ["fine"]
        assert titles(f"partner={supported.partner.slug}") == ["late", "fine"]
        assert titles("status=open") == ["late", "fine"]
    assert late.pk


ROLES = ["anonymous", "owner", "member", "outsider", "reviewer", "admin"]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/v1/support-issues/", [401, 200, 200, 200, 200, 200]),
        ("get", "/api/v1/integrations/{i}/support-issues/", [401, 200, 200, 404, 200, 200]),
        ("post", "/api/v1/integrations/{i}/support-issues/", [401, 201, 201, 404, 201, 201]),
        ("get", "/api/v1/support-issues/{s}/", [401, 200, 200, 404, 200, 200]),
        ("patch", "/api/v1/support-issues/{s}/", [401, 200, 200, 404, 200, 200]),
        ("post", "/api/v1/support-issues/{s}/comments/", [401, 201, 201, 404, 201, 201]),
    ],
)
def test_every_endpoint_by_role(api, people, supported, owner, method, path, expected):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data())
    bodies = {"post": {**issue_data(), "body": "x"}, "patch": {"status": "acknowledged"}}
    for role, status in zip(ROLES, expected, strict=True):
        SupportIssue.objects.filter(pk=issue.pk).update(status="open")
        client = api.as_user(people[role])
        response = getattr(client, method)(
            path.format(i=supported.pk, s=issue.pk), bodies.get(method), format="json"
        )
        assert response.status_code == status, (role, response.content)


def test_another_partner_sees_none_in_the_list(api, outsider, owner, supported):
    services.issue_open(integration=supported, actor=owner, data=issue_data())
    assert api.as_user(outsider).get("/api/v1/support-issues/").json()["count"] == 0
