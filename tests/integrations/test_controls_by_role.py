"""Controls a role cannot use are not shown: each page shows what the viewer can do, and says
"waiting for the program team" where a step is the program team's. The server still refuses
what the page no longer shows."""

import pytest

from integrations.models import Stage
from support_sla import services as support_services
from support_sla.models import SupportIssue
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


def test_a_partner_sees_the_program_teams_step_as_waiting(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENGAGE)
    html = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "<strong>Accept the intake</strong>" in html
    assert "waiting for the program team" in html
    assert 'value="enable"' not in html  # no button for it, not even a disabled one
    assert "disabled" not in html.split('id="moves-heading"')[1].split("</section>")[0]
    assert 'value="rejected"' not in html  # the program's own decisions are not shown at all
    assert "Only program staff can make this move" not in html
    dashboard = client_as(owner).get("/dashboard/").content.decode()
    assert "waiting for the program team" in dashboard


def test_the_refused_moves_stay_refused(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENGAGE)
    action = f"/integrations/{integration.pk}/transition/"
    for to, note in (("enable", ""), ("rejected", "No.")):
        client_as(owner).post(action, {"to": to, "note": note})
        integration.refresh_from_db()
        assert integration.stage == Stage.ENGAGE


def test_a_member_does_not_see_withdraw_an_owner_does(client_as, owner, member, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    assert 'value="withdrawn"' in (
        client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    )
    assert 'value="withdrawn"' not in (
        client_as(member).get(f"/integrations/{integration.pk}/").content.decode()
    )


def test_staff_see_their_moves_and_no_waiting(client_as, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENGAGE)
    html = client_as(reviewer).get(f"/integrations/{integration.pk}/").content.decode()
    assert 'value="enable"' in html and 'value="rejected"' in html
    assert "waiting for the program team" not in html


@pytest.fixture
def supported(partner):
    return IntegrationFactory(partner=partner, stage=Stage.SUPPORT)


def open_issue(integration, actor, severity):
    return support_services.issue_open(
        integration=integration,
        actor=actor,
        data={"title": "Down", "description": "It is down.", "severity": severity},
    )


def test_a_partner_sees_no_severity_change_it_cannot_make(client_as, owner, supported):
    critical = open_issue(supported, owner, "critical")
    client = client_as(owner)
    html = client.get(f"/support/issues/{critical.pk}/").content.decode()
    assert f"/support/issues/{critical.pk}/severity/" not in html
    assert "Only program staff can make a critical issue normal." in html
    assert client.post(
        f"/support/issues/{critical.pk}/severity/", {"severity": "normal"}
    ).status_code in (302, 403)
    critical.refresh_from_db()
    assert critical.severity == "critical"


def test_a_partner_may_raise_a_normal_issue_to_critical(client_as, owner, supported):
    normal = open_issue(supported, owner, "normal")
    html = client_as(owner).get(f"/support/issues/{normal.pk}/").content.decode()
    form = html.split(f'action="/support/issues/{normal.pk}/severity/"')[1].split("</form>")[0]
    assert '<option value="critical">Critical</option>' in form
    assert 'value="normal"' not in form  # its own severity is no choice


def test_staff_may_lower_a_critical_issue(client_as, reviewer, owner, supported):
    critical = open_issue(supported, owner, "critical")
    html = client_as(reviewer).get(f"/support/issues/{critical.pk}/").content.decode()
    assert '<option value="normal">Normal</option>' in html
    client_as(reviewer).post(f"/support/issues/{critical.pk}/severity/", {"severity": "normal"})
    critical.refresh_from_db()
    assert critical.severity == "normal"


def test_no_issue_form_before_the_integration_is_released(client_as, owner, partner):
    developing = IntegrationFactory(partner=partner, stage=Stage.DEVELOP, name="Acme Early")
    client = client_as(owner)
    page = client.get(f"/integrations/{developing.pk}/").content.decode()
    assert f"/integrations/{developing.pk}/support/new/" not in page
    html = client.get(f"/integrations/{developing.pk}/support/new/").content.decode()
    assert "Support issues are opened once an integration is released." in html
    assert 'name="title"' not in html
    client.post(
        f"/integrations/{developing.pk}/support/new/",
        {"title": "x", "description": "y", "severity": "normal"},
    )
    assert not SupportIssue.objects.exists()


def test_the_issue_form_is_there_once_released(client_as, owner, supported):
    html = client_as(owner).get(f"/integrations/{supported.pk}/support/new/").content.decode()
    assert 'name="title"' in html
