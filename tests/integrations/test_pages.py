"""Every HTML page for every role: anonymous, owner, member, another partner, reviewer, admin."""

import pytest

from integrations.models import Stage
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "member", "outsider", "reviewer", "admin"]
LOGIN = 302  # anonymous visitors are sent to the sign-in page

# path template → expected status per role (in ROLES order)
PAGES = {
    "/": [200, 302, 302, 302, 302, 302],
    "/engage/": [LOGIN, 200, 200, 200, 200, 200],
    "/dashboard/": [LOGIN, 200, 200, 200, 200, 200],
    "/integrations/{id}/": [LOGIN, 200, 200, 404, 200, 200],
    "/integrations/{id}/edit/": [LOGIN, 200, 200, 404, 200, 200],
    "/partners/{slug}/": [LOGIN, 200, 200, 404, 200, 200],
    "/integrations/{id}/targets/new/": [LOGIN, 200, 200, 404, 200, 200],
    "/review/board/": [LOGIN, 403, 403, 403, 200, 200],
    "/review/board/?stage=develop": [LOGIN, 403, 403, 403, 200, 200],
    "/directory/": [200, 200, 200, 200, 200, 200],
    "/directory/{slug}/": [200, 200, 200, 200, 200, 200],
    "/accounts/profile/": [LOGIN, 200, 200, 200, 200, 200],
    "/accounts/login/": [200, 302, 302, 302, 302, 302],
    "/accounts/signup/": [200, 302, 302, 302, 302, 302],
    "/admin/": [302, 302, 302, 302, 302, 200],
    "/api/docs/": [200, 200, 200, 200, 200, 200],
    "/healthz": [200, 200, 200, 200, 200, 200],
}
CASES = [
    (path, role, expected)
    for path, statuses in PAGES.items()
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("path", "role", "expected"), CASES)
def test_page_status_by_role(client_as, people, partner, path, role, expected):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    IntegrationFactory(partner=partner, stage=Stage.SUPPORT, name="Listed Thing")
    url = path.format(id=integration.pk, slug=partner.slug)
    response = client_as(people[role]).get(url)
    assert response.status_code == expected
    if expected == LOGIN and role == "anonymous" and path != "/admin/":
        assert response["Location"].startswith("/accounts/login/")


def test_unknown_objects_are_404(client_as, owner, reviewer):
    client = client_as(reviewer)
    assert client.get("/integrations/999999/").status_code == 404
    assert client.get("/partners/nobody/").status_code == 404
    assert client.get("/directory/nobody/").status_code == 404


def test_directory_partner_without_listed_integrations_is_404(client, partner):
    IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    assert client.get(f"/directory/{partner.slug}/").status_code == 404


def test_the_front_page_sends_people_where_they_work(client_as, owner, reviewer):
    assert client_as(owner).get("/")["Location"] == "/dashboard/"
    assert client_as(reviewer).get("/")["Location"] == "/review/board/"


def test_navigation_follows_the_role(client_as, owner, reviewer, admin):
    partner_page = client_as(owner).get("/dashboard/").content.decode()
    assert "/review/board/" not in partner_page and "/admin/" not in partner_page
    reviewer_page = client_as(reviewer).get("/dashboard/").content.decode()
    assert "/review/board/" in reviewer_page and 'href="/admin/"' not in reviewer_page
    assert 'href="/admin/"' in client_as(admin).get("/dashboard/").content.decode()


def test_out_of_range_ids_are_404_not_500(client_as, reviewer, api):
    assert client_as(reviewer).get("/integrations/99999999999999999999999/").status_code == 404
    response = api.as_user(reviewer).get("/api/v1/integrations/99999999999999999999999/")
    assert response.status_code == 404
