"""A partner's public support contact (DESIGN.md §7): recorded by its owners, shown in the
directory, and needed for review → release."""

import pytest
from django.utils import timezone

from config.errors import DomainError
from integrations.models import Stage
from pipeline.services import integration_transition
from tests.factories import IntegrationFactory, ReviewRoundFactory, VerificationRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(partner):
    """An integration in review with everything release needs but the support contact."""
    partner.agreement_executed_at = timezone.now().date()
    partner.support_url = partner.support_email = ""
    partner.save()
    integration = IntegrationFactory(
        partner=partner, stage=Stage.REVIEW, demo_done_at=timezone.now().date()
    )
    VerificationRunFactory(target__integration=integration, status="passed")
    ReviewRoundFactory(integration=integration, status="approved")
    return integration


def test_release_needs_a_support_contact(ready, reviewer):
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=ready, to=Stage.RELEASE, actor=reviewer)
    assert [(u.code, u.message) for u in caught.value.unmet] == [
        (
            "support_contact_missing",
            "Record the partner's public support contact (a support page or e-mail address).",
        )
    ]
    ready.partner.support_email = "support@acme.example"  # an e-mail address is enough
    ready.partner.save()
    integration_transition(integration=ready, to=Stage.RELEASE, actor=reviewer)
    assert ready.stage == Stage.RELEASE


def test_the_release_move_shows_the_unmet_contact_on_the_integration_page(
    ready, client_as, reviewer
):
    html = client_as(reviewer).get(f"/integrations/{ready.pk}/").content.decode()
    assert "public support contact" in html


def test_owners_record_the_contact_through_the_api_and_the_page(api, client_as, owner, partner):
    url = f"/api/v1/partners/{partner.slug}/"
    bad = api.as_user(owner).patch(url, {"support_email": "not an address"}, format="json")
    assert bad.status_code == 400 and "support_email" in bad.json()["errors"]
    body = {"support_url": "https://acme.example/help", "support_email": "help@acme.example"}
    response = api.patch(url, body, format="json")
    assert response.status_code == 200
    assert {key: response.json()[key] for key in body} == body
    client = client_as(owner)
    page = client.get(f"/partners/{partner.slug}/").content.decode()
    assert 'name="support_url"' in page and 'name="support_email"' in page


def test_the_directory_shows_the_support_contact(client, partner):
    partner.support_url = "https://acme.example/help"
    partner.support_email = "help@acme.example"
    partner.save()
    IntegrationFactory(partner=partner, name="Acme KMS", stage=Stage.SUPPORT)
    for path in ("/directory/", f"/directory/{partner.slug}/"):
        html = client.get(path).content.decode()
        assert 'href="https://acme.example/help"' in html, path
        assert 'href="mailto:help@acme.example"' in html, path
