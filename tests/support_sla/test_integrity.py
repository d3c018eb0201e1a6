"""DESIGN.md §7 "Integrity": the measured partner cannot move its own SLA clock. Each test is
what a partner would try: pause forever, pause without asking anything, pause an issue staff
opened, resolve and reopen for a fresh budget, resolve a moment after the due time, edit the
calendar under a running clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from config.errors import DomainError
from integrations.models import Partner
from support_sla import services, sweep
from support_sla.models import BusinessCalendar, IssueComment, SlaEvent, SupportIssue
from tests.concurrency import at_once
from tests.support_sla.conftest import issue_data

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 6, 16, 8, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
H = timedelta(hours=1)
ASK = "Which Vault version do you run, and can you send the agent's log?"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def open_issue(integration, actor, when=T0, severity="critical", **data):
    with time_machine.travel(when, tick=False):
        return services.issue_open(
            integration=integration, actor=actor, data=issue_data(severity, **data)
        )


def update(issue, actor, when, **data):
    with time_machine.travel(when, tick=False):
        return services.issue_update(issue=issue, actor=actor, data=data)


def pause(issue, actor, when, comment=ASK):
    return update(issue, actor, when, status="waiting_on_reporter", comment=comment)


def comment(issue, actor, when, body="Here is the log."):
    with time_machine.travel(when, tick=False):
        return services.issue_comment(issue=issue, actor=actor, body=body)


def run_sweep(when, capture):
    with time_machine.travel(when, tick=False), capture(execute=True):
        return sweep.sla_sweep()


def fresh(issue) -> SupportIssue:
    return SupportIssue.objects.get(pk=issue.pk)


def events(issue) -> list[tuple[str, int, datetime]]:
    return list(
        SlaEvent.objects.filter(issue=issue).order_by("at").values_list("kind", "cycle", "at")
    )


# --- The pause cap ----------------------------------------------------------------------


def test_a_pause_never_answered_ends_at_the_cap_and_the_clock_breaches(
    supported, owner, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    issue = open_issue(supported, owner)
    pause(issue, owner, T0 + 10 * H)
    # The sweep wakes up when the pause runs out of its allowance (one budget: 48 h)...
    assert fresh(issue).next_action_at == T0 + 58 * H
    run_sweep(T0 + 57 * H, capture)
    assert fresh(issue).status == "waiting_on_reporter"
    run_sweep(T0 + 58 * H + timedelta(minutes=1), capture)
    resumed = fresh(issue)
    assert resumed.status == "acknowledged"
    assert resumed.paused_seconds == 48 * 3600  # resumed when the pause ran out, not later
    assert (resumed.warn_at, resumed.due_at) == (T0 + 84 * H, T0 + 96 * H)
    assert resumed.next_action_at == T0 + 84 * H  # ...and next at the warning, then the breach
    note = resumed.comments.get(clock="resumed")
    assert (note.author, note.created_at) == (None, T0 + 58 * H)
    # Thirty days later the issue is breached and escalated, each once.
    run_sweep(T0 + timedelta(days=30), capture)
    assert events(issue) == [
        ("warning", 1, T0 + 84 * H),
        ("breach", 1, T0 + 96 * H),
        ("escalation", 1, T0 + 144 * H),
    ]


def test_a_normal_pause_ends_after_five_business_days(
    supported, owner, django_capture_on_commit_callbacks
):
    issue = open_issue(supported, owner, severity="normal")
    assert issue.due_at == at(2025, 6, 23, 8, 0)
    pause(issue, owner, at(2025, 6, 17, 8, 0))  # Tuesday 10:00 Berlin
    assert fresh(issue).next_action_at == at(2025, 6, 24, 8, 0)  # Tuesday after, 10:00
    run_sweep(at(2025, 6, 24, 8, 1), django_capture_on_commit_callbacks)
    resumed = fresh(issue)
    assert resumed.status == "acknowledged"
    assert resumed.paused_business_days == pytest.approx(5.0)
    assert resumed.due_at == at(2025, 6, 30, 8, 0)  # five business days more, no more


def test_pauses_add_up_to_the_cap_in_a_cycle_then_are_refused(
    supported, owner, django_capture_on_commit_callbacks
):
    issue = open_issue(supported, owner)
    pause(issue, owner, T0 + 1 * H)
    comment(issue, owner, T0 + 31 * H)  # the reporter answers: 30 h paused
    pause(issue, owner, T0 + 32 * H)
    assert fresh(issue).next_action_at == T0 + 50 * H  # the 18 h left
    run_sweep(T0 + 51 * H, django_capture_on_commit_callbacks)
    assert fresh(issue).due_at == T0 + 96 * H  # 48 h + 48 h paused, not 48 h + 49 h
    with pytest.raises(DomainError) as caught:
        pause(issue, owner, T0 + 52 * H)
    assert (caught.value.status, caught.value.code) == (409, "pause_limit_reached")
    assert fresh(issue).status == "acknowledged"


def test_the_cap_is_a_share_of_the_budget_from_the_environment(supported, owner, settings):
    settings.VIP_SLA_MAX_PAUSE = 0.5
    issue = open_issue(supported, owner)
    pause(issue, owner, T0 + 10 * H)
    assert fresh(issue).next_action_at == T0 + 34 * H  # half of 48 h


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_resume_each_pause_once(supported, owner):
    issues = [open_issue(supported, owner, title=f"issue {n}") for n in range(10)]
    for issue in issues:
        pause(issue, owner, T0 + 1 * H)

    def run():
        return sweep.sla_sweep(now=T0 + 200 * H)

    results = at_once(run, run)
    assert sum(r.failures for r in results) == 0
    assert sum(r.events for r in results) == 30
    for issue in issues:
        assert fresh(issue).status == "acknowledged"
        assert issue.comments.filter(clock="resumed").count() == 1
        assert [kind for kind, *_ in events(issue)] == ["warning", "breach", "escalation"]


# --- Who may pause, and how --------------------------------------------------------------


def test_a_partner_cannot_pause_an_issue_staff_opened(api, client_as, supported, owner, reviewer):
    issue = open_issue(supported, reviewer)
    with pytest.raises(DomainError) as caught:
        pause(issue, owner, T0 + 1 * H)
    assert (caught.value.status, caught.value.code) == (403, "staff_opened_issue")
    with time_machine.travel(T0 + 1 * H, tick=False):
        response = api.as_user(owner).patch(
            f"/api/v1/support-issues/{issue.pk}/",
            {"status": "waiting_on_reporter", "comment": ASK},
            format="json",
        )
        assert (response.status_code, response.json()["code"]) == (403, "staff_opened_issue")
        client = client_as(owner)
        page = client.get(f"/support/issues/{issue.pk}/").content.decode()
        assert "Wait on reporter" not in page  # not offered...
        refused = client.post(
            f"/support/issues/{issue.pk}/status/",
            {"status": "waiting_on_reporter", "comment": ASK},
            follow=True,
        )
        assert "only program staff can wait on its reporter" in refused.content.decode()
    assert fresh(issue).status == "open" and not issue.comments.exists()
    assert (
        "Wait on reporter"
        in client_as(reviewer).get(f"/support/issues/{issue.pk}/").content.decode()
    )
    assert pause(issue, reviewer, T0 + 2 * H).status == "waiting_on_reporter"


def test_a_pause_needs_a_comment_to_the_reporter(api, client_as, supported, owner):
    issue = open_issue(supported, owner)
    for blank in (None, "", "   "):
        with pytest.raises(DomainError) as caught:
            pause(issue, owner, T0 + 1 * H, comment=blank)
        assert (caught.value.status, caught.value.code) == (400, "pause_needs_comment")
        assert "comment" in caught.value.errors
    response = api.as_user(owner).patch(
        f"/api/v1/support-issues/{issue.pk}/", {"status": "waiting_on_reporter"}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    refused = client_as(owner).post(
        f"/support/issues/{issue.pk}/status/", {"status": "waiting_on_reporter"}, follow=True
    )
    assert "needs a comment" in refused.content.decode()
    assert fresh(issue).status == "open" and not issue.comments.exists()
    paused = pause(issue, owner, T0 + 2 * H)
    assert list(paused.comments.values_list("body", "clock", "author")) == [
        (ASK, "paused", owner.pk)
    ]


# --- Answers resume the clock ----------------------------------------------------------------


def test_the_reporters_answer_resumes_the_clock_and_others_do_not(api, supported, owner, member):
    issue = open_issue(supported, owner)  # the owner reports it
    pause(issue, member, T0 + 2 * H)
    comment(issue, member, T0 + 3 * H, body="Still waiting for the log.")  # not the reporter
    assert fresh(issue).status == "waiting_on_reporter"
    with time_machine.travel(T0 + 5 * H, tick=False):
        response = api.as_user(owner).post(
            f"/api/v1/support-issues/{issue.pk}/comments/", {"body": "Log attached."}, format="json"
        )
        assert (response.status_code, response.json()["clock"]) == (201, "resumed")
        detail = api.get(f"/api/v1/support-issues/{issue.pk}/").json()
    assert detail["status"] == "acknowledged"
    assert detail["due_at"] == "2025-06-18T11:00:00Z"  # 48 h + the 3 h paused
    assert [c["clock"] for c in detail["comments"]] == ["paused", "", "resumed"]


def test_a_staff_answer_resumes_the_clock(supported, owner, member, reviewer):
    issue = open_issue(supported, owner)
    pause(issue, member, T0 + 2 * H)
    comment(issue, reviewer, T0 + 4 * H, body="The reporter sent it to us: attached.")
    resumed = fresh(issue)
    assert (resumed.status, resumed.due_at) == ("acknowledged", T0 + 50 * H)


# --- Reopening -------------------------------------------------------------------------------


def test_resolving_and_reopening_does_not_give_a_fresh_budget(
    supported, owner, django_capture_on_commit_callbacks
):
    issue = open_issue(supported, owner)
    update(issue, owner, T0 + 47 * H, status="resolved")
    reopened = update(issue, owner, T0 + 47.5 * H, status="open")
    assert (reopened.cycle, reopened.due_at) == (1, T0 + 48 * H)
    assert reopened.reopened_at == T0 + 47.5 * H
    run_sweep(T0 + 49 * H, django_capture_on_commit_callbacks)
    assert events(issue) == [("warning", 1, T0 + 36 * H), ("breach", 1, T0 + 48 * H)]


def test_time_spent_resolved_is_not_a_pause(supported, owner):
    issue = open_issue(supported, owner)
    pause(issue, owner, T0 + 2 * H)
    comment(issue, owner, T0 + 7 * H)  # 5 h paused
    update(issue, owner, T0 + 10 * H, status="resolved")
    update(issue, owner, T0 + 72 * H, status="closed")
    reopened = update(issue, owner, T0 + 96 * H, status="open")  # resolved for 86 h
    assert (reopened.cycle, reopened.due_at) == (1, T0 + 53 * H)


def test_a_breach_stays_a_breach_and_is_never_recorded_twice(
    api, supported, owner, admin, django_capture_on_commit_callbacks
):
    from accounts.models import Notification

    capture = django_capture_on_commit_callbacks
    issue = open_issue(supported, owner)
    run_sweep(T0 + 49 * H, capture)
    for resolve, reopen in [(50, 51), (61, 62)]:
        update(issue, owner, T0 + resolve * H, status="resolved")
        update(issue, owner, T0 + reopen * H, status="open")
        with time_machine.travel(T0 + (reopen + 1) * H, tick=False):
            body = api.as_user(owner).get(f"/api/v1/support-issues/{issue.pk}/").json()
        assert body["sla"]["breached"] is True and body["due_at"] == "2025-06-18T08:00:00Z"
        run_sweep(T0 + (reopen + 2) * H, capture)
    run_sweep(T0 + 200 * H, capture)
    assert events(issue) == [
        ("warning", 1, T0 + 36 * H),
        ("breach", 1, T0 + 48 * H),
        ("escalation", 1, T0 + 96 * H),
    ]
    assert Notification.objects.filter(event="sla_breach").count() == 1  # the owner, once


def test_resolving_just_after_the_due_time_still_records_the_breach(supported, owner):
    issue = open_issue(supported, owner)
    update(issue, owner, T0 + 48 * H + timedelta(seconds=30), status="resolved")  # no sweep yet
    assert events(issue) == [("warning", 1, T0 + 36 * H), ("breach", 1, T0 + 48 * H)]


def test_a_reopening_after_14_days_starts_a_new_cycle(supported, owner):
    first = open_issue(supported, owner, title="first")
    second = open_issue(supported, owner, title="second")
    for issue in (first, second):
        update(issue, owner, T0 + 1 * H, status="resolved")
    within = update(first, owner, T0 + 1 * H + timedelta(days=14), status="open")
    later = update(second, owner, T0 + 1 * H + timedelta(days=14, seconds=1), status="open")
    assert (within.cycle, within.due_at) == (1, T0 + 48 * H)
    assert (later.cycle, later.due_at) == (2, T0 + 49 * H + timedelta(days=14, seconds=1))


# --- Calendars -----------------------------------------------------------------------------


def test_a_calendar_change_leaves_running_clocks_alone(api, supported, owner, partner):
    issue = open_issue(supported, owner, severity="normal")
    assert issue.due_at == at(2025, 6, 23, 8, 0)
    closures = ["2025-06-17", "2025-06-18", "2025-06-19", "2025-06-20", "2025-06-21"]
    closures += ["2025-06-24", "2025-06-25", "2025-06-26", "2025-06-27", "2025-06-28"]
    with time_machine.travel(T0 + 1 * H, tick=False):
        response = api.as_user(owner).patch(
            f"/api/v1/partners/{partner.slug}/",
            {
                "working_days": [2, 3, 4, 5, 6],  # Tuesday to Saturday
                "closures": closures,
                "support_timezone": "Pacific/Auckland",
                "support_country": "NZ",
                "support_subdivision": "",
            },
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert fresh(issue).due_at == at(2025, 6, 23, 8, 0)
    update(issue, owner, T0 + 2 * H, status="acknowledged")  # any reschedule keeps it too
    assert fresh(issue).due_at == at(2025, 6, 23, 8, 0)
    # A pause is counted in the clock's own calendar: Tuesday to Thursday are two days there.
    pause(issue, owner, at(2025, 6, 17, 8, 0))
    comment(issue, owner, at(2025, 6, 19, 8, 0))
    assert fresh(issue).due_at == at(2025, 6, 25, 8, 0)
    # Even a calendar written around the rules (one working day a week) does not reach it.
    BusinessCalendar.objects.filter(partner=partner).update(working_days=[0], closures=closures)
    update(issue, owner, at(2025, 6, 19, 9, 0), title="Login fails on 2.7")
    assert fresh(issue).due_at == at(2025, 6, 25, 8, 0)


def test_clocks_that_start_after_a_calendar_change_use_it(supported, owner, partner):
    running = open_issue(supported, owner, severity="normal", title="running")
    with time_machine.travel(T0, tick=False):
        services.calendar_update(
            partner=partner, actor=owner, closures=[date(2025, 6, 18)]
        )  # a Wednesday
    started_after = open_issue(supported, owner, severity="normal", title="new")
    assert fresh(running).due_at == at(2025, 6, 23, 8, 0)
    assert started_after.due_at == at(2025, 6, 24, 8, 0)  # one closure day later
    assert started_after.clock_calendar["closures"] == ["2025-06-18"]


# --- Calendar bounds -------------------------------------------------------------------------


def eleven_closures(year: int) -> list[str]:
    return [f"{year}-12-{day:02}" for day in range(20, 31)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"working_days": [1, 2, 3, 4]}, "working_days"),  # four days a week
        ({"working_days": [1, 1, 2, 2, 3]}, "working_days"),  # five entries, three days
        ({"working_days": [0, 1, 2, 3, 4]}, "working_days"),  # ISO weekdays are 1 to 7
        ({"working_days": [1, 2, 3, 4, 8]}, "working_days"),
        ({"closures": eleven_closures(2026)}, "closures"),
        ({"closures": ["2026-13-01"]}, "closures"),
    ],
)
def test_a_calendar_out_of_bounds_is_a_400_with_field_errors(api, owner, partner, body, field):
    url = f"/api/v1/partners/{partner.slug}/"
    response = api.as_user(owner).patch(url, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    calendar = BusinessCalendar.objects.filter(partner=partner).first()
    assert calendar is None or (calendar.working_days, calendar.closures) == ([0, 1, 2, 3, 4], [])
    created = api.post("/api/v1/partners/", {"name": "Initech", **body}, format="json")
    assert created.status_code == 400 and field in created.json()["errors"]
    assert not Partner.objects.filter(name="Initech").exists()


def test_the_partner_api_carries_the_calendar(api, owner, partner):
    url = f"/api/v1/partners/{partner.slug}/"
    assert api.as_user(owner).get(url).json()["working_days"] == [1, 2, 3, 4, 5]
    closures = [*eleven_closures(2026)[:10], *eleven_closures(2027)[:10]]  # ten a year
    body = {"working_days": [7, 1, 2, 3, 4, 5], "closures": closures}
    response = api.patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["working_days"] == [1, 2, 3, 4, 5, 7]
    assert response.json()["closures"] == sorted(closures)
    assert BusinessCalendar.objects.get(partner=partner).working_days == [0, 1, 2, 3, 4, 6]
    listed = api.get("/api/v1/partners/").json()["results"][0]
    assert (listed["working_days"], listed["closures"]) == ([1, 2, 3, 4, 5, 7], sorted(closures))


def test_the_calendar_form_shows_out_of_bounds_errors(client_as, owner, member, partner):
    client = client_as(owner)
    url = f"/partners/{partner.slug}/calendar/"
    response = client.post(url, {"working_days": ["0", "1", "2", "3"], "closures": ""})
    assert response.status_code == 400
    assert "Keep at least 5 working days a week." in response.content.decode()
    response = client.post(
        url,
        {"working_days": ["0", "1", "2", "3", "4"], "closures": "\n".join(eleven_closures(2026))},
    )
    assert response.status_code == 400
    assert "At most 10 closure days a year (2026 has 11)." in response.content.decode()
    assert not BusinessCalendar.objects.filter(partner=partner).exclude(closures=[]).exists()
    client.post(url, {"working_days": ["0", "1", "2", "3", "4", "5"], "closures": "2026-12-24"})
    page = client_as(member).get(f"/partners/{partner.slug}/").content.decode()
    assert "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday" in page
    assert "2026-12-24" in page


def test_only_staff_opened_issues_are_marked_so(supported, owner, reviewer):
    assert open_issue(supported, reviewer).opened_by_staff is True
    assert open_issue(supported, owner).opened_by_staff is False
    assert IssueComment.objects.count() == 0
