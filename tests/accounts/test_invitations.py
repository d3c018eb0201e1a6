"""Owners invite by e-mail; the link joins the invited person to the partner."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
    invited = UserFactory(email="new@acme.example")
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
