"""Generated integrations that read like real intakes, for overlap detection at scale (the
cut-against-full test and bench/overlap.py): vendors' product names over a shared technology
vocabulary, in every naming style partners use ("Acme Kubernetes Operator", "Jenkins Vault
Plugin", "AcmeKMS"), with descriptions built from the sentences a category's intakes share and
the words only one product uses. Some integrations are variants of others (another partner's
take on the same work, a renamed product, a copied description), so real matches exist at
every size. Deterministic for a seed."""

import random
from dataclasses import dataclass

from django.conf import settings

from integrations import overlap


def _vocabulary(text: str) -> list[str]:
    return text.split()


SYLLABLES = _vocabulary(
    "ac me glo bex ini tech zen trix cor va na lu ma ter ra vo lt ka pa ri on sy nt ex qu "
    "an ta ve ro mi no de la sa fi re bo ly xa ze ur ol ip ha ne os"
)

TOPICS = _vocabulary(
    "Kubernetes Jenkins Terraform GitLab GitHub Ansible Spark Kafka Postgres MongoDB Redis "
    "Snowflake Databricks Airflow ArgoCD Spinnaker Nomad Consul Envoy Istio Helm Docker "
    "Lambda Fargate Cassandra Elasticsearch Splunk Datadog Grafana Prometheus OpenShift "
    "Rancher Tekton CircleCI TeamCity Bamboo Pulumi Crossplane Flux Backstage Jira Slack "
    "ServiceNow Okta Ping Keycloak Auth0 Cloudflare Fastly Akamai Nginx HAProxy Traefik Kong "
    "Apigee MuleSoft Boomi Informatica Talend Fivetran dbt Looker Tableau PowerBI SAP Oracle"
)

PRODUCTS = _vocabulary(
    "Operator Sync Injector Agent Gateway Bridge Manager Controller Sidecar Exporter Broker "
    "Proxy Toolkit Runner Orchestrator Rotator Vaultifier Guard Shield Keeper Locker Courier "
    "Relay Mesh Hub Studio Cloud Edge Pipeline Deploy"
)

EXTRAS = _vocabulary("Secrets Credentials Identity Keys Tokens Certificates Config Policy")

ACTIONS = [
    "Injects secrets from Vault into {topic} workloads at start-up",
    "Synchronises Vault secrets into {topic} so applications read them natively",
    "Issues short-lived credentials from Vault to {topic} jobs",
    "Rotates {topic} credentials through Vault on a schedule",
    "Fetches certificates from the Vault PKI engine for {topic} services",
    "Lets {topic} pipelines read secrets from Vault without storing tokens",
]
FEATURES = [
    "It logs in with AppRole or Kubernetes auth and renews its token before it expires.",
    "Supports namespaces and HCP Vault, with a configurable mount path.",
    "Leases are renewed automatically and revoked when the workload stops.",
    "Secrets are cached in memory only and never written to disk.",
    "Works with KV version 2 and dynamic database credentials.",
    "Audit-friendly: every read is attributed to the workload identity.",
    "Configuration lives in a single YAML file per environment.",
    "A Helm chart and a Terraform module are provided for installation.",
]
RARE = _vocabulary(
    "quorum lattice ember cobalt saffron tundra meridian obsidian zephyr juniper basalt "
    "harbor falcon orchid cinder aurora glacier prism vertex willow canyon delta nimbus "
    "quartz raven sierra topaz umber violet walnut yonder zenith amber birch cedar dune"
)


@dataclass(frozen=True)
class Intake:
    name: str
    partner: str
    description: str


def _vendor(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _name(rng: random.Random, vendor: str) -> str:
    topic, product = rng.choice(TOPICS), rng.choice(PRODUCTS)
    style = rng.random()
    if style < 0.35:
        return f"{vendor} {topic} {product}"
    if style < 0.55:
        return f"{topic} {product} for Vault"
    if style < 0.7:
        return f"Vault {topic} {rng.choice(EXTRAS)} {product}"
    if style < 0.8:
        return f"{vendor}{product}"
    if style < 0.9:
        return f"{vendor} {rng.choice(EXTRAS)} {product}"
    return f"{topic} {rng.choice(EXTRAS)} Plugin"


def _description(rng: random.Random, name: str, vendor: str) -> str:
    topic = next((word for word in name.split() if word in TOPICS), rng.choice(TOPICS))
    sentences = [rng.choice(ACTIONS).format(topic=topic) + "."]
    sentences += rng.sample(FEATURES, rng.randint(1, 3))
    sentences.append(
        f"Built by {vendor} for {rng.choice(RARE)} deployments, with its "
        f"{rng.choice(RARE)} {_vendor(rng).lower()} engine."
    )
    return " ".join(sentences)


def _variant(rng: random.Random, original: Intake, vendors: list[str]) -> Intake:
    """Another take on the same work: a renamed product, another partner's port, a copy."""
    words = original.name.split()
    style = rng.random()
    if style < 0.4:  # another partner, the same product words
        name = " ".join([rng.choice(vendors), *[w for w in words if w in TOPICS + PRODUCTS]])
        return Intake(name, rng.choice(vendors), original.description)
    if style < 0.7:  # the same partner renames it
        renamed = f"{original.name} {rng.choice(PRODUCTS)}"
        return Intake(renamed, original.partner, original.description)
    # a different name, the same description with a word changed
    description = original.description.replace(".", ", reliably.", 1)
    return Intake(_name(rng, original.partner), original.partner, description)


def corpus(size: int, *, seed: int = 13, variants: float = 0.1) -> list[Intake]:
    """`size` intakes of one category; about `variants` of them are variants of earlier ones."""
    rng = random.Random(seed)
    vendors = [_vendor(rng) for _ in range(max(20, size // 5))]
    intakes: list[Intake] = []
    for _ in range(size):
        if intakes and rng.random() < variants:
            intakes.append(_variant(rng, rng.choice(intakes), vendors))
            continue
        vendor = rng.choice(vendors)
        name = _name(rng, vendor)
        intakes.append(Intake(name, vendor, _description(rng, name, vendor)))
    return intakes


def whole_category(integration) -> list[tuple[int, float]]:
    """Today's rule over every on-track integration of the category (no first cut), less
    what the cut does not look for: names similar letter by letter that share no word and
    are not lifted by their descriptions ("Orchestrator Sync" and "Tersy Operator")."""
    rows = list(
        overlap._same_category(integration).values_list(
            "id", "name", "description", "partner__name"
        )
    )
    matches = overlap.score_candidates(
        name=integration.name,
        partner=integration.partner.name,
        category=integration.category,
        description=integration.description,
        candidates=[overlap.Candidate(*row) for row in rows],
        threshold=settings.VIP_OVERLAP_THRESHOLD,
    )
    names = {pk: (name, partner) for pk, name, _, partner in rows}
    return [
        (match.id, match.score)
        for match in matches
        if shares_a_word(integration, *names[match.id])
        or lifted(integration, match, *names[match.id])
    ][:10]


def shares_a_word(integration, name: str, partner: str) -> bool:
    mine = overlap.words(integration.name, drop=overlap.CATEGORY_WORDS.get("runtime", frozenset()))
    theirs = " ".join(overlap.words(name))
    return any(pattern.strip("%") in theirs for pattern in overlap._name_patterns(mine))


def lifted(integration, match, name: str, partner: str) -> bool:
    """The description, not the name alone, made the score."""
    by_name = overlap.name_similarity(
        integration.name,
        name,
        partner_a=integration.partner.name,
        partner_b=partner,
        category=integration.category,
    )
    return match.score > round(by_name, 2)
