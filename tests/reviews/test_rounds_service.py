"""reviews.rounds: opening, feedback, replies, resolution and decisions, with their rules,
the runs a round links, and the e-mails they send after commit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from config.errors import DomainError, Unmet
from integrations.models import Stage
from pipeline import guards
from pipeline.services import review_decide
from reviews import rounds, selectors
from reviews.models import FeedbackReply, ReviewRound
from tests.factories import (
    FeedbackItemFactory,
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
    VerificationTargetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(partner, owner, member):
    return IntegrationFactory(partner=partner, stage=Stage.REVIEW, contact_email=owner.email)


@pytest.fixture
def open_round(in_review, reviewer):
    return rounds.round_open(integration=in_review, actor=reviewer, summary="First look.")


def refused(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


# --- Opening -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_staff_open_a_round(people, in_review, role):
    review_round = rounds.round_open(integration=in_review, actor=people[role], summary=" Docs. ")
    assert review_round.status == ReviewRound.Status.OPEN
    assert review_round.opened_by == people[role]
    assert review_round.summary == "Docs."


@pytest.mark.parametrize("role", ["owner", "member", "outsider"])
def test_partners_cannot_open_a_round(people, in_review, role):
    error = refused(rounds.round_open, integration=in_review, actor=people[role])
    assert (error.status, error.code) == (403, "staff_only")
    assert not ReviewRound.objects.exists()


@pytest.mark.parametrize("stage", [Stage.DEVELOP, Stage.RELEASE, Stage.ENGAGE])
def test_a_round_opens_only_while_the_integration_is_in_review(partner, reviewer, stage):
    integration = IntegrationFactory(partner=partner, stage=stage)
    error = refused(rounds.round_open, integration=integration, actor=reviewer)
    assert (error.status, error.code) == (409, "not_in_review")
    assert [u.code for u in error.unmet] == ["not_in_review"]
    assert rounds.round_open_unmet(integration) == error.unmet


def test_only_one_round_is_open_at_a_time(in_review, reviewer, admin, open_round):
    error = refused(rounds.round_open, integration=in_review, actor=admin)
    assert (error.status, error.code) == (409, "round_open")
    review_decide(review_round=open_round, actor=reviewer, decision="approved")
    assert rounds.round_open(integration=in_review, actor=admin).status == "open"
    assert in_review.review_rounds.count() == 2


def test_the_database_constraint_backs_the_one_open_round_rule(
    in_review, reviewer, open_round, monkeypatch
):
    """Should the check ever miss a round (it runs under the integration's row lock), the
    partial unique constraint still refuses the second open round, as a conflict."""
    monkeypatch.setattr(selectors, "round_is_open", lambda integration: False)
    error = refused(rounds.round_open, integration=in_review, actor=reviewer)
    assert (error.status, error.code) == (409, "round_open")
    assert in_review.review_rounds.count() == 1


def test_opening_links_the_newest_finished_run_of_each_live_target(in_review, reviewer):
    now = timezone.now()
    first, second = VerificationTargetFactory.create_batch(2, integration=in_review)
    VerificationRunFactory(target=first, status="passed", finished_at=now - timedelta(days=3))
    newest_first = VerificationRunFactory(
        target=first, status="failed", finished_at=now - timedelta(days=1)
    )
    VerificationRunFactory(target=first, status="running", finished_at=None)
    VerificationRunFactory(target=first, status="cancelled", finished_at=now)
    newest_second = VerificationRunFactory(target=second, status="error", finished_at=now)
    archived = VerificationTargetFactory(integration=in_review, archived_at=now)
    VerificationRunFactory(target=archived, status="passed", finished_at=now)
    VerificationTargetFactory(integration=in_review)  # never ran

    review_round = rounds.round_open(integration=in_review, actor=reviewer)

    assert set(review_round.runs.all()) == {newest_first, newest_second}


# --- Feedback ----------------------------------------------------------------------------------


def test_feedback_emails_the_partners_people_after_commit(
    open_round, reviewer, owner, member, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item = rounds.feedback_add(
            review_round=open_round,
            actor=reviewer,
            body="Document the namespace setting & the AppRole role.",
            blocking=True,
        )
        assert mail.outbox == []
    assert (item.blocking, item.author, item.resolved_at) == (True, reviewer, None)
    assert sorted(m.to for m in mail.outbox) == [[member.email], [owner.email]]  # one each
    message = mail.outbox[0]
    integration = open_round.integration
    assert message.subject == f"[VIP Tracker] Blocking review feedback on {integration.name}"
    assert "Document the namespace setting & the AppRole role." in message.body
    assert "&amp;" in message.alternatives[0][0]  # escaped in HTML, plain in text
    assert f"/integrations/{integration.pk}/#feedback-{item.pk}" in message.body


@pytest.mark.parametrize("role", ["owner", "member", "outsider"])
def test_partners_cannot_add_feedback(people, open_round, role):
    error = refused(rounds.feedback_add, review_round=open_round, actor=people[role], body="x")
    assert error.status == 403
    assert not open_round.feedback.exists()


def test_blank_feedback_is_invalid(open_round, reviewer):
    error = refused(rounds.feedback_add, review_round=open_round, actor=reviewer, body="  ")
    assert (error.status, list(error.errors)) == (400, ["body"])


@pytest.mark.parametrize("status", ["approved", "changes_requested"])
def test_feedback_only_on_an_open_round(in_review, reviewer, status):
    review_round = ReviewRoundFactory(integration=in_review, status=status)
    error = refused(rounds.feedback_add, review_round=review_round, actor=reviewer, body="Late.")
    assert (error.status, error.code) == (409, "round_closed")


# --- Replies -----------------------------------------------------------------------------------


@pytest.fixture
def item(open_round, reviewer):
    return FeedbackItemFactory(round=open_round, author=reviewer, blocking=True)


def test_a_partner_reply_emails_the_assignee(
    item, member, admin, django_capture_on_commit_callbacks
):
    integration = item.round.integration
    integration.assignee = admin
    integration.save()
    with django_capture_on_commit_callbacks(execute=True):
        reply = rounds.feedback_reply(item=item, actor=member, body="Fixed in v1.2 <b>now</b>.")
    assert (reply.item, reply.author) == (item, member)
    (message,) = mail.outbox
    assert message.to == [admin.email]
    assert message.subject == (
        f"[VIP Tracker] {integration.partner.name} replied to review feedback on {integration.name}"
    )
    assert "Fixed in v1.2 <b>now</b>." in message.body
    assert "&lt;b&gt;now" in message.alternatives[0][0]


def test_a_partner_reply_emails_the_round_opener_when_nobody_is_assigned(
    item, owner, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rounds.feedback_reply(item=item, actor=owner, body="Done.")
    assert [m.to for m in mail.outbox] == [[reviewer.email]]


def test_a_staff_reply_is_recorded_without_an_email(
    item, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rounds.feedback_reply(item=item, actor=admin, body="See the style guide.")
    assert item.replies.get().author == admin
    assert mail.outbox == []


def test_replies_stay_possible_after_changes_were_requested(item, owner, reviewer):
    """The partner answers the requested changes while back in development."""
    review_decide(review_round=item.round, actor=reviewer, decision="changes_requested")
    rounds.feedback_reply(item=item, actor=owner, body="Fixed.")
    assert item.replies.count() == 1


def test_people_of_another_partner_cannot_reply(item, outsider):
    error = refused(rounds.feedback_reply, item=item, actor=outsider, body="Hello.")
    assert error.status == 403
    assert not FeedbackReply.objects.exists()


def test_no_reply_on_a_resolved_item(item, owner, reviewer):
    rounds.feedback_resolve(item=item, actor=reviewer)
    error = refused(rounds.feedback_reply, item=item, actor=owner, body="Too late?")
    assert (error.status, error.code) == (409, "feedback_resolved")


def test_blank_replies_are_invalid(item, owner):
    assert refused(rounds.feedback_reply, item=item, actor=owner, body="").status == 400


# --- Resolving ---------------------------------------------------------------------------------


def test_staff_resolve_an_item_once(item, reviewer, admin):
    resolved = rounds.feedback_resolve(item=item, actor=reviewer)
    item.refresh_from_db()
    assert item.resolved_at == resolved.resolved_at and item.resolved_by == reviewer
    error = refused(rounds.feedback_resolve, item=item, actor=admin)
    assert (error.status, error.code) == (409, "feedback_resolved")
    item.refresh_from_db()
    assert item.resolved_by == reviewer


@pytest.mark.parametrize("role", ["owner", "member", "outsider"])
def test_partners_cannot_resolve(people, item, role):
    assert refused(rounds.feedback_resolve, item=item, actor=people[role]).status == 403
    item.refresh_from_db()
    assert item.resolved_at is None


# --- Deciding ----------------------------------------------------------------------------------


def test_changes_requested_moves_the_integration_back_to_develop(
    open_round, reviewer, owner, member, django_capture_on_commit_callbacks
):
    integration = open_round.integration
    with django_capture_on_commit_callbacks(execute=True):
        decided = review_decide(
            review_round=open_round,
            actor=reviewer,
            decision="changes_requested",
            summary="Use short-lived tokens.",
        )
    assert decided.status == "changes_requested"
    assert (decided.decided_by, decided.decision_summary) == (reviewer, "Use short-lived tokens.")
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP
    row = integration.history.get()
    assert (row.from_stage, row.to_stage, row.actor, row.note) == (
        "review",
        "develop",
        reviewer,
        "Use short-lived tokens.",
    )
    moved = [m for m in mail.outbox if "moved to Develop" in m.subject]
    decisions = [m for m in mail.outbox if "review asks for changes" in m.subject]
    assert sorted(m.to for m in moved) == [[member.email], [owner.email]]
    assert sorted(m.to for m in decisions) == [[member.email], [owner.email]]
    assert decisions[0].subject == f"[VIP Tracker] {integration.name}: review asks for changes"
    assert "Use short-lived tokens." in decisions[0].body


def test_changes_requested_is_all_or_nothing(open_round, reviewer, monkeypatch):
    """If the move back to develop is refused, the round stays open (one transaction)."""
    monkeypatch.setitem(
        guards.GUARDS,
        (Stage.REVIEW, Stage.DEVELOP),
        lambda integration, facts, note: [Unmet("nope", "Not today.")],
    )
    error = refused(
        review_decide,
        review_round=open_round,
        actor=reviewer,
        decision="changes_requested",
    )
    assert error.code == "guard_unmet"
    open_round.refresh_from_db()
    assert (open_round.status, open_round.decided_at) == ("open", None)
    assert open_round.integration.history.count() == 0


def test_approval_is_refused_while_blocking_feedback_is_open(open_round, reviewer):
    blocking = FeedbackItemFactory(round=open_round, blocking=True)
    FeedbackItemFactory(round=open_round, blocking=False)  # open, but not blocking
    error = refused(review_decide, review_round=open_round, actor=reviewer, decision="approved")
    assert (error.status, error.code) == (409, "blocking_feedback")
    assert [u.code for u in error.unmet] == ["blocking_feedback"]
    assert "1 blocking" in error.unmet[0].message
    open_round.refresh_from_db()
    assert open_round.status == "open"

    rounds.feedback_resolve(item=blocking, actor=reviewer)
    approved = review_decide(
        review_round=open_round, actor=reviewer, decision="approved", summary="Good work."
    )
    assert approved.status == "approved"
    open_round.integration.refresh_from_db()
    assert open_round.integration.stage == Stage.REVIEW  # release is a separate move


def test_open_blocking_feedback_of_an_earlier_round_also_blocks_approval(in_review, reviewer):
    earlier = ReviewRoundFactory(
        integration=in_review,
        status="changes_requested",
        opened_at=timezone.now() - timedelta(days=9),
    )
    FeedbackItemFactory(round=earlier, blocking=True)
    current = rounds.round_open(integration=in_review, actor=reviewer)
    error = refused(review_decide, review_round=current, actor=reviewer, decision="approved")
    assert error.code == "blocking_feedback"


def test_approval_emails_the_partners_people(
    open_round, reviewer, owner, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(review_round=open_round, actor=reviewer, decision="approved")
    assert sorted(m.to for m in mail.outbox) == [[member.email], [owner.email]]
    message = mail.outbox[0]
    assert message.subject.endswith(f"{open_round.integration.name}: review approved")


def test_deciding_links_the_runs_finished_since_the_round_opened(in_review, reviewer):
    target = VerificationTargetFactory(integration=in_review)
    before = VerificationRunFactory(target=target, finished_at=timezone.now() - timedelta(hours=1))
    review_round = rounds.round_open(integration=in_review, actor=reviewer)
    after = VerificationRunFactory(target=target)
    VerificationRunFactory(target=target, status="queued", finished_at=None)
    review_decide(review_round=review_round, actor=reviewer, decision="approved")
    assert set(review_round.runs.all()) == {before, after}


@pytest.mark.parametrize("role", ["owner", "member", "outsider"])
def test_partners_cannot_decide(people, open_round, role):
    error = refused(review_decide, review_round=open_round, actor=people[role], decision="approved")
    assert error.status == 403
    open_round.refresh_from_db()
    assert open_round.status == "open"


def test_a_round_is_decided_once(open_round, reviewer, admin):
    review_decide(review_round=open_round, actor=reviewer, decision="approved")
    error = refused(
        review_decide, review_round=open_round, actor=admin, decision="changes_requested"
    )
    assert (error.status, error.code) == (409, "round_closed")


def test_an_unknown_decision_is_invalid(open_round, reviewer):
    error = refused(review_decide, review_round=open_round, actor=reviewer, decision="open")
    assert (error.status, list(error.errors)) == (400, ["decision"])
