"""A partner's support settings follow one rule at every door (the partner page, the intake,
the API, the admin, the services): the country is an ISO 3166 alpha-2 code stored in capitals
("de" is "DE"), the subdivision one of that country's, the time zone a real IANA zone."""

import pytest
from django.core.exceptions import ValidationError

from config.errors import DomainError
from integrations.models import Partner
from pipeline import services

pytestmark = pytest.mark.django_db

PARTNERS = "/api/v1/partners/"


def page_form(partner: Partner, **changes) -> dict:
    """The partner page's form as the browser sends it, with `changes`."""
    return {
        "name": partner.name,
        "website": partner.website,
        "support_url": partner.support_url or "https://acme.example/support",
        "support_email": partner.support_email,
        "support_timezone": partner.support_timezone,
        "support_country": partner.support_country,
        "support_subdivision": partner.support_subdivision,
        **changes,
    }


def stored(partner: Partner) -> tuple[str, str, str]:
    partner.refresh_from_db()
    return partner.support_timezone, partner.support_country, partner.support_subdivision


# --- A lower-case country is the same country everywhere ---------------------------------------


def test_the_page_stores_a_lower_case_country_in_capitals(client_as, owner, partner):
    url = f"/partners/{partner.slug}/"
    response = client_as(owner).post(
        url, page_form(partner, support_country="de", support_subdivision="by")
    )
    assert response.status_code == 302, response.context["form"].errors
    assert stored(partner)[1:] == ("DE", "BY")


def test_the_api_accepts_a_lower_case_country_and_stores_it_in_capitals(api, owner, partner):
    url = f"{PARTNERS}{partner.slug}/"
    response = api.as_user(owner).patch(
        url, {"support_country": "de", "support_subdivision": "by"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["support_country"], response.json()["support_subdivision"]) == (
        "DE",
        "BY",
    )
    assert stored(partner)[1:] == ("DE", "BY")


def test_a_partner_created_through_the_api_with_a_lower_case_country(api, outsider):
    body = {"name": "Initech", "support_country": "de", "support_timezone": "Europe/Berlin"}
    response = api.as_user(outsider).post(PARTNERS, body, format="json")
    assert response.status_code == 201, response.json()
    assert Partner.objects.get(slug="initech").support_country == "DE"


# --- A subdivision of another country is refused everywhere ------------------------------------


def test_the_page_refuses_a_subdivision_of_another_country(client_as, owner, partner):
    url = f"/partners/{partner.slug}/"
    before = stored(partner)
    response = client_as(owner).post(
        url, page_form(partner, support_country="DE", support_subdivision="TX")
    )
    assert response.status_code == 200
    assert "support_subdivision" in response.context["form"].errors
    assert stored(partner) == before


def test_the_api_refuses_a_subdivision_of_another_country(api, owner, partner):
    url = f"{PARTNERS}{partner.slug}/"
    before = stored(partner)
    response = api.as_user(owner).patch(
        url, {"support_country": "de", "support_subdivision": "tx"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["support_subdivision"]
    assert stored(partner) == before


def test_a_new_country_is_checked_with_the_subdivision_already_stored(api, owner, partner):
    """Changing the country alone cannot leave the partner with another country's region."""
    services.partner_update(
        partner=partner,
        actor=owner,
        data={"support_country": "US", "support_subdivision": "TX"},
    )
    response = api.as_user(owner).patch(
        f"{PARTNERS}{partner.slug}/", {"support_country": "DE"}, format="json"
    )
    assert response.status_code == 400
    assert "support_subdivision" in response.json()["errors"]
    assert stored(partner)[1:] == ("US", "TX")


# --- A time zone that does not exist is refused everywhere -------------------------------------


def test_the_page_refuses_a_time_zone_that_does_not_exist(client_as, owner, partner):
    before = stored(partner)
    response = client_as(owner).post(
        f"/partners/{partner.slug}/", page_form(partner, support_timezone="Mars/Olympus")
    )
    assert response.status_code == 200
    assert "support_timezone" in response.context["form"].errors
    assert stored(partner) == before


def test_the_api_refuses_a_time_zone_that_does_not_exist(api, owner, partner):
    before = stored(partner)
    response = api.as_user(owner).patch(
        f"{PARTNERS}{partner.slug}/", {"support_timezone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["errors"])) == ("invalid", ["support_timezone"])
    assert "Mars/Olympus" in body["message"]
    assert stored(partner) == before


def test_the_services_refuse_a_time_zone_that_does_not_exist(owner, partner):
    """The door behind every door: a caller that skips the forms and the serializer."""
    before = stored(partner)
    with pytest.raises(DomainError) as refused:
        services.partner_update(
            partner=partner, actor=owner, data={"support_timezone": "Mars/Olympus"}
        )
    assert (refused.value.status, list(refused.value.errors)) == (400, ["support_timezone"])
    assert stored(partner) == before
    with pytest.raises(DomainError):
        services.partner_create(owner=owner, name="Olympus Ltd", support_timezone="Mars/Olympus")
    assert not Partner.objects.filter(name="Olympus Ltd").exists()


def test_the_admin_follows_the_same_rule(partner):
    """The admin's change form validates with Partner.full_clean."""
    partner.support_country, partner.support_subdivision = "de", "by"
    partner.full_clean()
    assert (partner.support_country, partner.support_subdivision) == ("DE", "BY")
    partner.support_timezone = "Mars/Olympus"
    partner.support_subdivision = "TX"
    with pytest.raises(ValidationError) as refused:
        partner.full_clean()
    assert set(refused.value.message_dict) == {"support_timezone", "support_subdivision"}
