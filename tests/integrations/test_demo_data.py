"""`manage.py demo_data`: what `make demo` loads."""

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.roles import is_admin, is_reviewer
from badges.models import Badge, BadgeStatus, StatusReason
from badges.services import badges_refresh
from integrations.models import Integration, Partner, Stage, StageTransition

pytestmark = pytest.mark.django_db


def test_demo_data_covers_every_stage_with_history_and_prints_the_accounts(capsys):
    call_command("demo_data")
    out = capsys.readouterr().out
    assert Partner.objects.count() == 3
    assert 10 <= Integration.objects.count() <= 14
    assert set(Integration.objects.values_list("stage", flat=True)) == set(Stage.values)
    for integration in Integration.objects.all():
        stages = list(integration.history.filter(field="stage").values_list("to_stage", flat=True))
        assert stages[0] == Stage.ENGAGE and stages[-1] == integration.stage
    for email in [
        "owner@acme.example",
        "member@globex.example",
        "reviewer@vip.example",
        "admin@vip.example",
    ]:
        assert email in out
        assert User.objects.get(email=email).check_password("vip-demo-password")
    assert is_reviewer(User.objects.get(email="reviewer@vip.example"))
    assert is_admin(User.objects.get(email="admin@vip.example"))
    member = User.objects.get(email="member@globex.example")
    assert member.memberships.get().role == "member"
    assert Integration.objects.filter(overlaps__isnull=False).exists()


def test_demo_data_shows_every_badge_status_and_reason_as_the_facts_make_them():
    """Each demo badge is what badges_refresh would make of its integration's facts (the
    listing, the evidence target and its runs, the support standing): refreshing changes
    nothing."""
    call_command("demo_data")
    badges = Badge.objects.all()
    assert set(badges.values_list("status", flat=True)) == set(BadgeStatus.values)
    assert set(badges.exclude(status_reason="").values_list("status_reason", flat=True)) == set(
        StatusReason.values
    )
    before = list(badges.order_by("pk").values_list("pk", "status", "status_reason", "run"))
    for integration in Integration.objects.filter(badges__isnull=False).distinct():
        assert badges_refresh(integration=integration) == 0
    after = list(badges.order_by("pk").values_list("pk", "status", "status_reason", "run"))
    assert after == before
    assert StageTransition.objects.exclude(field="stage").exists()  # a field change, shown


def test_demo_data_runs_twice_without_duplicates(capsys):
    call_command("demo_data")
    call_command("demo_data")
    assert "already loaded" in capsys.readouterr().out
    assert Partner.objects.count() == 3


def test_demo_data_shows_a_paused_a_reopened_and_a_breached_support_issue(capsys):
    from support_sla.models import SlaEvent, SupportIssue

    call_command("demo_data")
    paused = SupportIssue.objects.get(status="waiting_on_reporter")
    assert paused.comments.get().clock == "paused"
    assert paused.next_action_at > paused.paused_since  # the pause runs out by itself
    reopened = SupportIssue.objects.get(reopened_at__isnull=False)
    assert (reopened.status, reopened.cycle) == ("open", 1)  # the earlier cycle goes on
    breached = SlaEvent.objects.get(kind="breach").issue
    assert breached.status in ("open", "acknowledged")
    assert breached.integration.partner.slug == "initech-hsm-systems"
    assert all(partner.support_url for partner in Partner.objects.all())
