"""No page answers a bare htmx fragment when opened directly: a fragment URL opened without
htmx sends the browser to the full page it is part of; htmx still gets the fragment. The
confirmations answer htmx with a dialog and a browser with a whole page."""

import pytest

from integrations.models import Stage
from tests.factories import IntegrationFactory, VerificationRunFactory

pytestmark = pytest.mark.django_db


def test_the_review_rounds_fragment_opened_directly_is_the_integration_page(
    client_as, owner, partner
):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    client = client_as(owner)
    response = client.get(f"/integrations/{integration.pk}/reviews/")
    assert response.status_code == 302
    assert response["Location"] == f"/integrations/{integration.pk}/#review-rounds"
    fragment = client.get(f"/integrations/{integration.pk}/reviews/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200 and 'id="review-rounds"' in html
    assert "<!DOCTYPE html>" not in html


def test_the_run_progress_fragment_opened_directly_is_the_run_page(client_as, owner, partner):
    run = VerificationRunFactory(target__integration__partner=partner)
    client = client_as(owner)
    response = client.get(f"/verifications/{run.pk}/progress/")
    assert response.status_code == 302
    assert response["Location"] == f"/verifications/{run.pk}/"
    fragment = client.get(f"/verifications/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'id="run-progress"' in fragment.content.decode()
    assert "<!DOCTYPE html>" not in fragment.content.decode()


def test_fragments_stay_private(client_as, outsider, partner):
    run = VerificationRunFactory(target__integration__partner=partner)
    client = client_as(outsider)
    assert client.get(f"/verifications/{run.pk}/progress/").status_code == 404
    assert client.get(f"/integrations/{run.integration_id}/reviews/").status_code == 404


def test_a_confirmation_opened_directly_is_a_whole_page(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    url = f"/integrations/{integration.pk}/transition/?to=withdrawn"
    page = client_as(owner).get(url).content.decode()
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    dialog = client_as(owner).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert not dialog.lstrip().startswith("<!DOCTYPE") and 'class="modal fade"' in dialog
