"""One layout: navigation by role with the current page marked, breadcrumbs below the top level
(templates/includes/breadcrumbs.html), labels on the search boxes."""

import re

import pytest

from badges.models import Badge
from integrations.models import Stage
from support_sla import services as support_services
from tests.factories import IntegrationFactory, VerificationRunFactory, VerificationTargetFactory

pytestmark = pytest.mark.django_db


def nav(html: str) -> str:
    return html[html.index('<nav class="navbar') : html.index("</nav>")]


def nav_labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(
            r'class="(?:nav-link|dropdown-item)[^"]*"[^>]*>(.*?)</(?:a|button)>', nav(html), re.S
        )
    ]


def breadcrumbs(html: str) -> list[str]:
    """The trail's labels; the current page (aria-current) last, marked with a star."""
    match = re.search(r'<nav aria-label="Breadcrumb">(.*?)</nav>', html, re.S)
    if not match:
        return []
    items = re.findall(
        r'<li class="breadcrumb-item([^"]*)"([^>]*)>(.*?)</li>', match.group(1), re.S
    )
    trail = []
    for css, attrs, body in items:
        label = re.sub(r"<[^>]+>", "", body).strip()
        current = 'aria-current="page"' in attrs
        assert current == ("active" in css)
        trail.append(label + ("*" if current else ""))
    return trail


ACCOUNT_MENU = ["Your account", "Notification settings", "API docs"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", ["Directory", "Sign in"]),
        (
            "owner",
            [
                "Dashboard",
                "Integrations",
                "Support",
                "New integration",
                "Directory",
                "0 unread notifications",
                "owner@acme.example",
                *ACCOUNT_MENU,
            ],
        ),
        (
            "reviewer",
            [
                "Board",
                "Review queue",
                "Program",
                "Assigned to me",
                "Integrations",
                "Support",
                "Directory",
                "0 unread notifications",
                "reviewer@vip.example",
                *ACCOUNT_MENU,
            ],
        ),
        (
            "admin",
            [
                "Board",
                "Review queue",
                "Program",
                "Assigned to me",
                "Integrations",
                "Support",
                "Directory",
                "0 unread notifications",
                "admin@vip.example",
                *ACCOUNT_MENU,
                "Admin",
            ],
        ),
    ],
)
def test_each_role_sees_the_navigation_it_can_use(client_as, people, role, expected):
    html = client_as(people[role]).get("/directory/").content.decode()
    labels = [label for label in nav_labels(html) if label != "Sign out"]
    assert labels == expected


@pytest.mark.parametrize(
    ("role", "path", "current"),
    [
        ("owner", "/dashboard/", "/dashboard/"),
        ("owner", "/support/", "/support/"),
        ("owner", "/engage/", "/engage/"),
        ("reviewer", "/review/board/", "/review/board/"),
        ("reviewer", "/review/queue/", "/review/queue/"),
        ("anonymous", "/directory/", "/directory/"),
        ("anonymous", "/accounts/login/", "/accounts/login/"),
        ("owner", "/accounts/profile/", "/accounts/profile/"),
    ],
)
def test_the_current_page_is_marked_in_the_navigation(client_as, people, role, path, current):
    html = nav(client_as(people[role]).get(path).content.decode())
    marked = re.findall(
        r'<a class="(?:nav-link|dropdown-item) active" aria-current="page" href="([^"]+)"', html
    )
    assert marked == [current]


def test_a_page_inside_a_section_marks_the_section_not_the_page(client_as, owner, partner):
    IntegrationFactory(partner=partner, stage=Stage.SUPPORT, name="Listed")
    html = nav(client_as(None).get(f"/directory/{partner.slug}/").content.decode())
    assert '<a class="nav-link active" aria-current="true" href="/directory/">' in html
    assert 'aria-current="page"' not in html


def test_top_level_pages_have_no_breadcrumbs(client_as, owner, reviewer):
    assert breadcrumbs(client_as(owner).get("/dashboard/").content.decode()) == []
    assert breadcrumbs(client_as(reviewer).get("/review/board/").content.decode()) == []
    assert breadcrumbs(client_as(None).get("/directory/").content.decode()) == []


