"""/program/ and GET /api/v1/program/metrics/: the figures from data we know, the same numbers
in the page and the API, who may see them, and a constant number of queries."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import Stage, StageTransition
from integrations.services import history_record
from pipeline.metrics import program_metrics
from reviews.models import RunStatus
from support_sla.models import Severity, SlaEvent, SupportIssue
from tests.factories import IntegrationFactory, PartnerFactory, VerificationRunFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday, ISO week 2026-W48
DAY = timedelta(days=1)


def integration_with_history(partner, name: str, moves: list[tuple[str, datetime]]):
    """An integration that went through `moves` ((stage, when), first the intake into engage)."""
    stage, at = moves[-1]
    integration = IntegrationFactory(partner=partner, name=name, stage=stage, stage_changed_at=at)
    previous = ""
    for to_stage, when in moves:
        StageTransition.objects.create(
            integration=integration, from_stage=previous, to_stage=to_stage, at=when
        )
        previous = to_stage
    return integration


@pytest.fixture
def pipeline(partner, other_partner):
    """Four integrations with known stays:
    A: engage 2 d 20 h, enable 2 d 4 h, in develop since T0+5 d;
    B: engage 4 d, enable 6 d, withdrawn;
    C: in engage since T0;
    D: engage 6, enable 2, develop 10, review 2, release 1 (days), in support since T0+21 d."""
    integration_with_history(
        partner,
        "A",
        [
            (Stage.ENGAGE, T0),
            (Stage.ENABLE, T0 + 2 * DAY + timedelta(hours=20)),
            (Stage.DEVELOP, T0 + 5 * DAY),
        ],
    )
    integration_with_history(
        partner,
        "B",
        [(Stage.ENGAGE, T0), (Stage.ENABLE, T0 + 4 * DAY), (Stage.WITHDRAWN, T0 + 10 * DAY)],
    )
    integration_with_history(other_partner, "C", [(Stage.ENGAGE, T0)])
    return integration_with_history(
        other_partner,
        "D",
        [
            (Stage.ENGAGE, T0),
            (Stage.ENABLE, T0 + 6 * DAY),
            (Stage.DEVELOP, T0 + 8 * DAY),
            (Stage.REVIEW, T0 + 18 * DAY),
            (Stage.RELEASE, T0 + 20 * DAY),
            (Stage.SUPPORT, T0 + 21 * DAY),
        ],
    )


def run(integration, status, finished_at):
    return VerificationRunFactory(
        target__integration=integration, status=status, finished_at=finished_at
    )


@pytest.fixture
def runs(pipeline):
    this_week = NOW - DAY  # Tuesday of 2026-W48
    run(pipeline, RunStatus.PASSED, this_week)
    run(pipeline, RunStatus.PASSED, this_week)
    run(pipeline, RunStatus.FAILED, this_week)
    run(pipeline, RunStatus.CANCELLED, this_week)  # not a verdict
    run(pipeline, RunStatus.ERROR, NOW - 14 * DAY)  # 2026-W46
    run(pipeline, RunStatus.PASSED, NOW - 13 * 7 * DAY)  # before the 12 weeks
    VerificationRunFactory(target__integration=pipeline, status=RunStatus.QUEUED, finished_at=None)


def issue(integration, severity, *, breached_at=None, resolved_at=None):
    opened = (breached_at or resolved_at) - 2 * DAY
    created = SupportIssue.objects.create(
        integration=integration,
        title="Login fails",
        description="AppRole login fails.",
        severity=severity,
        status="resolved" if resolved_at else "open",
        opened_at=opened,
        clock_started_at=opened,
        resolved_at=resolved_at,
    )
    if breached_at:
        SlaEvent.objects.create(
            issue=created, kind=SlaEvent.Kind.BREACH, cycle=1, severity=severity, at=breached_at
        )
    return created


@pytest.fixture
def support(pipeline, partner):
    """Acme Security: two breaches; Globex Cloud (owner of D): one recent breach, one too old.
    Met in the window: one critical, two normal issues."""
    acme = IntegrationFactory(partner=partner, name="E", stage=Stage.SUPPORT)
    issue(acme, Severity.CRITICAL, breached_at=NOW - 3 * DAY)
    issue(acme, Severity.NORMAL, breached_at=NOW - 10 * DAY)
    issue(pipeline, Severity.NORMAL, breached_at=NOW - 20 * DAY)
    issue(pipeline, Severity.CRITICAL, breached_at=NOW - 100 * DAY)  # outside the 90 days
    issue(pipeline, Severity.CRITICAL, resolved_at=NOW - 5 * DAY)
    issue(pipeline, Severity.NORMAL, resolved_at=NOW - 5 * DAY)
    issue(acme, Severity.NORMAL, resolved_at=NOW - 6 * DAY)


def api_metrics(api, user) -> dict:
    with time_machine.travel(NOW, tick=False):
        response = api.as_user(user).get("/api/v1/program/metrics/")
    assert response.status_code == 200
    return response.json()


def test_counts_by_stage_and_the_funnel(api, reviewer, pipeline):
    figures = api_metrics(api, reviewer)
    rows = {row["stage"]: (row["current"], row["reached"]) for row in figures["counts_by_stage"]}
    assert rows == {
        "engage": (1, 4),
        "enable": (0, 3),
        "develop": (1, 2),
        "review": (0, 1),
        "release": (0, 1),
        "support": (1, 1),
        "withdrawn": (1, None),
        "rejected": (0, None),
        "delisted": (0, None),
    }
    assert [row["off_track"] for row in figures["counts_by_stage"]] == [False] * 6 + [True] * 3


def test_an_integration_without_history_counts_in_the_funnel_up_to_its_stage(api, reviewer):
    IntegrationFactory(stage=Stage.DELISTED)  # e.g. imported: no history rows
    reached = {r["stage"]: r["reached"] for r in api_metrics(api, reviewer)["counts_by_stage"]}
    assert reached == {
        stage: 1 for stage in ["engage", "enable", "develop", "review", "release", "support"]
    } | {
        "withdrawn": None,
        "rejected": None,
        "delisted": None,
    }


def test_median_days_of_completed_stays_in_whole_days_and_running_stays_apart(
    api, reviewer, pipeline
):
    figures = api_metrics(api, reviewer)
    rows = {
        row["stage"]: (
            row["median_days"],
            row["completed_stays"],
            row["current_median_days"],
            row["current"],
        )
        for row in figures["median_days_in_stage"]
    }
    assert rows == {
        # engage: 2 (2 d 20 h counts 2 whole days), 4, 6; C, still in engage, is apart: 85 days
        "engage": (4.0, 3, 85.0, 1),
        # enable: 2 (2 d 4 h), 6, 2
        "enable": (2.0, 3, None, 0),
        "develop": (10.0, 1, 80.0, 1),
        "review": (2.0, 1, None, 0),
        "release": (1.0, 1, None, 0),
        "support": (None, 0, 64.0, 1),
    }


def test_a_field_change_in_the_history_does_not_end_a_stay(api, reviewer, pipeline):
    """Staff changed D's category during its review: D still spent 2 days in review."""
    history_record(
        integration=pipeline,
        field="category",
        old="runtime",
        new="audit",
        actor=reviewer,
        at=T0 + 19 * DAY,
    )
    rows = {row["stage"]: row for row in api_metrics(api, reviewer)["median_days_in_stage"]}
    assert (rows["review"]["median_days"], rows["review"]["completed_stays"]) == (2.0, 1)


