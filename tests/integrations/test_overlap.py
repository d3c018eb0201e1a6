"""Overlap detection on realistic integration names and descriptions."""

import pytest

from integrations.overlap import Candidate, name_similarity, score_candidates
from integrations.services import integration_intake
from tests.factories import IntegrationFactory

THRESHOLD = 0.55

SAME_WORK = [
    # (new name, its partner, existing name, its partner, category)
    (
        "Jenkins Vault Plugin",
        "CloudBees",
        "Jenkins Credentials Provider for HashiCorp Vault",
        "Community",
        "runtime",
    ),
    ("AcmeKMS External Key Manager", "Acme", "Acme KMS", "Acme", "runtime"),
    ("Thales Luna HSM", "Thales", "Luna Network HSM", "Thales", "hsm"),
    ("Vault Audit for Splunk", "Initech", "Splunk", "Splunk", "audit"),
    (
        "MongoDB Atlas Secrets Engine",
        "MongoDB",
        "MongoDB Atlas Database Secrets",
        "MongoDB",
        "secrets_engine",
    ),
    (
        "Vault Secrets Operator for Kubernetes",
        "Initech",
        "Kubernetes Vault Secrets Sync",
        "Acme",
        "runtime",
    ),
    (
        "Terraform Cloud Secrets Engine",
        "HashiCorp",
        "Terraform Enterprise Dynamic Credentials",
        "HashiCorp",
        "secrets_engine",
    ),
]

DIFFERENT_WORK = [
    ("GitLab CI Secrets", "GitLab", "Jenkins Vault Plugin", "CloudBees", "runtime"),
    ("Entrust nShield HSM", "Entrust", "Thales Luna HSM", "Thales", "hsm"),
    ("Okta Auth Method", "Okta", "Azure AD Auth Method", "Microsoft", "auth_method"),
    # Same partner, different products: the partner's name is not evidence of overlap.
    ("Acme Secrets Sync for Kubernetes", "Acme", "Acme KMS Connector", "Acme", "runtime"),
    ("Globex Legacy Token Tool", "Globex", "Globex CI Secrets Injector", "Globex", "runtime"),
    ("Splunk Audit Device", "Splunk", "Datadog Monitoring", "Datadog", "audit"),
    (
        "Venafi PKI Backend",
        "Venafi",
        "Venafi Machine Identity Secrets Engine",
        "Venafi",
        "secrets_engine",
    ),
]


@pytest.mark.parametrize(("new", "new_partner", "old", "old_partner", "category"), SAME_WORK)
def test_names_of_the_same_work_are_similar(new, new_partner, old, old_partner, category):
    score = name_similarity(
        new, old, partner_a=new_partner, partner_b=old_partner, category=category
    )
    assert score >= 0.7, score


@pytest.mark.parametrize(("new", "new_partner", "old", "old_partner", "category"), DIFFERENT_WORK)
def test_names_of_different_work_are_not(new, new_partner, old, old_partner, category):
    score = name_similarity(
        new, old, partner_a=new_partner, partner_b=old_partner, category=category
    )
    assert score < THRESHOLD, score


def test_a_similar_description_lifts_a_related_name_over_the_threshold():
    description = (
        "Streams Vault audit device events into Splunk indexes with dashboards for "
        "failed logins, policy changes and token creation."
    )
    candidates = [
        Candidate(1, "Splunk App for Vault", description, "Splunk"),
        Candidate(2, "Datadog Monitoring", "Collects Vault telemetry metrics.", "Datadog"),
        Candidate(3, "Elastic Vault Integration", "Ships audit logs to Elasticsearch.", "Elastic"),
    ]
    matches = score_candidates(
        name="Vault Audit Stream for Splunk Enterprise",
        description=description.replace("Streams", "Sends"),
        candidates=candidates,
        threshold=THRESHOLD,
        partner="Initech",
        category="audit",
    )
    assert [match.id for match in matches] == [1]
    assert 0.55 <= matches[0].score <= 1


def test_shared_vocabulary_alone_is_not_enough():
    matches = score_candidates(
        name="Zebra Deploy",
        description="Deploys containers and reads their secrets from Vault with AppRole, "
        "renewing tokens before they expire.",
        candidates=[
            Candidate(
                1,
                "Orca Pipelines",
                "Injects secrets from Vault into CI jobs using AppRole; renews tokens.",
                "Orca",
            )
        ],
        threshold=THRESHOLD,
        category="runtime",
    )
    assert matches == []


@pytest.mark.django_db
def test_intake_records_overlaps_with_other_partners_work_of_the_same_category(
    partner, other_partner, owner
):
    existing = IntegrationFactory(
        partner=other_partner, name="Kubernetes Secrets Sync Operator", category="runtime"
    )
    IntegrationFactory(partner=other_partner, name="Kubernetes Audit Trail", category="audit")
    IntegrationFactory(
        partner=other_partner,
        name="Kubernetes Secrets Sync",
        category="runtime",
        stage="withdrawn",
    )
    integration = integration_intake(
        partner=partner,
        actor=owner,
        data={
            "name": "Acme Secrets Sync for Kubernetes",
            "category": "runtime",
            "summary": "Syncs secrets.",
            "description": "Syncs Vault secrets into Kubernetes.",
            "vault_editions": ["vault_enterprise"],
            "auth_methods": ["kubernetes"],
            "contact_email": owner.email,
        },
    )
    assert [(o.similar_id, o.score >= THRESHOLD) for o in integration.overlaps.all()] == [
        (existing.pk, True)
    ]
