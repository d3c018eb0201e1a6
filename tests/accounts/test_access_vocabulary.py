"""The one access vocabulary (accounts.access): `require` is the one refusal, a 403 with a
stable code; pages say it with the 403 page, the API with its error shape; staff-only pages
(`staff_required`) and endpoints (`IsProgramStaff`) refuse everyone else the same way; a
lookup (`<thing>_for`) is a 404 for whoever may not see the object, before any 403."""

import pytest
from django.http import Http404

from accounts.access import require
from badges.selectors import badge_for
from config.errors import DomainError
from integrations.selectors import integration_for, partner_for
from support_sla.selectors import issue_for
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


def test_require_lets_an_allowed_action_through():
    assert require(True, "never said") is None


def test_require_refuses_with_a_403_and_its_code():
    with pytest.raises(DomainError) as refused:
        require(False, "Only program staff waive checks.", code="staff_only")
    error = refused.value
    assert (error.status, error.code, error.message) == (
        403,
        "staff_only",
        "Only program staff waive checks.",
    )


def test_a_staff_page_is_the_403_page_for_a_partner(client_as, owner):
    response = client_as(owner).get("/review/queue/")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_a_staff_page_opens_for_staff(client_as, reviewer):
    assert client_as(reviewer).get("/review/queue/").status_code == 200


def test_a_staff_endpoint_refuses_a_partner_in_the_error_shape(api, owner):
    response = api.as_user(owner).get("/api/v1/program/metrics/")
    assert response.status_code == 403
    assert response.json() == {
        "message": "Program metrics are for program staff.",
        "code": "staff_only",
    }


def test_a_staff_endpoint_asks_an_anonymous_caller_to_sign_in(api):
    assert api.get("/api/v1/program/metrics/").status_code == 401


def test_a_refused_service_action_on_a_page_is_the_403_page(client_as, owner, partner):
    """A service's 403 reaches the page through config.http.refuse: the 403 page, not a
    message (re-checking overlaps is for program staff)."""
    integration = IntegrationFactory(partner=partner)
    response = client_as(owner).post(f"/integrations/{integration.pk}/overlaps/recheck/")
    assert response.status_code == 403


def test_lookups_say_whether_the_viewer_may_change_the_object(owner, member, reviewer, partner):
    integration = IntegrationFactory(partner=partner)
    assert integration_for(user=member, pk=integration.pk) == (integration, True)
    assert partner_for(user=owner, slug=partner.slug) == (partner, True)
    assert partner_for(user=member, slug=partner.slug) == (partner, False)
    assert partner_for(user=reviewer, slug=partner.slug) == (partner, True)


def test_lookups_are_a_404_for_strangers(outsider, partner):
    integration = IntegrationFactory(partner=partner)
    with pytest.raises(Http404):
        integration_for(user=outsider, pk=integration.pk)
    with pytest.raises(Http404):
        partner_for(user=outsider, slug=partner.slug)
    with pytest.raises(Http404):
        issue_for(user=outsider, pk=999_999)
    with pytest.raises(Http404):
        badge_for(user=outsider, pk=999_999)