def test_median_of_an_even_number_of_stays_is_the_mean_of_the_middle_two(api, reviewer, partner):
    for days in (1, 2, 5, 9):
        integration_with_history(
            partner, f"I{days}", [(Stage.ENGAGE, T0), (Stage.ENABLE, T0 + days * DAY)]
        )
    engage = api_metrics(api, reviewer)["median_days_in_stage"][0]
    assert (engage["stage"], engage["median_days"], engage["completed_stays"]) == ("engage", 3.5, 4)


def test_verification_pass_rate_per_iso_week(api, reviewer, runs):
    weeks = api_metrics(api, reviewer)["verification_pass_rate"]
    assert len(weeks) == 12
    assert (weeks[0]["week"], weeks[0]["week_start"]) == ("2026-W37", "2026-09-07")
    assert weeks[-1] == {
        "week": "2026-W48",
        "week_start": "2026-11-23",
        "finished": 3,
        "passed": 2,
        "pass_rate": 0.6667,
    }
    assert weeks[-3] == {
        "week": "2026-W46",
        "week_start": "2026-11-09",
        "finished": 1,
        "passed": 0,
        "pass_rate": 0.0,
    }
    assert [w["finished"] for w in weeks[:-3]] == [0] * 9
    assert weeks[-2]["pass_rate"] is None


def test_sla_compliance_per_severity_and_breaches_per_partner(api, reviewer, support):
    figures = api_metrics(api, reviewer)
    assert figures["window_days"] == 90
    assert figures["sla_compliance"] == [
        {"severity": "critical", "label": "Critical", "met": 1, "breached": 1, "compliance": 0.5},
        {"severity": "normal", "label": "Normal", "met": 2, "breached": 2, "compliance": 0.5},
        {"severity": "overall", "label": "All issues", "met": 3, "breached": 3, "compliance": 0.5},
    ]
    assert figures["breaches_by_partner"] == [
        {"partner": "acme-security", "name": "Acme Security", "breaches": 2},
        {"partner": "globex-cloud", "name": "Globex Cloud", "breaches": 1},
    ]


