"""Journey 6: with staff MFA required (production), a reviewer who signs in is sent to add an
authenticator app, does so by typing the code the app would show, keeps the recovery codes and
reaches the board; all under the Content Security Policy (the QR code, allauth's scripts)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import steps
from tests.factories import PASSWORD
from tests.security.test_mfa import totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_reviewer_adds_an_authenticator_app_before_using_the_board(
    browse, shoot, reviewer, settings
):
    settings.VIP_REQUIRE_STAFF_MFA = True
    page = browse()
    steps.sign_in(page, reviewer.email)
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    steps.expect_message(page, "must turn on two-factor authentication")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url("/accounts/2fa/totp/activate/")
    qr_code = page.locator("img[src^='data:image/svg+xml']")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.get_by_label("Authenticator secret").input_value()
    shoot(page, "activate-authenticator")
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    shoot(page, "recovery-codes")
    page.goto("/review/board/")
    expect(page).to_have_url("/review/board/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
