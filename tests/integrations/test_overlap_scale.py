"""Overlap detection's first cut on PostgreSQL (integrations.overlap): on a few hundred
generated intakes it finds what scoring the whole category finds, through its GIN indexes, and
its stored columns read names as `words` does."""

import pytest
from django.db import connection

from integrations import overlap
from integrations.models import Integration, Partner, Stage
from integrations.overlap import find_overlaps, words
from tests.overlap_corpus import corpus, whole_category

pytestmark = pytest.mark.django_db
SIZE = 400  # integrations in the category; the cut keeps CUT of them by name and by description
CUT = 25


@pytest.fixture
def category():
    """SIZE generated runtime integrations of many partners (some off track), analysed."""
    intakes = corpus(SIZE, seed=5)
    partners = {
        partner.name: partner
        for partner in Partner.objects.bulk_create(
            Partner(name=name, slug=f"p-{n}")
            for n, name in enumerate(sorted({intake.partner for intake in intakes}))
        )
    }
    stages = [Stage.ENGAGE, Stage.DEVELOP, Stage.REVIEW, Stage.SUPPORT, Stage.WITHDRAWN]
    Integration.objects.bulk_create(
        Integration(
            partner=partners[intake.partner],
            name=intake.name,
            category="runtime",
            summary="s",
            description=intake.description,
            vault_editions=["vault_enterprise"],
            auth_methods=["approle"],
            contact_email="dev@partner.example",
            stage=stages[n % len(stages)],
        )
        for n, intake in enumerate(intakes)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE integrations_integration")
    return partners


def new_intakes(partners) -> list[Integration]:
    """Intakes to look up: variants of existing work (other partners' ports, renamed
    products, copied descriptions) and fresh work, unsaved as while the form is filled in."""
    fresh = corpus(40, seed=99)
    existing = list(Integration.objects.select_related("partner").order_by("pk")[::13])
    made = [
        Integration(
            name=f"{' '.join(old.name.split()[1:]) or old.name} Sync",
            description=old.description,
            partner=Partner(name="Newcomer"),
            category="runtime",
        )
        for old in existing
    ]
    made += [
        Integration(
            name=intake.name,
            description=intake.description,
            partner=partners.get(intake.partner) or Partner(name=intake.partner),
            category="runtime",
        )
        for intake in fresh
    ]
    return made


def cut(integration: Integration) -> list[tuple[int, float]]:
    return [(m.id, m.score) for m in find_overlaps(integration, candidates=CUT)]


def test_the_first_cut_finds_what_scoring_the_whole_category_finds(category):
    intakes = new_intakes(category)
    assert len(intakes) > 60
    differ = [
        (intake.name, cut(intake), whole_category(intake))
        for intake in intakes
        if cut(intake) != whole_category(intake)
    ]
    assert differ == []
    assert sum(bool(whole_category(intake)) for intake in intakes) > 40  # real matches


def test_with_common_words_the_cut_still_finds_the_best_matches(category, monkeypatch):
    # As if the category were a hundred times larger: every word of a name is common.
    monkeypatch.setattr(overlap, "NAME_ROWS", 10)
    intakes = new_intakes(category)
    same = [cut(intake)[:5] == whole_category(intake)[:5] for intake in intakes]
    # What it may miss (see the module's docstring): names holding one common word only.
    assert sum(same) >= 0.9 * len(intakes), f"{sum(same)} of {len(intakes)}"


def plan(condition: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM integrations_integration WHERE {condition}",  # noqa: S608
            params,
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_queries_use_the_gin_indexes(category):
    name = plan(f"{overlap.NAME_KEY_SQL} LIKE %s", ["%kubernetes%"])
    pairs = plan(f"{overlap.NAME_WORDS_SQL} @> %s::text[]", [["kubernetes", "operator"]])
    text = plan(
        f"{overlap.DOCUMENT_SQL} @@ to_tsquery('simple'::regconfig, %s)", ["rotates | leases"]
    )
    assert "integration_name_trgm_idx" in name
    assert "integration_name_words_idx" in pairs
    assert "integration_description_fts_idx" in text


@pytest.mark.parametrize(
    "name",
    [
        "Jenkins Credentials Provider for HashiCorp Vault",
        "AcmeKMS External Key Manager",
        "XMLHttp Bridge (HCP Vault, v2)",
        "Thales Luna HSM — PKCS#11 plugin",
        "vault-secrets-operator",
        "The Auth Method of Secrets Engines",
    ],
)
def test_the_stored_name_words_are_the_words_the_rule_reads(name, partner):
    integration = Integration.objects.create(
        partner=partner, name=name, category="runtime", summary="s", description="d"
    )
    stored = Integration.objects.filter(pk=integration.pk).extra(select={"w": "name_words"})
    assert stored.values_list("w", flat=True).get() == words(name)
