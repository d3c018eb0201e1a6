"""Owners invite by e-mail; the link joins the invited person to the partner."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def verified_user(email: str):
    """Someone who signed up with `email` and verified it."""
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def invite(client, partner, email="new@acme.example", role="member"):
    return client.post(f"/accounts/partners/{partner.slug}/invite/", {"email": email, "role": role})


def link_from_mail() -> str:
    match = re.search(r"https?://\S+/accounts/invitations/(\S+)/", mail.outbox[-1].body)
    return f"/accounts/invitations/{match.group(1)}/"


def test_owner_invites_and_the_link_joins(
    client_as, owner, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(owner), partner)
    assert mail.outbox[-1].to == ["new@acme.example"]
    assert partner.name in mail.outbox[-1].subject
    link = link_from_mail()
    invited = verified_user("new@acme.example")
    client = client_as(invited)
    page = client.get(link)
    assert f"Join {partner.name}" in page.content.decode()
    response = client.post(link)
    assert response["Location"] == "/dashboard/"
    assert Membership.objects.get(user=invited, partner=partner).role == "member"
    # The link works once.
    assert "already been used" in client.post(link, follow=True).content.decode()


def test_the_key_is_not_stored_in_clear(
    client_as, owner, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(owner), partner)
    key = link_from_mail().rstrip("/").rsplit("/", 1)[1]
    assert key not in str(Invitation.objects.values().get())


def test_anonymous_visitors_sign_in_first(
    client, owner, partner, django_capture_on_commit_callbacks, client_as
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(owner), partner)
    link = link_from_mail()
    client.logout()
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/invitations/")


def test_a_different_account_cannot_use_the_invitation(
    client_as, owner, outsider, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(owner), partner)
    response = client_as(outsider).post(link_from_mail(), follow=True)
    assert "sign in with that address" in response.content.decode()
    assert not Membership.objects.filter(user=outsider, partner=partner).exists()


def test_an_expired_invitation_is_refused(
    client_as, owner, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(owner), partner)
    link = link_from_mail()
    invited = UserFactory(email="new@acme.example")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client_as(invited).post(link, follow=True)
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=invited).exists()


def test_an_unknown_link_is_404(client_as, owner):
    assert client_as(owner).get("/accounts/invitations/not-a-key/").status_code == 404


def test_members_and_outsiders_cannot_invite(client_as, member, outsider, partner):
    response = invite(client_as(member), partner)
    assert response.status_code == 302
    assert Invitation.objects.count() == 0
    assert invite(client_as(outsider), partner).status_code == 404


def test_inviting_an_existing_member_is_refused(client_as, owner, member, partner):
    response = client_as(owner).post(
        f"/accounts/partners/{partner.slug}/invite/",
        {"email": member.email, "role": "member"},
        follow=True,
    )
    assert "already a member" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_a_bad_email_is_an_error(client_as, owner, partner):
    response = client_as(owner).post(
        f"/accounts/partners/{partner.slug}/invite/",
        {"email": "nope", "role": "member"},
        follow=True,
    )
    assert "Enter a valid email address." in response.content.decode()


# --- The invited address, verified, and nothing else (issue 15) ------------------------------

NEW = "new@acme.example"


def add_address(client, email: str, **action):
    return client.post("/accounts/email/", {"email": email, **(action or {"action_add": ""})})


def confirmation_link(address: EmailAddress) -> str:
    """The link allauth e-mails to confirm `address`."""
    return f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"


@pytest.fixture
def invitation_link(client_as, owner, partner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(owner), partner, email=NEW, role="owner")
    client_as(None)
    return link_from_mail()


@pytest.fixture
def squatter(client):
    """Someone who typed the invitee's address into their own account, unverified (and even
    made it their sign-in address, which allauth allows while none of theirs is verified)."""
    user = UserFactory(email="squatter@evil.example")
    client.force_login(user)
    assert add_address(client, NEW).status_code == 302
    add_address(client, NEW, action_primary="")
    client.logout()
    return user


def test_an_unverified_address_does_not_let_its_typist_accept(
    client, squatter, invitation_link, partner
):
    squatter.refresh_from_db()
    client.force_login(squatter)  # even holding the link
    page = client.get(invitation_link).content.decode()
    assert "verify that address first" in page
    response = client.post(invitation_link, follow=True)
    assert "verify that address first" in response.content.decode()
    assert not Membership.objects.filter(user=squatter, partner=partner).exists()


def test_an_unverified_secondary_address_of_another_account_does_not_block_sign_up(
    client, invitation_link, partner
):
    squatter = UserFactory(email="squatter@evil.example")
    client.force_login(squatter)
    add_address(client, NEW)
    client.logout()
    response = client.post(
        "/accounts/signup/", {"email": NEW, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    invitee = User.objects.get(email=NEW)
    # Verifying the address (the link allauth e-mailed) ends the squatter's copy of it.
    client.post(confirmation_link(EmailAddress.objects.get(user=invitee)))
    assert EmailAddress.objects.get(user=invitee, email=NEW).verified
    assert not EmailAddress.objects.filter(user=squatter, email=NEW).exists()
    response = client.post(invitation_link)
    assert response["Location"] == "/dashboard/"
    assert Membership.objects.get(user=invitee, partner=partner).role == "owner"


def test_an_invitee_who_has_not_verified_the_address_is_told_to(client, invitation_link):
    client.post("/accounts/signup/", {"email": NEW, "password1": PASSWORD, "password2": PASSWORD})
    invitee = User.objects.get(email=NEW)
    page = client.get(invitation_link).content.decode()
    assert "verify that address first" in page
    client.post(invitation_link)
    assert not Membership.objects.filter(user=invitee).exists()
    client.post(confirmation_link(EmailAddress.objects.get(user=invitee)))
    assert client.post(invitation_link)["Location"] == "/dashboard/"


def test_an_account_holds_at_most_three_addresses(client):
    user = UserFactory(email="many@acme.example")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    client.force_login(user)
    add_address(client, "two@acme.example")
    add_address(client, "three@acme.example")
    add_address(client, "four@acme.example")
    assert EmailAddress.objects.filter(user=user).count() == 3
    assert not EmailAddress.objects.filter(email="four@acme.example").exists()


def test_the_typists_confirm_link_does_not_take_the_address_from_its_owner(
    client, invitation_link, partner
):
    """The squatter's "Confirm" mail went to the invitee, who clicks it after signing up: the
    address stays the invitee's, and nothing fails."""
    squatter = UserFactory(email="squatter@evil.example")
    EmailAddress.objects.create(user=squatter, email=squatter.email, primary=True, verified=True)
    client.force_login(squatter)
    add_address(client, NEW)
    client.logout()
    client.post("/accounts/signup/", {"email": NEW, "password1": PASSWORD, "password2": PASSWORD})
    invitee = User.objects.get(email=NEW)
    squatted = EmailAddress.objects.get(user=squatter, email=NEW)
    response = client.post(confirmation_link(squatted), follow=True)
    assert response.status_code == 200
    assert "belongs to another account" in response.content.decode()
    squatted.refresh_from_db()
    assert not squatted.verified
    client.force_login(squatter)
    client.post(invitation_link)
    assert not Membership.objects.filter(partner=partner, user=squatter).exists()
    client.force_login(invitee)
    client.post(confirmation_link(EmailAddress.objects.get(user=invitee)))
    assert client.post(invitation_link)["Location"] == "/dashboard/"


