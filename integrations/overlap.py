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
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from rapidfuzz import fuzz

from integrations.models import OFF_TRACK, Integration

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
    drop = CATEGORY_WORDS.get(category, frozenset())
    if partner_a and partner_a == partner_b:
        drop = drop | frozenset(words(partner_a))
    words_a, words_b = words(a, drop=drop), words(b, drop=drop)
    if not words_a or not words_b:
        return 0.0
    return fuzz.token_set_ratio(" ".join(words_a), " ".join(words_b)) / 100


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
    matches = []
    for candidate, theirs in zip(candidates, vectors[1:], strict=True):
        by_name = name_similarity(
            name,
            candidate.name,
            partner_a=partner,
            partner_b=candidate.partner,
            category=category,
        )
        score = max(by_name, (by_name + _cosine(mine, theirs)) / 2)
        if score >= threshold:
            matches.append(Match(candidate.id, round(score, 2)))
    return sorted(matches, key=lambda match: (-match.score, match.id))


def find_overlaps(integration: Integration, *, limit: int = 10) -> list[Match]:
    """Existing integrations that look like the same work as `integration`."""
    rows = (
        Integration.objects.filter(category=integration.category)
        .exclude(stage__in=OFF_TRACK)
        .exclude(pk=integration.pk)
        .values_list("id", "name", "description", "partner__name")
    )
    candidates = [Candidate(*row) for row in rows]
    return score_candidates(
        name=integration.name,
        partner=integration.partner.name,
        category=integration.category,
        description=integration.description,
        candidates=candidates,
        threshold=settings.VIP_OVERLAP_THRESHOLD,
    )[:limit]
