"""The evidence target (DESIGN.md §4.2): the first target is primary, one per integration; the
partner owner or staff switch it before review, only staff from review on; in the API
(`primary`), on the integration page, and in the history."""

import pytest
from django.db import IntegrityError, transaction

from config.errors import DomainError
from integrations.models import Stage
from reviews import services
from reviews.models import VerificationTarget
from tests.concurrency import at_once
from tests.factories import IntegrationFactory, VerificationTargetFactory
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


def targets_url(integration):
    return f"/api/v1/integrations/{integration.pk}/targets/"


def target_url(target):
    return f"/api/v1/targets/{target.pk}/"


@pytest.fixture
def body(bao):
    return runtime_app(bao)


def two_targets(integration, owner, body):
    first = services.target_create(integration=integration, actor=owner, data=body)
    second = services.target_create(
        integration=integration, actor=owner, data={**body, "name": "second cluster"}
    )
    return first, second


def primary_of(integration):
    return list(
        VerificationTarget.objects.filter(
            integration=integration, primary=True, archived_at__isnull=True
        ).values_list("name", flat=True)
    )


def test_the_first_target_is_the_evidence_target(api, owner, integration, body):
    first = api.as_user(owner).post(targets_url(integration), body, format="json").json()
    second = api.post(targets_url(integration), {**body, "name": "two"}, format="json").json()
    assert (first["primary"], second["primary"]) == (True, False)
    listed = api.get(targets_url(integration)).json()["results"]
    assert {t["name"]: t["primary"] for t in listed} == {"test cluster": True, "two": False}


def test_the_database_keeps_one_evidence_target_per_integration(integration):
    VerificationTargetFactory(integration=integration)
    other = VerificationTargetFactory(integration=integration)
    assert other.primary is False
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationTarget.objects.filter(pk=other.pk).update(primary=True)


def test_the_owner_switches_it_before_review(api, owner, integration, body):
    first, second = two_targets(integration, owner, body)
    response = api.as_user(owner).patch(target_url(second), {"primary": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["primary"] is True
    assert primary_of(integration) == ["second cluster"]
    (row,) = integration.history.filter(field="evidence_target")
    assert (row.from_value, row.to_value, row.actor) == (
        f"test cluster (target {first.pk})",
        f"second cluster (target {second.pk})",
        owner,
    )


@pytest.mark.parametrize("stage", ["review", "release", "support", "delisted"])
def test_from_review_on_only_staff_switch_it(api, owner, reviewer, partner, body, stage):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    _, second = two_targets(integration, owner, body)
    integration.__class__.objects.filter(pk=integration.pk).update(stage=stage)
    response = api.as_user(owner).patch(target_url(second), {"primary": True}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "evidence_locked")
    assert primary_of(integration) == ["test cluster"]
    response = api.as_user(reviewer).patch(target_url(second), {"primary": True}, format="json")
    assert response.status_code == 200
    assert primary_of(integration) == ["second cluster"]


def test_a_member_may_not_switch_it(api, member, owner, integration, body):
    _, second = two_targets(integration, owner, body)
    response = api.as_user(member).patch(target_url(second), {"primary": True}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_owner")


def test_another_partner_gets_404(api, outsider, owner, integration, body):
    _, second = two_targets(integration, owner, body)
    response = api.as_user(outsider).patch(target_url(second), {"primary": True}, format="json")
    assert response.status_code == 404


def test_primary_false_is_a_400_and_nothing_changes(api, owner, integration, body):
    first, _ = two_targets(integration, owner, body)
    response = api.as_user(owner).patch(
        target_url(first), {"primary": False, "name": "renamed"}, format="json"
    )
    assert response.status_code == 400 and "primary" in response.json()["errors"]
    first.refresh_from_db()
    assert (first.primary, first.name) == (True, "test cluster")


def test_a_refused_switch_changes_nothing_else_in_the_body(api, owner, partner, body):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    _, second = two_targets(integration, owner, body)
    integration.__class__.objects.filter(pk=integration.pk).update(stage=Stage.REVIEW)
    response = api.as_user(owner).patch(
        target_url(second), {"primary": True, "name": "renamed"}, format="json"
    )
    assert response.status_code == 403
    second.refresh_from_db()
    assert second.name == "second cluster"


def test_deleting_the_evidence_target_before_review_makes_the_oldest_other_one_it(
    api, owner, integration, body
):
    first, second = two_targets(integration, owner, body)
    assert api.as_user(owner).delete(target_url(first)).status_code == 204
    assert primary_of(integration) == ["second cluster"]
    row = integration.history.get(field="evidence_target")
    assert (row.to_value, row.note) == (
        f"second cluster (target {second.pk})",
        "The evidence target “test cluster” was deleted.",
    )


def test_deleting_the_evidence_target_from_review_on_leaves_none(api, owner, partner, body):
    """Deleting a failing evidence target never hands the review to another target."""
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    first, _ = two_targets(integration, owner, body)
    integration.__class__.objects.filter(pk=integration.pk).update(stage=Stage.REVIEW)
    api.as_user(owner).delete(target_url(first))
    assert primary_of(integration) == []
    third = services.target_create(integration=integration, actor=owner, data=body)
    assert third.primary is False  # the partner's new target is not the evidence either
    row = integration.history.get(field="evidence_target")
    assert (row.to_value, row.actor) == (None, owner)


def test_the_page_shows_it_and_offers_the_switch_where_allowed(
    client_as, owner, member, reviewer, partner, body
):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    _, second = two_targets(integration, owner, body)
    page = f"/integrations/{integration.pk}/"
    button = "Make evidence target"
    html = client_as(owner).get(page).content.decode()
    assert html.count("Evidence target</span>") == 1 and html.count(button) == 1
    assert button not in client_as(member).get(page).content.decode()
    response = client_as(owner).post(f"/targets/{second.pk}/primary/", follow=True)
    assert "“second cluster” is now the evidence target." in response.content.decode()
    assert primary_of(integration) == ["second cluster"]
    integration.__class__.objects.filter(pk=integration.pk).update(stage=Stage.REVIEW)
    html = client_as(owner).get(page).content.decode()
    assert button not in html and "From review on, program staff change it." in html
    assert client_as(owner).post(f"/targets/{second.pk}/primary/").status_code == 403
    assert button in client_as(reviewer).get(page).content.decode()


def test_the_page_says_when_there_is_none(client_as, owner, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    VerificationTargetFactory(integration=integration, primary=False)
    html = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "No evidence target: program staff choose" in html
    html = client_as(reviewer).get(f"/integrations/{integration.pk}/").content.decode()
    assert "No evidence target: make one of the targets the evidence target" in html


def test_a_service_caller_gets_the_domain_error(owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    VerificationTargetFactory(integration=integration)
    other = VerificationTargetFactory(integration=integration)
    with pytest.raises(DomainError) as refused:
        services.target_make_primary(target=other, actor=owner)
    assert refused.value.status == 403


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_targets_added_at_once_make_one_evidence_target(owner, partner, body):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)

    def add(name):
        return lambda: (
            services.target_create(
                integration=integration, actor=owner, data={**body, "name": name}
            ).primary
        )

    assert sorted(at_once(add("a"), add("b"))) == [False, True]
    assert len(primary_of(integration)) == 1
