"""Every integrations API endpoint for every role: who gets what status."""

import pytest

from integrations.models import Stage
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "member", "outsider", "reviewer", "admin"]

# (method, path, body) → status per role, in ROLES order. The integration belongs to the
# owner's and member's partner and sits in `engage`.
ENDPOINTS = [
    ("get", "/api/v1/me/", None, [401, 200, 200, 200, 200, 200]),
    ("get", "/api/v1/partners/", None, [401, 200, 200, 200, 200, 200]),
    ("get", "/api/v1/partners/{slug}/", None, [401, 200, 200, 404, 200, 200]),
    (
        "patch",
        "/api/v1/partners/{slug}/",
        {"website": "https://a.example"},
        [401, 200, 403, 404, 200, 200],
    ),
    ("get", "/api/v1/integrations/", None, [401, 200, 200, 200, 200, 200]),
    ("get", "/api/v1/integrations/{id}/", None, [401, 200, 200, 404, 200, 200]),
    ("patch", "/api/v1/integrations/{id}/", {"summary": "New."}, [401, 200, 200, 404, 200, 200]),
    (
        "patch",
        "/api/v1/integrations/{id}/",
        {"overlaps_acknowledged": True},
        [401, 403, 403, 404, 200, 200],
    ),
    (
        "post",
        "/api/v1/integrations/{id}/transition/",
        {"to": "enable"},
        [401, 403, 403, 404, 200, 200],
    ),
    (
        "post",
        "/api/v1/integrations/{id}/transition/",
        {"to": "withdrawn"},
        [401, 200, 403, 404, 200, 200],
    ),
    ("get", "/api/v1/integrations/{id}/history/", None, [401, 200, 200, 404, 200, 200]),
    ("delete", "/api/v1/integrations/{id}/", None, [401, 405, 405, 405, 405, 405]),
]
CASES = [
    pytest.param(method, path, body, role, expected, id=f"{method} {path} {body} {role}")
    for method, path, body, statuses in ENDPOINTS
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_status_by_role(api, people, partner, method, path, body, role, expected):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENGAGE)
    url = path.format(id=integration.pk, slug=partner.slug)
    response = getattr(api.as_user(people[role]), method)(url, body, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) >= {"message", "code"}
