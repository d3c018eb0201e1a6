"""/integrations/ and /integrations/export.csv: who sees which integrations, the columns,
search, filters, pagination, the CSV (same filters, formula-injection guard, streamed) and a
constant number of queries."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from badges.models import Badge
from integrations.models import Integration, Stage
from support_sla.models import StandingRecord
from tests.factories import IntegrationFactory, PartnerFactory, VerificationRunFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def badge(integration, kind, status):
    return Badge.objects.create(
        integration=integration,
        kind=kind,
        status=status,
        run=VerificationRunFactory(target__integration=integration),
        verified_at=timezone.now(),
    )


@pytest.fixture
def ours(partner):
    integration = IntegrationFactory(
        partner=partner,
        name="Acme KMS",
        category="hsm",
        stage=Stage.SUPPORT,
        stage_changed_at=NOW - timedelta(days=3, hours=23),
    )
    badge(integration, "hcp_vault_verified", "active")
    badge(integration, "vault_enterprise_verified", "suspended")
    badge(integration, "vault_enterprise_verified", "revoked")
    StandingRecord.objects.create(integration=integration, standing="at_risk")
    return integration


@pytest.fixture
def theirs(other_partner):
    return IntegrationFactory(partner=other_partner, name="Globex Secrets", stage=Stage.DEVELOP)


def get(client, path):
    with time_machine.travel(NOW, tick=False):
        return client.get(path)


def export(client, query="") -> list[dict]:
    response = get(client, f"/integrations/export.csv{query}")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="integrations-2026-11-25.csv"'
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def names(response) -> list[str]:
    return [integration.name for integration in response.context["page"]]


# --- Who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/integrations/", "/integrations/export.csv"])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", ["Acme KMS"]),
        ("member", ["Acme KMS"]),
        ("outsider", ["Globex Secrets"]),
        ("reviewer", ["Acme KMS", "Globex Secrets"]),
        ("admin", ["Acme KMS", "Globex Secrets"]),
    ],
)
def test_each_role_sees_only_what_it_may(client_as, people, ours, theirs, role, expected):
    client = client_as(people[role])
    assert names(get(client, "/integrations/")) == expected
    assert [row["name"] for row in export(client)] == expected


def test_filtering_by_another_partner_shows_nothing_of_it(client_as, owner, ours, theirs):
    client = client_as(owner)
    response = get(client, "/integrations/?partner=globex-cloud")
    assert names(response) == []
    assert "Globex" not in response.content.decode()
    assert export(client, "?partner=globex-cloud") == []
    assert export(client, "?search=Globex") == []


def test_partner_choices_are_the_viewers_partners(client_as, owner, ours, theirs):
    html = get(client_as(owner), "/integrations/").content.decode()
    assert '<option value="acme-security"' in html
    assert "globex-cloud" not in html


# --- Columns ----------------------------------------------------------------------------------


def test_a_row_shows_stage_days_badges_and_standing(client_as, owner, ours):
    response = get(client_as(owner), "/integrations/")
    html = response.content.decode()
    (row,) = response.context["page"]
    assert row.stage_days == 3  # 3 days 23 hours: whole days, like the board
    assert "Acme Security" in html and "HSM" in html and ">Support</span>" in html
    assert '<td class="text-end" data-label="Days in stage">3</td>' in html
    assert "HCP Vault Verified" in html and ">active</span>" in html
    assert "Vault Enterprise Verified" in html and ">suspended</span>" in html
    assert "revoked" not in html
    assert "At risk" in html


def test_without_a_standing_record_support_is_good(client_as, owner, integration):
    assert "Good" in get(client_as(owner), "/integrations/").content.decode()


def test_csv_has_the_columns_of_the_page_and_more(client_as, owner, ours):
    (row,) = export(client_as(owner))
    assert row == {
        "id": str(ours.pk),
        "name": "Acme KMS",
        "partner": "Acme Security",
        "partner_slug": "acme-security",
        "category": "hsm",
        "stage": "support",
        "days_in_stage": "3",
        "stage_changed_at": "2026-11-21T13:00:00Z",
        "badges": "hcp_vault_verified:active; vault_enterprise_verified:suspended",
        "support_standing": "at_risk",
    }


def test_days_in_stage_are_the_same_on_the_page_in_the_csv_and_on_the_board(
    client_as, reviewer, partner
):
    for hours in (0, 23, 24, 47, 24 * 30 + 1):
        IntegrationFactory(
            partner=partner,
            name=f"{hours:04d} hours",
            stage=Stage.DEVELOP,
            stage_changed_at=NOW - timedelta(hours=hours),
        )
    client = client_as(reviewer)
    page = {i.name: i.stage_days for i in get(client, "/integrations/").context["page"]}
    exported = {row["name"]: int(row["days_in_stage"]) for row in export(client)}
    with time_machine.travel(NOW, tick=False):
        board = {i.name: i.days_in_stage for i in Integration.objects.all()}
    assert page == exported == board
    assert page == {
        "0000 hours": 0,
        "0023 hours": 0,
        "0024 hours": 1,
        "0047 hours": 1,
        "0721 hours": 30,
    }


# --- Search, filters, pagination --------------------------------------------------------------


@pytest.fixture
def catalogue(partner, other_partner):
    IntegrationFactory(partner=partner, name="Acme PKI", category="runtime", stage=Stage.REVIEW)
    IntegrationFactory(partner=partner, name="Acme Audit", category="audit", stage=Stage.REVIEW)
    IntegrationFactory(partner=other_partner, name="Globex Auth", category="auth_method")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?search=pki", ["Acme PKI"]),
        ("?search=globex", ["Globex Auth"]),  # the partner's name
        ("?stage=review", ["Acme Audit", "Acme PKI"]),
        ("?category=audit", ["Acme Audit"]),
        ("?partner=globex-cloud", ["Globex Auth"]),
        ("?stage=review&category=runtime&search=acme", ["Acme PKI"]),
    ],
)
def test_search_and_filters_on_the_page_and_in_the_csv(
    client_as, reviewer, catalogue, query, expected
):
    client = client_as(reviewer)
    assert names(get(client, f"/integrations/{query}")) == expected
    assert [row["name"] for row in export(client, query)] == expected


def test_the_download_link_carries_the_filters(client_as, reviewer, catalogue):
    html = get(client_as(reviewer), "/integrations/?stage=review&search=acme&page=1").content
    assert b'href="/integrations/export.csv?stage=review&amp;search=acme"' in html
    assert b"Download CSV (filtered)" in html


def test_an_unknown_stage_is_explained_not_a_crash(client_as, reviewer, catalogue):
    response = get(client_as(reviewer), "/integrations/?stage=nowhere")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    bad = get(client_as(reviewer), "/integrations/export.csv?stage=nowhere")
    assert bad.status_code == 400
    assert "stage" in bad.content.decode()


def test_no_match_offers_to_clear_the_filters(client_as, reviewer, catalogue):
    html = get(client_as(reviewer), "/integrations/?search=nothing-like-this").content.decode()
    assert "No integration matches these filters." in html
    assert 'href="/integrations/"' in html


def test_nothing_yet_says_what_to_do_next(client_as, owner):
    html = get(client_as(owner), "/integrations/").content.decode()
    assert "Your organisations have no integration yet." in html
    assert 'href="/engage/"' in html


def test_pages_of_fifty_keep_the_filters(client_as, reviewer, partner):
    Integration.objects.bulk_create(
        IntegrationFactory.build(partner=partner, name=f"Runtime {n:03d}") for n in range(55)
    )
    IntegrationFactory(partner=partner, name="Audit", category="audit")
    client = client_as(reviewer)
    first = get(client, "/integrations/?category=runtime")
    assert len(first.context["page"]) == 50
    assert b'href="?category=runtime&amp;page=2"' in first.content
    second = get(client, "/integrations/?category=runtime&page=2")
    assert names(second) == [f"Runtime {n:03d}" for n in range(50, 55)]


# --- The CSV ----------------------------------------------------------------------------------


def test_cells_that_a_spreadsheet_would_run_are_defused(client_as, reviewer):
    evil = PartnerFactory(name="+cmd|' /C calc'!A0", slug="evil")
    for name in ['=HYPERLINK("http://x")', "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn", "Plain"]:
        IntegrationFactory(partner=evil, name=name)
    rows = export(client_as(reviewer))
    assert sorted(row["name"] for row in rows) == sorted(
        ['\'=HYPERLINK("http://x")', "'-2+3", "'@SUM(A1)", "'\tTabbed", "'\rReturn", "Plain"]
    )
    assert {row["partner"] for row in rows} == {"'+cmd|' /C calc'!A0"}


def test_a_large_export_streams_every_row_with_its_badges(
    client_as, reviewer, partner, django_assert_max_num_queries
):
    Integration.objects.bulk_create(
        IntegrationFactory.build(partner=partner, name=f"Bulk {n:04d}") for n in range(1_200)
    )
    last = Integration.objects.get(name="Bulk 1199")
    badge(last, "hcp_vault_verified", "active")
    client = client_as(reviewer)
    with django_assert_max_num_queries(12):  # chunks of 500: a query and a prefetch each
        rows = export(client)
    assert len(rows) == 1_200
    assert rows[-1]["badges"] == "hcp_vault_verified:active"
    assert {row["badges"] for row in rows[:-1]} == {""}


# --- Queries and navigation ---------------------------------------------------------------------


def fill(count: int) -> None:
    for _ in range(count):
        integration = IntegrationFactory(partner=PartnerFactory(), stage=Stage.SUPPORT)
        badge(integration, "hcp_vault_verified", "active")
        StandingRecord.objects.create(integration=integration, standing="good")


@pytest.mark.parametrize("role", ["reviewer", "owner"])
def test_the_list_takes_a_constant_number_of_queries(
    client_as, people, partner, role, django_assert_num_queries
):
    client = client_as(people[role])
    IntegrationFactory(partner=partner)
    fill(2)
    with CaptureQueriesContext(connection) as small:
        client.get("/integrations/")
    assert len(small) <= 10
    for _ in range(10):
        IntegrationFactory(partner=partner)
    fill(20)
    with django_assert_num_queries(len(small)):
        client.get("/integrations/")


def test_signed_in_users_have_an_integrations_link(client_as, owner, client):
    assert 'href="/integrations/"' in client_as(owner).get("/dashboard/").content.decode()
    client.logout()
    assert 'href="/integrations/"' not in client.get("/directory/").content.decode()
