"""/partners/<slug>/: the partner's integrations are paginated and searchable."""

import pytest

from pipeline.views import PARTNER_PAGE_SIZE
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [integration.name for integration in response.context["integrations"]]


def test_the_integrations_are_paginated_and_searchable(client_as, owner, partner):
    for n in range(PARTNER_PAGE_SIZE + 2):
        IntegrationFactory(partner=partner, name=f"Connector {n:02d}")
    IntegrationFactory(partner=partner, name="Audit Stream")
    client = client_as(owner)
    url = f"/partners/{partner.slug}/"
    first = client.get(url)
    assert len(names(first)) == PARTNER_PAGE_SIZE
    assert names(first)[0] == "Audit Stream"  # by name
    assert len(names(client.get(url, {"page": 2}))) == 3
    found = client.get(url, {"q": "audit"})
    assert names(found) == ["Audit Stream"]
    html = found.content.decode()
    assert 'value="audit"' in html and 'for="partner-q"' in html


def test_searching_without_results_offers_the_whole_list(client_as, owner, partner):
    IntegrationFactory.create_batch(6, partner=partner)
    html = client_as(owner).get(f"/partners/{partner.slug}/", {"q": "zzz"}).content.decode()
    assert "No integration matches “zzz”." in html


def test_a_partner_without_integrations_is_told_how_to_add_one(client_as, owner, partner):
    html = client_as(owner).get(f"/partners/{partner.slug}/").content.decode()
    assert "describe one with the intake webform" in html


def test_the_outsider_cannot_see_the_partner_page(client_as, outsider, partner):
    assert client_as(outsider).get(f"/partners/{partner.slug}/", {"q": "x"}).status_code == 404
