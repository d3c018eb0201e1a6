"""Notifications as a partner reads them: repeats about one integration within an hour are
one item (the earlier ones under it), one's own actions are not in the list, and the list
filters by kind and integration in its URL."""

import re

import pytest
from playwright.sync_api import expect

from integrations.models import Stage
from pipeline.services import integration_transition
from tests.factories import IntegrationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_repeats_are_one_item_and_the_filters_stay_in_the_url(
    browse, shoot, owner, reviewer, partner
):
    sync = IntegrationFactory(partner=partner, name="Acme Secrets Sync")
    audit = IntegrationFactory(partner=partner, name="Acme Audit Stream")
    for stage in (Stage.ENABLE, Stage.DEVELOP):  # the program team moves one along twice
        integration_transition(integration=sync, to=stage, actor=reviewer)
    integration_transition(integration=audit, to=Stage.ENABLE, actor=reviewer)
    integration_transition(integration=sync, to=Stage.WITHDRAWN, actor=owner)  # their own

    page = browse(owner)
    page.goto("/dashboard/")
    page.get_by_role("link", name="2 unread notifications").click()
    items = page.get_by_role("list", name="Notifications").locator("> li")
    expect(items).to_have_count(2)
    grouped = items.filter(has_text="Acme Secrets Sync moved to Develop & test")
    expect(grouped).to_contain_text("and 1 earlier like it within the hour")
    expect(items.filter(has_text="Withdrawn")).to_have_count(0)  # the owner did that
    grouped.get_by_text("and 1 earlier like it within the hour").click()
    expect(grouped.get_by_role("link", name="Acme Secrets Sync moved to Enable")).to_be_visible()
    shoot(page, "grouped-notifications")

    page.get_by_label("Integration").select_option(label="Acme Audit Stream")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"integration={audit.pk}"))
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Acme Audit Stream moved to Enable")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("link", name="0 unread notifications")).to_be_visible()
    expect(items).to_have_count(1)  # still filtered after the list came back
    expect(page).to_have_url(re.compile(rf"integration={audit.pk}"))
    shoot(page, "filtered-by-integration")