# --- Sign-up from an invitation: the invited address filled in ------------------------------


def signup_link_on_the_sign_in_page(client, invitation_link) -> str:
    """An invitee without an account opens the link, is sent to sign in, and follows the sign-up
    link there (which keeps `next`, the invitation)."""
    page = client.get(invitation_link, follow=True).content.decode()
    assert f"Sign in or sign up as {NEW}" in page
    return html.unescape(re.search(r'href="(/accounts/signup/\?next=[^"]+)"', page).group(1))


def email_value(page: str) -> str | None:
    field = re.search(r'<input type="email" name="email"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', field)
    return value.group(1) if value else None


def test_the_sign_up_form_is_filled_in_with_the_invited_address(client, invitation_link):
    page = client.get(signup_link_on_the_sign_in_page(client, invitation_link)).content.decode()
    assert email_value(page) == NEW
    assert "The address Acme Security invited" in page


def test_the_address_comes_from_the_invitation_not_from_the_query(client, invitation_link):
    key = invitation_link.rstrip("/").rsplit("/", 1)[1]
    forged = f"/accounts/invitations/{key[:-2]}xx/"
    page = client.get("/accounts/signup/", {"next": forged}).content.decode()
    assert email_value(page) is None  # an unknown link fills nothing in
    assert email_value(client.get("/accounts/signup/").content.decode()) is None
    Invitation.objects.update(accepted_at=timezone.now())  # a used invitation neither
    assert (
        email_value(client.get("/accounts/signup/", {"next": invitation_link}).content.decode())
        is None
    )


def test_a_filled_in_address_is_not_a_verified_one(client, invitation_link):
    """Holding the link proves nothing: the invitee still confirms the address before joining."""
    signup = signup_link_on_the_sign_in_page(client, invitation_link)
    response = client.post(signup, {"email": NEW, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    invitee = User.objects.get(email=NEW)
    assert not EmailAddress.objects.get(user=invitee, email=NEW).verified
    client.post(invitation_link)
    assert not Membership.objects.filter(user=invitee).exists()
