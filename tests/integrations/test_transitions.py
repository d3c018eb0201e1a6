"""The transition service: history in the same transaction, e-mail after commit, and exactly
one winner when two requests race for the same move (real threads on PostgreSQL)."""

import time
from functools import partial

import pytest
from django.core import mail
from django.db import transaction

from config.errors import DomainError
from integrations.models import Integration, Stage, StageTransition
from pipeline import guards
from pipeline.services import integration_transition
from tests.concurrency import at_once
from tests.factories import IntegrationFactory, MembershipFactory, VerificationRunFactory


@pytest.mark.django_db
def test_a_transition_writes_one_history_row(integration, reviewer):
    row = integration_transition(
        integration=integration, to=Stage.ENABLE, actor=reviewer, note="Welcome aboard."
    )
    assert list(integration.history.values_list("from_stage", "to_stage", "actor", "note")) == [
        ("engage", "enable", reviewer.pk, "Welcome aboard.")
    ]
    assert row.at == Integration.objects.get(pk=integration.pk).stage_changed_at


@pytest.mark.django_db
def test_partner_people_get_an_email_after_commit(
    integration, owner, member, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        integration_transition(integration=integration, to=Stage.ENABLE, actor=reviewer)
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert sorted(m.to for m in mail.outbox) == [[member.email], [owner.email]]  # one each
    message = mail.outbox[0]
    assert message.subject == f"[VIP Tracker] {integration.name} moved to Enable"
    assert "from Engage to Enable" in message.body
    assert "text/html" in message.alternatives[0][1]


@pytest.mark.django_db
def test_no_email_when_the_transaction_rolls_back(
    integration, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                integration_transition(integration=integration, to=Stage.ENABLE, actor=reviewer)
                raise RuntimeError("something later failed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert StageTransition.objects.count() == 0
    assert Integration.objects.get(pk=integration.pk).stage == Stage.ENGAGE


@pytest.mark.django_db
def test_a_refused_transition_changes_nothing(integration, owner):
    with pytest.raises(DomainError):
        integration_transition(integration=integration, to=Stage.ENABLE, actor=owner)
    integration.refresh_from_db()
    assert integration.stage == Stage.ENGAGE
    assert integration.history.count() == 0


@pytest.mark.django_db
def test_stage_cannot_be_assigned_directly(integration):
    with pytest.raises(AttributeError):
        integration.stage = Stage.SUPPORT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_racing_transitions_exactly_one_wins(monkeypatch):
    """Both threads pass the guard at the same time (the guard is slowed down to make the
    window wide); the row lock makes the second wait, see the new stage, and get a conflict."""
    membership = MembershipFactory()
    integration = IntegrationFactory(partner=membership.partner, stage=Stage.DEVELOP)
    VerificationRunFactory(target__integration=integration)
    slow = guards.GUARDS[(Stage.DEVELOP, Stage.REVIEW)]

    def slow_guard(integration, facts, note):
        time.sleep(0.3)
        return slow(integration, facts, note)

    monkeypatch.setitem(guards.GUARDS, (Stage.DEVELOP, Stage.REVIEW), slow_guard)

    def attempt(stale):
        integration_transition(integration=stale, to=Stage.REVIEW, actor=membership.user)
        return "won"

    both_read_develop = [Integration.objects.get(pk=integration.pk) for _ in range(2)]
    outcomes = [
        f"{outcome.status}:{outcome.code}" if isinstance(outcome, DomainError) else outcome
        for outcome in at_once(*(partial(attempt, stale) for stale in both_read_develop))
    ]

    assert sorted(outcomes) == ["409:conflict", "won"]
    assert StageTransition.objects.filter(integration=integration).count() == 1
    assert Integration.objects.get(pk=integration.pk).stage == Stage.REVIEW


@pytest.mark.django_db
def test_plain_text_email_is_not_html_escaped(
    partner, owner, reviewer, django_capture_on_commit_callbacks
):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENABLE, name="Tom & Jerry <KMS>")
    with django_capture_on_commit_callbacks(execute=True):
        integration_transition(integration=integration, to=Stage.DEVELOP, actor=reviewer)
    (message,) = mail.outbox
    assert message.subject == "[VIP Tracker] Tom & Jerry <KMS> moved to Develop & test"
    assert "Tom & Jerry <KMS>" in message.body
    assert "Tom &amp; Jerry &lt;KMS&gt;" in message.alternatives[0][0]  # the HTML part escapes


@pytest.mark.django_db
def test_a_stale_copy_never_writes_a_stage_back(integration, reviewer, owner):
    from integrations.services import integration_update

    stale = Integration.objects.get(pk=integration.pk)  # loaded while still in engage
    integration_transition(integration=integration, to=Stage.ENABLE, actor=reviewer)
    integration_update(integration=stale, actor=owner, data={"summary": "Edited meanwhile."})
    fresh = Integration.objects.get(pk=integration.pk)
    assert (fresh.stage, fresh.summary) == (Stage.ENABLE, "Edited meanwhile.")
