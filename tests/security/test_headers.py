"""Browser security headers on every kind of response: HTML pages, the JSON API, badge images.

The Content Security Policy is strict (no inline code without this response's nonce, no eval,
no framing); badges are still embeddable because partners' pages show them through <img>,
which neither CSP nor X-Frame-Options restrict."""

import re

import pytest
from django.utils import timezone

from badges.models import Badge
from integrations.models import Stage
from tests.factories import IntegrationFactory, VerificationRunFactory

pytestmark = pytest.mark.django_db

SECURE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

INLINE_CODE = re.compile(r'<(script|style)\b(?![^>]*\b(src=|nonce=|type="application/json"))[^>]*>')


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_secure(response) -> dict[str, list[str]]:
    for header, value in SECURE_HEADERS.items():
        assert response[header] == value, header
    assert "camera=()" in response["Permissions-Policy"]
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp[directive]
        assert "'unsafe-eval'" not in csp[directive]
    return csp


@pytest.fixture
def badge(partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    run = VerificationRunFactory(target__integration=integration)
    badge = Badge.objects.create(
        integration=integration, kind="hcp_vault_verified", run=run, verified_at=timezone.now()
    )
    return badge


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("anonymous", "/"),
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/directory/"),
        ("owner", "/dashboard/"),
        ("owner", "/accounts/profile/"),
        ("reviewer", "/review/board/"),
        ("reviewer", "/program/"),
        ("admin", "/admin/"),
    ],
)
def test_html_pages_send_a_strict_policy_and_secure_headers(client_as, people, who, path):
    response = client_as(people[who]).get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_secure(response)


def test_pages_and_fragments_have_no_inline_script_style_or_handler(client_as, owner, integration):
    """What the policy would block, caught without a browser: inline <script>/<style> without
    the nonce (JSON data blocks are not run, so allowed), style="" attributes and on…=""
    handlers."""
    client = client_as(owner)
    for path in ("/", "/dashboard/", f"/integrations/{integration.pk}/", "/support/"):
        html = client.get(path).content.decode()
        assert not INLINE_CODE.search(html), path
        assert not re.search(r"\s(style|on[a-z]+)=\"", html), path


def test_htmx_runs_without_eval(client):
    html = client.get("/").content.decode()
    assert '"allowEval": false' in html


def test_an_inline_block_carries_the_nonce_the_policy_allows(client_as, admin):
    """The API docs page (drf-spectacular) has one inline <style>; it carries the nonce."""
    response = client_as(admin).get("/api/docs/")
    csp = assert_secure(response)
    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in csp["style-src"]
    script = client_as(admin).get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_the_json_api_sends_the_secure_headers(api, owner):
    response = api.as_user(owner).get("/api/v1/me/")
    assert response.status_code == 200
    assert_secure(response)


@pytest.mark.parametrize("suffix", [".svg", ".json", "/"])
def test_badge_endpoints_send_the_secure_headers_and_stay_embeddable(client, badge, suffix):
    response = client.get(f"/badges/{badge.public_id}{suffix}")
    assert response.status_code == 200
    assert_secure(response)
    assert "Cross-Origin-Resource-Policy" not in response  # other sites' <img> may load it
    if suffix != "/":
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "nonce" not in response["Content-Security-Policy"]  # nothing to allow


def test_badge_images_do_not_vary_on_cookies_with_staff_mfa_on(client, badge, settings):
    """The staff MFA check reads no session for anonymous requests: shared caches keep one
    copy of a badge for everyone."""
    settings.VIP_REQUIRE_STAFF_MFA = True
    response = client.get(f"/badges/{badge.public_id}.svg")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