def test_breadcrumbs_on_the_pages_below_the_top_level(client_as, owner, reviewer, partner):
    integration = IntegrationFactory(partner=partner, name="Acme Sync", stage=Stage.SUPPORT)
    target = VerificationTargetFactory(integration=integration, name="lab")
    run = VerificationRunFactory(target=target)
    issue = support_services.issue_open(
        integration=integration,
        actor=owner,
        data={"title": "Login fails", "description": "Since 2.7.", "severity": "normal"},
    )
    partner_page = f"/partners/{partner.slug}/"
    expected = {
        f"/integrations/{integration.pk}/": ["Dashboard", "Acme Security", "Acme Sync*"],
        f"/integrations/{integration.pk}/edit/": [
            "Dashboard",
            "Acme Sync",
            "Edit intake answers*",
        ],
        f"/integrations/{integration.pk}/targets/new/": ["Dashboard", "Acme Sync", "New target*"],
        f"/targets/{target.pk}/edit/": ["Dashboard", "Acme Sync", "Edit target*"],
        f"/integrations/{integration.pk}/runs/": ["Dashboard", "Acme Sync", "Verification runs*"],
        f"/verifications/{run.pk}/": ["Dashboard", "Acme Sync", "Runs", f"Run {run.pk}*"],
        f"/integrations/{integration.pk}/support/new/": [
            "Dashboard",
            "Acme Sync",
            "New support issue*",
        ],
        f"/support/issues/{issue.pk}/": ["Support", "Acme Sync", "Login fails*"],
        partner_page: ["Dashboard", "Acme Security*"],
        "/engage/": ["Dashboard", "New integration*"],
        f"/directory/{partner.slug}/": ["Directory", "Acme Security*"],
        "/accounts/password/change/": ["Your account", "Change password*"],
        "/accounts/email/": ["Your account", "E-mail addresses*"],
    }
    client = client_as(owner)
    for path, trail in expected.items():
        assert breadcrumbs(client.get(path).content.decode()) == trail, path
    staff_page = client_as(reviewer).get(f"/integrations/{integration.pk}/").content.decode()
    assert breadcrumbs(staff_page) == ["Board", "Acme Security", "Acme Sync*"]
    assert breadcrumbs(client_as(reviewer).get("/review/board/?stage=review").content.decode()) == [
        "Board",
        "Review*",
    ]
    reset = client_as(None).get("/accounts/password/reset/").content.decode()
    assert breadcrumbs(reset) == ["Sign in", "Reset your password*"]


def test_the_badge_page_has_breadcrumbs_for_the_public(client, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT, name="Acme Sync")
    run = VerificationRunFactory(target=VerificationTargetFactory(integration=integration))
    badge = Badge.objects.create(
        integration=integration, kind="hcp_vault_verified", run=run, verified_at=run.finished_at
    )
    html = client.get(f"/badges/{badge.public_id}/").content.decode()
    assert breadcrumbs(html) == ["Directory", "Acme Security", "HCP Vault Verified*"]


def test_breadcrumb_links_lead_up_the_trail(client_as, owner, integration):
    html = client_as(owner).get(f"/integrations/{integration.pk}/edit/").content.decode()
    trail = re.search(r'<nav aria-label="Breadcrumb">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', trail) == [
        "/dashboard/",
        f"/integrations/{integration.pk}/",
    ]


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("owner", "/dashboard/"),
        ("owner", "/support/"),
        ("reviewer", "/review/queue/"),
        ("reviewer", "/review/board/"),
        ("anonymous", "/directory/"),
        ("owner", "/integrations/{pk}/runs/"),
    ],
)
def test_every_search_box_and_filter_has_a_label(client_as, people, integration, role, path):
    html = client_as(people[role]).get(path.format(pk=integration.pk)).content.decode()
    main = html[html.index('<main id="main"') :]
    fields = re.findall(r"<(?:input|select)\b[^>]*>", main)
    assert fields, "the page has no search box or filter"
    for field in fields:
        if 'type="hidden"' in field or 'name="csrfmiddlewaretoken"' in field:
            continue
        field_id = re.search(r'id="([^"]+)"', field)
        assert field_id, field
        assert f'for="{field_id.group(1)}"' in main, field
