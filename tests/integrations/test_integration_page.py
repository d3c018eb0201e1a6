"""/integrations/<id>/ and /dashboard/: timeline, checklist, moves with their unmet guards,
staff records, and stage changes from the page."""

import re

import pytest
from django.utils import timezone

from integrations.models import Stage
from pipeline.services import integration_transition
from tests.factories import IntegrationFactory, VerificationRunFactory

pytestmark = pytest.mark.django_db


def test_the_page_shows_timeline_checklist_and_blocked_moves(client_as, owner, partner, reviewer):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENABLE, docs_url="")
    integration_transition(integration=integration, to=Stage.DEVELOP, actor=owner, note="Go!")
    html = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "Go!" in html and owner.email in html  # history
    assert "Intake webform filled in" in html  # checklist
    assert "Submit for review" in html
    assert "Add the URL of the integration" in html  # the unmet guard, before pressing
    assert "disabled" in html


def test_staff_see_the_moves_they_can_make_with_reasons(client_as, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    html = client_as(reviewer).get(f"/integrations/{integration.pk}/").content.decode()
    assert "Release" in html
    assert "Record that the integration was demonstrated." in html
    assert "Back to development" in html
    assert "Program records" in html


def test_partners_do_not_see_staff_records(client_as, owner, integration):
    html = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "Program records" not in html


def test_staff_move_an_integration_from_the_page(client_as, reviewer, integration):
    response = client_as(reviewer).post(
        f"/integrations/{integration.pk}/transition/",
        {"to": "enable", "note": "Welcome"},
        follow=True,
    )
    assert response.status_code == 200
    integration.refresh_from_db()
    assert integration.stage == Stage.ENABLE
    assert "moved to Enable" in response.content.decode()


def test_a_blocked_move_shows_why(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    response = client_as(owner).post(
        f"/integrations/{integration.pk}/transition/", {"to": "review"}, follow=True
    )
    html = response.content.decode()
    assert "cannot move to Review yet" in html
    assert "Run a verification against your target at least once." in html
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP


def test_a_partner_cannot_make_a_staff_move_from_the_page(client_as, owner, integration):
    response = client_as(owner).post(
        f"/integrations/{integration.pk}/transition/", {"to": "enable"}, follow=True
    )
    assert "Your role cannot move" in response.content.decode()
    integration.refresh_from_db()
    assert integration.stage == Stage.ENGAGE


def test_another_partner_cannot_post_a_move(client_as, outsider, integration):
    response = client_as(outsider).post(
        f"/integrations/{integration.pk}/transition/", {"to": "withdrawn"}
    )
    assert response.status_code == 404


def test_the_move_goes_back_to_a_safe_next_page_only(client_as, reviewer, integration):
    client = client_as(reviewer)
    response = client.post(
        f"/integrations/{integration.pk}/transition/",
        {"to": "enable", "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/integrations/{integration.pk}/"


def test_staff_record_demo_mnda_and_agreement(client_as, admin, integration):
    today = timezone.now().date().isoformat()
    response = client_as(admin).post(
        f"/integrations/{integration.pk}/records/",
        {"demo_done_at": today, "mnda_signed_at": today, "agreement_executed_at": today},
    )
    assert response.status_code == 302
    integration.refresh_from_db()
    integration.partner.refresh_from_db()
    assert str(integration.demo_done_at) == today
    assert str(integration.partner.agreement_executed_at) == today


def test_partners_cannot_post_records(client_as, owner, integration):
    response = client_as(owner).post(
        f"/integrations/{integration.pk}/records/", {"demo_done_at": "2026-01-01"}
    )
    assert response.status_code == 403
    integration.refresh_from_db()
    assert integration.demo_done_at is None


def test_staff_acknowledge_overlaps_from_the_page(client_as, reviewer, owner, partner):
    existing = IntegrationFactory(partner=partner, name="Alpha")
    integration = IntegrationFactory(partner=partner, name="Alpha Two")
    integration.overlaps.create(similar=existing, score=0.8)
    url = f"/integrations/{integration.pk}/overlaps/acknowledge/"
    assert client_as(owner).post(url).status_code == 403
    assert client_as(reviewer).post(url).status_code == 302
    integration.refresh_from_db()
    assert integration.overlaps_acknowledged_at is not None


def test_partner_edits_intake_answers(client_as, member, integration):
    response = client_as(member).post(
        f"/integrations/{integration.pk}/edit/",
        {
            "name": integration.name,
            "category": "runtime",
            "summary": "A better summary.",
            "description": integration.description,
            "vault_editions": ["hcp_vault"],
            "auth_methods": ["approle"],
            "contact_email": "dev@acme.example",
        },
    )
    assert response.status_code == 302
    integration.refresh_from_db()
    assert (integration.summary, integration.vault_editions) == ("A better summary.", ["hcp_vault"])


# --- Dashboard -------------------------------------------------------------------------------


def test_dashboard_shows_progress_checklist_and_next_step(client_as, owner, partner, other_partner):
    mine = IntegrationFactory(partner=partner, stage=Stage.DEVELOP, name="Mine")
    VerificationRunFactory(target__integration=mine)
    IntegrationFactory(partner=other_partner, name="Not mine")
    html = client_as(owner).get("/dashboard/").content.decode()
    assert "Mine" in html and "Not mine" not in html
    assert 'aria-current="step"' in html
    assert "Checklist" in html
    assert "Submit for review" in html  # the next step, ready to press


def test_dashboard_empty_state_points_to_the_intake(client_as, outsider):
    html = client_as(outsider).get("/dashboard/").content.decode()
    assert "You have no integrations yet." in html
    assert 'href="/engage/"' in html


def test_dashboard_for_staff_lists_what_is_assigned(client_as, reviewer, partner):
    IntegrationFactory(partner=partner, name="Assigned", assignee=reviewer)
    IntegrationFactory(partner=partner, name="Someone else's")
    html = client_as(reviewer).get("/dashboard/").content.decode()
    assert "Assigned" in html and "Someone else" not in html


def test_invalid_staff_records_show_inline_errors_and_keep_the_input(client_as, admin, integration):
    response = client_as(admin).post(
        f"/integrations/{integration.pk}/records/",
        {"demo_done_at": "not a date", "plugin_portal_url": "https://portal.example/p"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert response["HX-Push-Url"] == f"/integrations/{integration.pk}/"
    html = response.content.decode()
    field = re.search(r'<input[^>]+name="demo_done_at"[^>]*>', html).group(0)
    assert "is-invalid" in field and 'aria-invalid="true"' in field
    assert 'value="not a date"' in field
    assert '<div class="invalid-feedback d-block">Enter a valid date.</div>' in html
    assert 'value="https://portal.example/p"' in html
    integration.refresh_from_db()
    assert integration.demo_done_at is None


# --- Overlaps: scored at intake and when staff ask; others' unreleased work only counted ----


def test_partners_see_others_unreleased_overlaps_only_as_a_count(
    client_as, owner, partner, other_partner
):
    secret = IntegrationFactory(partner=other_partner, name="Runtime Connector Nebula")
    released = IntegrationFactory(partner=other_partner, name="Public Bridge", stage="support")
    integration = IntegrationFactory(partner=partner)
    integration.overlaps.create(similar=secret, score=0.87)
    integration.overlaps.create(similar=released, score=0.66)
    page = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "Public Bridge" in page and "66%" in page
    assert "1 unreleased integration by other partners looks similar" in page
    assert "Nebula" not in page and "87%" not in page
    assert "Re-check overlaps" not in page


def test_staff_re_check_overlaps_and_new_ones_need_acknowledging(
    client_as, reviewer, owner, partner, other_partner
):
    integration = IntegrationFactory(partner=partner, name="Quantum Ledger Bridge")
    integration.overlaps_acknowledged_at = timezone.now()
    integration.save()
    IntegrationFactory(partner=other_partner, name="Quantum Ledger Bridge Operator")
    url = f"/integrations/{integration.pk}/overlaps/recheck/"
    assert client_as(owner).post(url).status_code == 403
    assert not integration.overlaps.exists()
    client = client_as(reviewer)
    assert "Re-check overlaps" in client.get(f"/integrations/{integration.pk}/").content.decode()
    response = client.post(url, follow=True)
    assert "1 possible overlap found" in response.content.decode()
    assert integration.overlaps.count() == 1
    integration.refresh_from_db()
    assert integration.overlaps_acknowledged_at is None


def test_editing_the_intake_page_does_not_score_overlaps(client_as, owner, partner, other_partner):
    IntegrationFactory(partner=other_partner, name="Runtime Connector Nebula")
    integration = IntegrationFactory(partner=partner, name="Something Else Entirely")
    form = {
        "name": "Runtime Connector Nebula",
        "category": integration.category,
        "summary": integration.summary,
        "description": "Runtime Connector Nebula",
        "vault_editions": integration.vault_editions,
        "auth_methods": integration.auth_methods,
        "namespace_support": "on",
        "repository_url": integration.repository_url,
        "docs_url": integration.docs_url,
        "contact_email": integration.contact_email,
    }
    response = client_as(owner).post(f"/integrations/{integration.pk}/edit/", form)
    assert response.status_code == 302
    assert not integration.overlaps.exists()
    page = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "No similar existing integration was found." in page