def test_breaches_per_partner_keeps_the_top_ten(api, reviewer):
    for n in range(12):
        integration = IntegrationFactory(
            partner=PartnerFactory(name=f"P{n:02d}"), stage=Stage.SUPPORT
        )
        for _ in range(n + 1):
            issue(integration, Severity.NORMAL, breached_at=NOW - DAY)
    rows = api_metrics(api, reviewer)["breaches_by_partner"]
    assert [(r["name"], r["breaches"]) for r in rows] == [
        (f"P{n:02d}", n + 1) for n in range(11, 1, -1)
    ]


def page_figures(html: str) -> dict:
    found = re.search(
        r'<script id="program-metrics-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page carries its figures as json_script"
    return json.loads(found.group(1))


def test_the_page_shows_the_api_figures_with_a_table_per_chart(
    api, client_as, reviewer, runs, support
):
    with time_machine.travel(NOW, tick=False):
        response = client_as(reviewer).get("/program/")
    assert response.status_code == 200
    html = response.content.decode()
    assert page_figures(html) == api_metrics(api, reviewer)
    assert html.count("<canvas") == 5 and html.count("<table") == 5
    # The tables carry the same numbers: the funnel (E, from `support`, has no history but was
    # supported, so it reached engage too), a median, the week, a partner.
    assert re.search(r"Engage</th><td[^>]*>5</td><td[^>]*>1</td>", html)
    assert re.search(r"Develop &amp; test</th><td[^>]*>10.0</td><td[^>]*>1</td>", html)
    assert re.search(r"2026-W48 .*?</th><td[^>]*>2</td><td[^>]*>3</td><td[^>]*>67 %</td>", html)
    assert re.search(r"Acme Security</a></th><td[^>]*>2</td>", html)
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "/static/js/program.js" in html


def test_the_page_has_no_inline_script_code(client_as, reviewer, pipeline):
    html = client_as(reviewer).get("/program/").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "onclick" not in html and "hx-on" not in html


def test_empty_program_says_what_to_do_next(client_as, reviewer):
    html = client_as(reviewer).get("/program/").content.decode()
    assert "nothing to measure" in html and 'href="/engage/"' in html
    assert "<canvas" not in html and "chart.umd.min.js" not in html


def test_figures_without_runs_or_issues_show_empty_states(client_as, reviewer, pipeline):
    html = client_as(reviewer).get("/program/").content.decode()
    assert "No verification run finished in these weeks" in html
    assert "No support issue was resolved or breached" in html
    assert "No SLA breach in the last 90 days" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("owner", 403),
        ("member", 403),
        ("outsider", 403),
        ("reviewer", 200),
        ("admin", 200),
    ],
)
def test_only_program_staff_see_the_page(client_as, people, integration, role, status):
    response = client_as(people[role]).get("/program/")
    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("owner", 403),
        ("member", 403),
        ("outsider", 403),
        ("reviewer", 200),
        ("admin", 200),
    ],
)
def test_only_program_staff_get_the_api(api, people, integration, role, status):
    response = api.as_user(people[role]).get("/api/v1/program/metrics/")
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "staff_only"


def test_the_program_link_is_in_the_staff_navigation_only(client_as, reviewer, owner):
    assert 'href="/program/"' in client_as(reviewer).get("/dashboard/").content.decode()
    assert 'href="/program/"' not in client_as(owner).get("/dashboard/").content.decode()


def grow(times: int, partner) -> None:
    """More of everything the figures read: integrations with history, runs, issues, breaches."""
    for n in range(times):
        integration = integration_with_history(
            partner,
            f"grown {partner.slug} {n}",
            [(Stage.ENGAGE, T0), (Stage.ENABLE, T0 + DAY), (Stage.SUPPORT, T0 + 3 * DAY)],
        )
        run(integration, RunStatus.PASSED, NOW - DAY)
        issue(integration, Severity.CRITICAL, breached_at=NOW - DAY)
        issue(integration, Severity.NORMAL, resolved_at=NOW - DAY)


def test_the_figures_take_a_constant_number_of_queries(django_assert_num_queries):
    grow(1, PartnerFactory())
    with django_assert_num_queries(12), time_machine.travel(NOW, tick=False):
        small = program_metrics()
    for _ in range(4):
        grow(5, PartnerFactory())
    with django_assert_num_queries(12), time_machine.travel(NOW, tick=False):
        large = program_metrics()
    assert (small.total, large.total) == (1, 21)


def test_the_page_and_the_api_take_a_constant_number_of_queries(api, client_as, reviewer):
    def count(path, client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    grow(1, PartnerFactory())
    small = (
        count("/program/", client_as(reviewer)),
        count("/api/v1/program/metrics/", api.as_user(reviewer)),
    )
    grow(10, PartnerFactory())
    large = (
        count("/program/", client_as(reviewer)),
        count("/api/v1/program/metrics/", api.as_user(reviewer)),
    )
    assert small == large


def test_the_schema_documents_the_metrics_response(api, reviewer):
    schema = api.as_user(reviewer).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/program/metrics/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(component["properties"]) >= {
        "counts_by_stage",
        "median_days_in_stage",
        "verification_pass_rate",
        "sla_compliance",
        "breaches_by_partner",
    }
