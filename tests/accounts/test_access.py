"""Partner roles: read once per user object (a page asking about many partners costs one
query), and read again after the user's memberships change."""

import pytest
from allauth.account.models import EmailAddress

from accounts import services as account_services
from accounts.access import is_member, is_owner, partner_role
from pipeline.services import partner_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_all_roles_come_in_one_query(owner, partner, other_partner, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert partner_role(owner, partner) == "owner"
        assert is_owner(owner, partner)
        assert not is_member(owner, other_partner)


def test_a_new_partner_is_known_at_once(owner, partner):
    assert is_owner(owner, partner)  # the roles are now remembered on `owner`
    created = partner_create(owner=owner, name="Initech Vault Tools")
    assert is_owner(owner, created)


def test_an_accepted_invitation_is_known_at_once(owner, partner):
    newcomer = UserFactory(email="new@acme.example")
    EmailAddress.objects.create(user=newcomer, email=newcomer.email, verified=True, primary=True)
    assert not is_member(newcomer, partner)
    _invitation, link = account_services.partner_invite(
        partner=partner, email=newcomer.email, role="member", invited_by=owner
    )
    account_services.invitation_accept(key=link.rstrip("/").rsplit("/", 1)[1], user=newcomer)
    assert partner_role(newcomer, partner) == "member"
