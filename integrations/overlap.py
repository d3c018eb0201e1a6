"""Overlap detection: does a new integration look like work that already exists?

Candidates are the other integrations of the same category that are still on track (any
partner's). Each gets a score in [0, 1]:

- name similarity: rapidfuzz's token-set ratio of the names after dropping the words every
  integration shares ("Vault", "plugin", "secrets engine"…) and each partner's own name (all
  of a partner's integrations carry it; it says nothing about the work), so "Jenkins Vault
  Plugin" and "Jenkins Credentials Provider for HashiCorp Vault" match on "jenkins";
  CamelCase is split first, so "AcmeKMS" reads as "Acme KMS"; words that name the category
  ("HSM" among HSM integrations) are dropped too;
- description similarity: cosine similarity of TF-IDF vectors over the candidates'
  descriptions, so words every description uses weigh little and rare shared words weigh much.

score = max(name, (name + description) / 2): a near-identical name is enough on its own, a
similar description lifts a related name over the threshold, a similar description alone does
not (descriptions in one category share much vocabulary).

The first cut (PostgreSQL). Reading and scoring every integration of a category costs
~0.7 s at 10,000, so on PostgreSQL the database picks the candidates and Python scores only
those with the rule above (TF-IDF weights then come from those candidates and the new
integration). A category of up to `CANDIDATES` on-track integrations is scored whole, as on
SQLite (the demo), which keeps the plain path. Above that, the candidates are at most
`CANDIDATES` by name and as many by description:

- by name (`_by_name`): the names holding one of the new name's significant words, ranked in
  Python by the name similarity above. While PostgreSQL's statistics say at most `NAME_ROWS`
  names hold them, that is every such name, found with `pg_trgm` (GIN trigram index on
  `name_key`, LIKE '%word%': a word inside a compound, a plural for its singular). With
  common words, the names where two of its words meet or holding one of its rare words (GIN
  index on `name_words`), and for each common word the shortest names holding it;
- by description (`_by_description`): full-text search (GIN index on `description_document`,
  the `simple` configuration: no stemming, like `words`) for the rarest words of the new
  description, the best `ts_rank` first. The words: with PostgreSQL's statistics of the
  column as IDF, heaviest first until the words left weigh too little for a description
  similarity above 0.55, the least that lifts a name below the threshold (when the words left
  carry at most 0.55 squared of the new description's squared weight, Cauchy-Schwarz bounds
  any similarity through them alone by 0.55).

What the cut guarantees: a match whose name holds one of the new name's words (or a plural or
compound of one) is scored whenever it ranks among the `CANDIDATES` most similar names, so
every such match of the top ten is found; so is a description that shares the new one's
rarest words. What it may miss: names similar letter by letter without a shared word, which
the rule scores up to ~0.65 ("Orchestrator Sync" and "Tersy Operator", "Splunk" and "Slack")
though they are not the same work; when a category holds thousands of names with the same
common words, a name holding only one of them unless it is among the shortest; a similar
description made of common words only, or when the statistics are stale. And scores move a
little: TF-IDF weights come from the candidates rather than the whole category.
`tests/integrations/test_overlap_scale.py` compares the cut with scoring the whole category
on generated intakes; `bench/overlap.py` does at 1,000 to 100,000.
"""

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from rapidfuzz import fuzz

from integrations.models import OFF_TRACK, Integration

CANDIDATES = 100  # at most this many by name and as many by description go to Python
DESCRIPTION_LIFT = 0.55  # the least description similarity that lifts a name below threshold
DESCRIPTION_ROWS = 2_000  # about the most rows the description search may read

GENERIC_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "this",
        "to",
        "via",
        "using",
        "with",
        "your",
        "you",
        "we",
        "can",
        "which",
        "will",
        "all",
        "any",
        "also",
        "vault",
        "hashicorp",
        "hcp",
        "integration",
        "integrations",
        "plugin",
        "plugins",
        "secrets",
        "secret",
        "engine",
        "engines",
        "auth",
        "method",
        "methods",
        "backend",
        "provider",
        "connector",
        "app",
        "application",
    ]
)
# Words that name a category say nothing within it (candidates all share the category).
CATEGORY_WORDS = {
    "auth_method": frozenset({"auth", "login", "authentication"}),
    "secrets_engine": frozenset({"dynamic", "credentials"}),
    "audit": frozenset({"audit", "log", "logs", "logging", "monitoring", "siem"}),
    "hsm": frozenset({"hsm", "pkcs11", "pkcs", "11", "hardware", "security", "module"}),
    "storage_or_unseal": frozenset({"storage", "unseal", "seal", "auto"}),
}
_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words(text: str, *, drop: frozenset[str] = frozenset()) -> list[str]:
    text = _CAMEL.sub(" ", text).lower()
    return [w for w in _WORD.findall(text) if w not in GENERIC_WORDS and w not in drop]


def name_similarity(
    a: str, b: str, *, partner_a: str = "", partner_b: str = "", category: str = ""
) -> float:
    return _NameSimilarity(a, partner=partner_a, category=category)(b, partner_b)


class _NameSimilarity:
    """`name_similarity` of one name against many: its words are read once per set of
    dropped words (with or without its partner's)."""

    def __init__(self, name: str, *, partner: str, category: str) -> None:
        self.name, self.partner = name, partner
        self.drop = CATEGORY_WORDS.get(category, frozenset())
        self.own = {}

    def __call__(self, other: str, other_partner: str) -> float:
        same_partner = bool(self.partner) and self.partner == other_partner
        drop = self.drop | frozenset(words(self.partner)) if same_partner else self.drop
        if same_partner not in self.own:
            self.own[same_partner] = " ".join(words(self.name, drop=drop))
        mine, theirs = self.own[same_partner], " ".join(words(other, drop=drop))
        if not mine or not theirs:
            return 0.0
        return fuzz.token_set_ratio(mine, theirs) / 100


def _tfidf(documents: list[list[str]]) -> list[dict[str, float]]:
    frequency = Counter(word for document in documents for word in set(document))
    total = len(documents)
    vectors = []
    for document in documents:
        counts = Counter(document)
        vector = {
            word: count * (math.log((1 + total) / (1 + frequency[word])) + 1)
            for word, count in counts.items()
        }
        norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
        vectors.append({word: weight / norm for word, weight in vector.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(word, 0.0) for word, weight in a.items())


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    description: str
    partner: str = ""


@dataclass(frozen=True)
class Match:
    id: int
    score: float


def score_candidates(
    *,
    name: str,
    description: str,
    candidates: list[Candidate],
    threshold: float,
    partner: str = "",
    category: str = "",
) -> list[Match]:
    """Score each candidate against (name, description); return those at or above threshold."""
    if not candidates:
        return []
    vectors = _tfidf([words(description)] + [words(c.description) for c in candidates])
    mine = vectors[0]
    similarity = _NameSimilarity(name, partner=partner, category=category)
    matches = []
    for candidate, theirs in zip(candidates, vectors[1:], strict=True):
        by_name = similarity(candidate.name, candidate.partner)
        score = max(by_name, (by_name + _cosine(mine, theirs)) / 2)
        if score >= threshold:
            matches.append(Match(candidate.id, round(score, 2)))
    return sorted(matches, key=lambda match: (-match.score, match.id))


def find_overlaps(
    integration: Integration, *, limit: int = 10, candidates: int = CANDIDATES
) -> list[Match]:
    """Existing integrations that look like the same work as `integration`: the first cut's
    candidates (PostgreSQL; the whole category elsewhere) scored by `score_candidates`."""
    same = _same_category(integration)
    rows = same.values_list("id", "name", "description", "partner__name")
    if connection.vendor == "postgresql" and same[candidates : candidates + 1].exists():
        # A large category: the database makes the first cut.
        rows = rows.filter(pk__in=candidate_ids(integration, candidates=candidates))
    return score_candidates(
        name=integration.name,
        partner=integration.partner.name,
        category=integration.category,
        description=integration.description,
        candidates=[Candidate(*row) for row in rows],
        threshold=settings.VIP_OVERLAP_THRESHOLD,
    )[:limit]


def _same_category(integration: Integration):
    return (
        Integration.objects.filter(category=integration.category)
        .exclude(stage__in=OFF_TRACK)
        .exclude(pk=integration.pk)
    )


# Three columns PostgreSQL generates and stores (migration 0005; not model fields: only the
# queries below read them), each with a GIN index:
# - `name_key`: the name as `words` reads it (CamelCase split, lower case, the words every
#   integration shares dropped), for `pg_trgm`: `name_key_sql` is its expression; and
#   `name_words`, its words as an array (GIN: names holding given words);
# - `description_document`: a `simple` text search vector of the description (no stemming, no
#   stop words, like `words`), for full-text search and `ts_rank`.
NAME_KEY_SQL = '"integrations_integration"."name_key"'
NAME_WORDS_SQL = '"integrations_integration"."name_words"'
DOCUMENT_SQL = '"integrations_integration"."description_document"'
NAME_ROWS = 2_000  # at most this many names holding a word of the new one: rank them all
_RAW_TOKEN = re.compile(r"[A-Za-z0-9]+")


def name_key_sql(column: str) -> str:
    """SQL for `" ".join(words(name))` of a name column, near enough for trigrams: the same
    CamelCase split, lower case, GENERIC_WORDS blanked out (punctuation stays: trigrams
    ignore it)."""
    generic = "|".join(sorted(GENERIC_WORDS))
    split = f"regexp_replace({column}, '{_CAMEL.pattern}', ' ', 'g')"
    return f"regexp_replace(lower({split}), '\\m(?:{generic})\\M', ' ', 'g')"


def candidate_ids(integration: Integration, *, candidates: int = CANDIDATES) -> set[int]:
    """The first cut (PostgreSQL): the ids of at most `candidates` integrations of the same
    category by name and as many by description (see the module's docstring)."""
    return _by_name(integration, candidates) | _by_description(integration, candidates)


def _scope(integration: Integration) -> tuple[str, list]:
    return (
        '"integrations_integration"."category" = %s '
        'AND NOT ("integrations_integration"."stage" = ANY(%s)) '
        'AND "integrations_integration"."id" <> %s',
        [integration.category, [str(stage) for stage in OFF_TRACK], integration.pk or 0],
    )


def _lookup_words(text: str, significant: list[str]) -> list[str]:
    """The significant words, and the text's own tokens that CamelCase splitting changed:
    "AcmeKMS" is "acmekms" to PostgreSQL, "acme" and "kms" to `words`."""
    kept = set(significant)
    compounds = set()
    for token in _RAW_TOKEN.findall(text):
        parts = _WORD.findall(_CAMEL.sub(" ", token).lower())
        if len(parts) > 1 and kept.intersection(parts):
            compounds.add(token.lower())
    return sorted(kept | compounds)


def _name_patterns(significant: list[str]) -> list[str]:
    """LIKE patterns for the names that hold one of the significant words (a plural matches
    its singular, a word matches inside a compound); words shorter than a trigram are left
    out (no index could find them)."""
    stems = {word[:-1] if len(word) > 4 and word.endswith("s") else word for word in significant}
    return sorted(f"%{stem}%" for stem in stems if len(stem) >= 3)


_NAME_ROWS_SQL = (
    'SELECT "integrations_integration"."id", "integrations_integration"."name", '
    '"integrations_integration"."partner_id" FROM "integrations_integration" '
)


def _by_name(integration: Integration, limit: int) -> set[int]:
    """The names most like the new one, ranked by the real name similarity (ties: the older
    first, as `score_candidates` orders them). When PostgreSQL's statistics say at most
    `NAME_ROWS` names hold one of the new name's words: all of them (`pg_trgm` finds a word
    inside a compound and a plural's singular too). Else the names holding two of its words
    or one of its rare ones, and the `limit` shortest holding each common one; for a name of
    one common word, the oldest names holding it (each scores 1)."""
    drop = CATEGORY_WORDS.get(integration.category, frozenset())
    significant = sorted(set(words(integration.name, drop=drop)))
    patterns = _name_patterns(significant)
    if not patterns:
        return set()
    total, least, shares = _statistics("name_words", significant)
    expected = {word: total * shares.get(word, least or 0.0) for word in significant}
    scope, params = _scope(integration)
    if sum(expected.values()) <= NAME_ROWS:
        holds = " OR ".join([f"{NAME_KEY_SQL} LIKE %s"] * len(patterns))
        sql, values = f"{_NAME_ROWS_SQL} WHERE {scope} AND ({holds})", [*params, *patterns]
    elif len(significant) > 1:
        # Common words: the names where two meet, the ones holding a rare word, and for each
        # common word the shortest names holding it (their token-set similarity is highest).
        rare = [word for word in significant if expected[word] <= NAME_ROWS / len(significant)]
        pairs = [list(pair) for pair in itertools.combinations(significant, 2)]
        condition = " OR ".join(
            [f"{NAME_WORDS_SQL} @> %s::text[]"] * len(pairs)
            + ([f"{NAME_WORDS_SQL} && %s::text[]"] if rare else [])
        )
        shortest = (
            f"({_NAME_ROWS_SQL} WHERE {scope} AND {NAME_WORDS_SQL} @> %s::text[] "
            f"ORDER BY length({NAME_KEY_SQL}), 1 LIMIT %s)"
        )
        common = [word for word in significant if word not in rare]
        sql = " UNION ".join(
            [f"({_NAME_ROWS_SQL} WHERE {scope} AND ({condition}))"] + [shortest] * len(common)
        )
        values = [*params, *pairs, *([rare] if rare else [])]
        for word in common:
            values += [*params, [word], limit]
    else:  # one common word: every name holding it scores 1, the oldest come first
        sql = (
            f"{_NAME_ROWS_SQL} WHERE {scope} AND {NAME_WORDS_SQL} @> %s::text[] ORDER BY 1 LIMIT %s"
        )
        values = [*params, significant, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    partner = integration.partner.name
    similarity = _NameSimilarity(integration.name, partner=partner, category=integration.category)
    ranked = sorted(
        (-similarity(name, partner if partner_id == integration.partner_id else ""), pk)
        for pk, name, partner_id in rows
    )
    return {pk for _, pk in ranked[:limit]}


def _by_description(integration: Integration, limit: int) -> set[int]:
    """The integrations whose descriptions hold one of the new description's rarest words,
    the best ranked first."""
    significant = words(integration.description)
    rare = _rarest_words(significant)
    if not rare:
        return set()
    scope, params = _scope(integration)
    # Only [a-z0-9]+ words: nothing to escape in the query.
    tsquery = " | ".join(_lookup_words(integration.description, rare))
    sql = (
        f'SELECT "integrations_integration"."id" FROM "integrations_integration" '  # noqa: S608
        f"WHERE {scope} AND {DOCUMENT_SQL} @@ to_tsquery('simple'::regconfig, %s) "
        f"ORDER BY ts_rank({DOCUMENT_SQL}, to_tsquery('simple'::regconfig, %s)) DESC, 1 "
        f"LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, tsquery, tsquery, limit])
        return {row[0] for row in cursor.fetchall()}


def _rarest_words(description_words: list[str]) -> list[str]:
    """The new description's words that a description similar enough to lift a name must
    share at least one of, heaviest (rarest) first, by PostgreSQL's statistics of the
    description index (a word too rare to be in them is among the rarest)."""
    counts = Counter(description_words)
    if not counts:
        return []
    total, least, shares = _statistics("description_document", sorted(counts))
    # A word the statistics do not list is rarer than every listed one: give it the least
    # listed share (a lower bound of its weight keeps the bound below safe). Without
    # statistics every word weighs the same.
    share = {word: shares.get(word, least or 1.0) for word in counts}
    weights = {
        word: count * (math.log((1 + total) / (1 + total * share[word])) + 1)
        for word, count in counts.items()
    }
    ordered = sorted(weights, key=lambda word: (-weights[word], word))
    left = sum(weight * weight for weight in weights.values())
    bound = DESCRIPTION_LIFT * DESCRIPTION_LIFT * left
    chosen = []
    for word in ordered:
        if left <= bound:
            break
        chosen.append(word)
        left -= weights[word] * weights[word]
    # A description of common words only would read much of the table: its commonest words go.
    while least and len(chosen) > 1 and sum(share[w] for w in chosen) * total > DESCRIPTION_ROWS:
        chosen.pop()
    return chosen


def _statistics(column: str, wanted: list[str]) -> tuple[float, float | None, dict[str, float]]:
    """What PostgreSQL's statistics say of the words of `column` (`description_document` or
    `name_words`): (rows in the table, the least share they list, the share of rows holding
    each of `wanted` that they list). Before the table was first analysed there are none."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT greatest(c.reltuples, 0), "
            "s.most_common_elem_freqs[array_length(s.most_common_elem_freqs, 1) - 2], "
            "e.word, e.share "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
            "AND s.tablename = 'integrations_integration' AND s.attname = %s "
            "LEFT JOIN LATERAL unnest(s.most_common_elems::text::text[], "
            "s.most_common_elem_freqs) AS e(word, share) ON e.word = ANY(%s) "
            "WHERE c.oid = 'integrations_integration'::regclass",
            [column, wanted],
        )
        rows = cursor.fetchall()
    total, least = (float(rows[0][0]), rows[0][1]) if rows else (0.0, None)
    return total, least, {word: share for *_, word, share in rows if word is not None}
