"""The authorisation matrix: every route the URL resolver knows, for every role, answers exactly
the status the table below expects.

The routes are enumerated from `get_resolver()`, not listed by hand, and
`test_every_route_is_classified` fails for a route the table does not classify: a new page or
endpoint cannot ship without someone deciding who may use it. Each request is a test of its own
(`<route>-<method>-<role>`), so a failure names the route, the method and the role.

Roles: `anonymous`; `owner`, the owner of partner A, whose objects every URL points at;
`outsider`, the owner of partner B, looking at partner A's objects (always a 404, never a 403:
a partner does not learn that another partner's object exists); `reviewer` and `admin`, the
program staff. Every 200 is also read for what must not be in it: no credential of partner A's
target for anyone, and nothing private of partner A for anonymous or the outsider.
"""

import uuid
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin as django_admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from accounts import services as account_services
from accounts.models import Notification
from accounts.roles import ADMINS, REVIEWERS
from badges.models import Badge
from integrations.models import IntegrationOverlap, Stage, StageTransition
from reviews import program_vault
from reviews import services as review_services
from reviews.models import ConnectionTest, PartnerEvidence
from support_sla import services as support_services
from tests.factories import (
    FeedbackItemFactory,
    FeedbackReplyFactory,
    IntegrationFactory,
    MembershipFactory,
    PartnerFactory,
    ReviewRoundFactory,
    UserFactory,
)
from tests.vault import runtime_app

ROLES = ("anonymous", "owner", "outsider", "reviewer", "admin")

# Expected outcomes besides plain status codes.
LOGIN = "302 to sign-in"
ADMIN_LOGIN = "302 to the admin sign-in"
REDIRECT = "302 elsewhere"


def each(anonymous, owner, outsider, reviewer, admin) -> dict:
    return dict(zip(ROLES, (anonymous, owner, outsider, reviewer, admin), strict=True))


# --- Access rules --------------------------------------------------------------------------
# Pages (GET).
PUBLIC = each(200, 200, 200, 200, 200)
SIGNED_IN = each(LOGIN, 200, 200, 200, 200)
PARTNERS_OWN = each(LOGIN, 200, 404, 200, 200)  # partner A's object: its people and staff
STAFF_ONLY = each(LOGIN, 403, 403, 200, 200)
POST_ONLY = each(LOGIN, 405, 405, 405, 405)  # a form's target; GET is not a method it has
USERS_OWN = each(LOGIN, REDIRECT, 404, 404, 404)  # opens the owner's notification, no one else's
OWN_CONFIRMATION = each(LOGIN, 200, 404, 404, 404)  # asks the owner before acting on their own
ADMINS_CONFIRMATION = each(LOGIN, 403, 404, 403, 200)  # asks an admin; others are refused
STAFF_CONFIRMATION = each(LOGIN, 403, 404, 200, 200)  # asks staff; the partner is refused
HOME = each(200, REDIRECT, REDIRECT, REDIRECT, REDIRECT)  # people go to their start page
# API (GET).
API_SIGNED_IN = each(401, 200, 200, 200, 200)
API_PARTNERS_OWN = each(401, 200, 404, 200, 200)
API_STAFF_ONLY = each(401, 403, 403, 200, 200)
API_POST_ONLY = each(401, 405, 405, 405, 405)

# Unsafe requests are sent only by the roles that must be refused, with the route's `body`: a
# role absent from these dicts may act (how well is for the app's own tests). Each test runs in
# a savepoint of the world's transaction, so even a wrongly accepted request changes nothing
# for the next one.
REFUSE_STRANGERS = {"anonymous": LOGIN, "outsider": 404}
REFUSE_ALL_BUT_OWNER = {"anonymous": LOGIN, "outsider": 404, "reviewer": 404, "admin": 404}
REFUSE_PARTNERS = {"anonymous": LOGIN, "owner": 403, "outsider": 404}
REFUSE_NON_ADMINS = {"anonymous": LOGIN, "owner": 403, "outsider": 404, "reviewer": 403}
API_REFUSE_STRANGERS = {"anonymous": 401, "outsider": 404}
API_REFUSE_PARTNERS = {"anonymous": 401, "owner": 403, "outsider": 404}
API_REFUSE_NON_ADMINS = {"anonymous": 401, "owner": 403, "outsider": 404, "reviewer": 403}


@dataclass(frozen=True)
class Rule:
    """Who gets what on one route. `on` names the world's object a `pk` stands for; `body` is
    sent with unsafe requests, valid, so that only the permission can refuse them."""

    get: dict
    on: str = ""
    unsafe: dict = field(default_factory=dict)  # method → {role: expected}
    body: dict = field(default_factory=dict)
    htmx: bool = False  # an htmx fragment: asked for as htmx asks (opened directly, it redirects)


def page(get, on="", body=None, **unsafe) -> Rule:
    return Rule(get, on, unsafe, body or {})


def fragment(get, on="") -> Rule:
    return Rule(get, on, htmx=True)


# Valid bodies for the staff's and admins' actions.
SUMMARY = {"summary": "Matrix round."}
DECISION = {"decision": "approved", "summary": "Matrix decision."}
FEEDBACK = {"body": "Matrix feedback.", "blocking": True}
BADGE = {"kind": "hcp_vault_verified"}
REASON = {"reason": "Matrix revocation."}
WAIVER = {"check": "audit.device", "justification": "Matrix waiver."}
EVIDENCE = {"catalogue_version": "0"}  # refused before it is read
ACCEPT = {"justification": "Matrix acceptance."}

# --- The table: route name → rule -----------------------------------------------------------
MATRIX = {
    # Public: the directory, badges and their verify page, the API's documentation.
    "home": page(HOME),
    "healthz": page(PUBLIC),
    "directory": page(PUBLIC),
    "directory_partner": page(PUBLIC),
    "badge_svg": page(PUBLIC),
    "badge_json": page(PUBLIC),
    "badge_verify": page(PUBLIC),
    "api_schema": page(PUBLIC),
    "api_docs": page(PUBLIC),
    # Anyone signed in: their own account, lists filtered to what they may see.
    "profile": page(SIGNED_IN),
    "notification_settings": page(SIGNED_IN),
    "notification_list": page(SIGNED_IN),
    "notification_read_all": page(POST_ONLY),
    "notification_open": page(USERS_OWN, on="notification"),
    "notification_read": page(POST_ONLY, on="notification", post=REFUSE_ALL_BUT_OWNER),
    # Irreversible actions answer GET with their confirmation (a dialog for htmx, else a page).
    "token_revoke": page(OWN_CONFIRMATION, on="token", post=REFUSE_ALL_BUT_OWNER),
    "invitation_accept": page(SIGNED_IN),  # whoever holds the link
    # allauth's sign-up (ours fills in an invited address): signed-in people go to their start.
    "account_signup": page(HOME),
    "engage": page(SIGNED_IN),
    "engage_similar": page(POST_ONLY, post={"anonymous": LOGIN}),  # the intake's live hint
    "dashboard": page(SIGNED_IN),
    "integration_list": page(SIGNED_IN),
    "integration_export": page(SIGNED_IN),
    "support_queue": page(SIGNED_IN),
    # Partner A's objects: its people and program staff; anyone else a 404.
    "partner_detail": page(PARTNERS_OWN, post=REFUSE_STRANGERS),
    "partner_invite": page(POST_ONLY, post=REFUSE_STRANGERS),
    "partner_calendar": page(POST_ONLY, post=REFUSE_STRANGERS),
    "integration_detail": page(PARTNERS_OWN, on="integration"),
    "integration_edit": page(PARTNERS_OWN, on="integration", post=REFUSE_STRANGERS),
    "integration_transition": page(PARTNERS_OWN, on="integration", post=REFUSE_STRANGERS),
    "integration_undo": page(POST_ONLY, on="integration", post=REFUSE_STRANGERS),
    "target_new": page(PARTNERS_OWN, on="integration", post=REFUSE_STRANGERS),
    "target_edit": page(PARTNERS_OWN, on="target", post=REFUSE_STRANGERS),
    "target_delete": page(PARTNERS_OWN, on="target", post=REFUSE_STRANGERS),
    "target_test_connection": page(POST_ONLY, on="integration", post=REFUSE_STRANGERS),
    # The evidence target: the owner's choice before review, staff's from then on (the world's
    # target belongs to an integration in support).
    "target_make_primary": page(POST_ONLY, on="target", post=REFUSE_PARTNERS),
    "run_start": page(POST_ONLY, on="target", post=REFUSE_STRANGERS),
    "integration_runs": page(PARTNERS_OWN, on="integration"),
    "run_detail": page(PARTNERS_OWN, on="run"),
    "evidence_detail": page(PARTNERS_OWN, on="evidence"),
    "evidence_accept": page(POST_ONLY, on="evidence", body=ACCEPT, post=REFUSE_PARTNERS),
    "run_progress": fragment(PARTNERS_OWN, on="run"),
    "run_cancel": page(POST_ONLY, on="run", post=REFUSE_STRANGERS),
    "review_rounds": fragment(PARTNERS_OWN, on="reviewed"),
    "review_feedback_reply": page(POST_ONLY, on="feedback", post=REFUSE_STRANGERS),
    "support_issue": page(PARTNERS_OWN, on="issue"),
    "support_issue_new": page(PARTNERS_OWN, on="integration", post=REFUSE_STRANGERS),
    "support_issue_status": page(PARTNERS_OWN, on="issue", post=REFUSE_STRANGERS),
    "support_issue_severity": page(POST_ONLY, on="issue", post=REFUSE_STRANGERS),
    "support_issue_comment": page(POST_ONLY, on="issue", post=REFUSE_STRANGERS),
    # Staff only (and staff actions on partner A's objects: a 404 for the outsider).
    "program_metrics": page(STAFF_ONLY),
    "review_board": page(STAFF_ONLY),
    "review_queue": page(STAFF_ONLY),
    "review_assign": page(POST_ONLY, on="reviewed", post=REFUSE_PARTNERS),
    "integration_records": page(POST_ONLY, on="integration", post=REFUSE_PARTNERS),
    "integration_acknowledge_overlaps": page(POST_ONLY, on="integration", post=REFUSE_PARTNERS),
    "integration_recheck_overlaps": page(POST_ONLY, on="integration", post=REFUSE_PARTNERS),
    "review_round_open": page(POST_ONLY, on="reviewed", body=SUMMARY, post=REFUSE_PARTNERS),
    "review_round_decide": page(
        STAFF_CONFIRMATION, on="round", body=DECISION, post=REFUSE_PARTNERS
    ),
    "review_feedback_add": page(POST_ONLY, on="round", body=FEEDBACK, post=REFUSE_PARTNERS),
    "review_feedback_resolve": page(POST_ONLY, on="feedback", post=REFUSE_PARTNERS),
    "waiver_grant": page(POST_ONLY, on="integration", body=WAIVER, post=REFUSE_PARTNERS),
    "waiver_end": page(POST_ONLY, on="waiver", post=REFUSE_PARTNERS),
    # Admins only.
    "badge_issue": page(POST_ONLY, on="integration", body=BADGE, post=REFUSE_NON_ADMINS),
    "badge_revoke": page(ADMINS_CONFIRMATION, on="badge", body=REASON, post=REFUSE_NON_ADMINS),
    # --- API (/api/v1/) ---
    "api:api-root": page(PUBLIC),  # the index of the resources: no data
    "api:me": page(API_SIGNED_IN),
    "api:partner-list": page(API_SIGNED_IN, post={"anonymous": 401}),
    "api:partner-detail": page(API_PARTNERS_OWN, patch=API_REFUSE_STRANGERS),
    "api:integration-list": page(API_SIGNED_IN, post={"anonymous": 401}),
    "api:integration-detail": page(API_PARTNERS_OWN, on="integration", patch=API_REFUSE_STRANGERS),
    "api:integration-history": page(API_PARTNERS_OWN, on="integration"),
    "api:integration-transition": page(API_POST_ONLY, on="integration", post=API_REFUSE_STRANGERS),
    "api:integration-targets": page(API_PARTNERS_OWN, on="integration", post=API_REFUSE_STRANGERS),
    "api:target-detail": page(
        API_PARTNERS_OWN, on="target", patch=API_REFUSE_STRANGERS, delete=API_REFUSE_STRANGERS
    ),
    "api:target-waivers": page(
        API_PARTNERS_OWN, on="target", body=WAIVER, post=API_REFUSE_PARTNERS
    ),
    "api:waiver-detail": page(API_PARTNERS_OWN, on="waiver", delete=API_REFUSE_PARTNERS),
    "api:integration-verifications": page(
        API_PARTNERS_OWN, on="integration", post=API_REFUSE_STRANGERS
    ),
    "api:verification-detail": page(API_PARTNERS_OWN, on="run"),
    "api:evidence-accept": page(
        API_POST_ONLY, on="evidence", body=ACCEPT, post=API_REFUSE_PARTNERS
    ),
    "api:integration-evidence": page(
        API_PARTNERS_OWN, on="integration", body=EVIDENCE, post=API_REFUSE_STRANGERS
    ),
    "api:verification-cancel": page(API_POST_ONLY, on="run", post=API_REFUSE_STRANGERS),
    "api:integration-reviews": page(
        API_PARTNERS_OWN, on="reviewed", body=SUMMARY, post=API_REFUSE_PARTNERS
    ),
    "api:review-decide": page(API_POST_ONLY, on="round", body=DECISION, post=API_REFUSE_PARTNERS),
    "api:review-feedback": page(API_POST_ONLY, on="round", body=FEEDBACK, post=API_REFUSE_PARTNERS),
    "api:feedback-resolve": page(API_POST_ONLY, on="feedback", post=API_REFUSE_PARTNERS),
    "api:feedback-replies": page(API_POST_ONLY, on="feedback", post=API_REFUSE_STRANGERS),
    "api:badge-list": page(API_SIGNED_IN),
    "api:integration-badges": page(
        API_POST_ONLY, on="integration", body=BADGE, post=API_REFUSE_NON_ADMINS
    ),
    "api:badge-revoke": page(API_POST_ONLY, on="badge", body=REASON, post=API_REFUSE_NON_ADMINS),
    "api:support-issues": page(API_SIGNED_IN),
    "api:integration-support-issues": page(
        API_PARTNERS_OWN, on="integration", post=API_REFUSE_STRANGERS
    ),
    "api:support-issue": page(API_PARTNERS_OWN, on="issue", patch=API_REFUSE_STRANGERS),
    "api:support-issue-comments": page(API_POST_ONLY, on="issue", post=API_REFUSE_STRANGERS),
    "api:program-metrics": page(API_STAFF_ONLY),
}

# The Django admin, as one group: it is the program admins' (config.admin.VipAdminSite); anyone
# else who asks for one of its pages is sent to its sign-in page.
ADMIN_PAGE = each(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200)
NOT_EVEN_ADMINS = each(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403)
# Every admin page is asked for by staff who are not admins and by an admin; the admin's index
# by everyone (the same wrapper guards every page: one check of the others' refusal suffices).
ADMIN_GROUP_ROLES = ("reviewer", "admin")
ADMIN_EXCEPTIONS = {
    "admin:login": each(LOGIN, 403, 403, 403, REDIRECT),  # sign-in is allauth's; admins go on
    "admin:logout": each(REDIRECT, REDIRECT, REDIRECT, REDIRECT, 405),  # POST only
    "admin:autocomplete": NOT_EVEN_ADMINS,  # without its query parameters
    "admin:view_on_site": each(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404),
    "admin:<object>": each(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, REDIRECT),
    "admin:<catch-all>": each(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404),
    # History and evidence are made by the product, never by hand, and stay: admins read them.
    "admin:accounts_apitoken_add": NOT_EVEN_ADMINS,
    "admin:accounts_invitation_add": NOT_EVEN_ADMINS,
    "admin:accounts_notification_add": NOT_EVEN_ADMINS,
    "admin:integrations_stagetransition_add": NOT_EVEN_ADMINS,
    "admin:integrations_stagetransition_delete": NOT_EVEN_ADMINS,
    "admin:reviews_verificationrun_add": NOT_EVEN_ADMINS,
    "admin:reviews_connectiontest_add": NOT_EVEN_ADMINS,
    "admin:badges_badge_add": NOT_EVEN_ADMINS,  # badges are issued by the eligibility rule
    "admin:badges_badge_delete": NOT_EVEN_ADMINS,  # and revoked, with a reason
    "admin:mfa_authenticator_add": NOT_EVEN_ADMINS,  # people enrol their own app
}


def is_unmatrixed(route) -> bool:
    """Routes outside the matrix, each for a reason:
    - allauth's own account pages (sign-in, sign-up, password, e-mail): they act only on the
      visitor's own account, and allauth tests them; tests/accounts/test_auth_pages.py covers
      how this project uses them.
    Static and media files are not routes here: WhiteNoise serves them before URL resolution."""
    return route.view_module.startswith("allauth.")


# --- Routes from the resolver --------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced (`api:me`), or `admin:<object>` / `admin:<catch-all>` when unnamed
    pattern: str
    params: tuple[str, ...]
    view_module: str

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def label(self) -> str:
        """The name, or for the admin's unnamed routes their pattern (tests need unique ids)."""
        return self.pattern if self.name.startswith("admin:<") else self.name


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def resolver_routes(resolver=None, prefix="", namespace="", params=()) -> list[Route]:
    """Every URL pattern, depth first, with its namespaced name and the parameters it takes."""
    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        taken = (*params, *_params(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            routes += resolver_routes(entry, pattern, inner, taken)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name]))
            if not entry.name and namespace == "admin":
                name = "admin:<object>" if "object_id" in taken else "admin:<catch-all>"
            module = getattr(entry.callback, "__module__", "")
            routes.append(Route(name or pattern, pattern, tuple(taken), module))
    return routes


ROUTES = resolver_routes()
MATRIX_ROUTES = [r for r in ROUTES if not r.is_admin and not is_unmatrixed(r)]
ADMIN_ROUTES = [r for r in ROUTES if r.is_admin]


def test_every_route_is_classified():
    unclassified = sorted({r.name for r in MATRIX_ROUTES} - MATRIX.keys())
    assert not unclassified, f"routes the authorisation matrix does not classify: {unclassified}"


def test_the_table_names_only_existing_routes():
    stale = sorted(MATRIX.keys() - {r.name for r in MATRIX_ROUTES})
    assert not stale, f"the matrix classifies routes that do not exist: {stale}"


# --- The world: partner A with one of everything, partner B with its own --------------------


@dataclass
class World:
    people: dict
    objects: dict
    secrets: list[str]  # credential values that no response may contain
    private: list[str]  # partner A's private words that no stranger may see
    partner_slug: str
    badge_public_id: str
    invitation_key: str


def _build_world(bao_server) -> World:
    owner = MembershipFactory(
        role="owner",
        partner=PartnerFactory(name="Acme Security", slug="acme-security"),
        user__email="owner@acme.example",
    ).user
    acme = owner.memberships.get().partner
    outsider = MembershipFactory(
        role="owner",
        partner=PartnerFactory(name="Globex Cloud", slug="globex-cloud"),
        user__email="owner@globex.example",
    ).user
    globex = outsider.memberships.get().partner
    reviewer = UserFactory(email="reviewer@vip.example", groups=[REVIEWERS])
    admin = UserFactory(email="admin@vip.example", groups=[ADMINS], is_staff=True)

    # Partner A: a supported integration with a target, a run, a badge and a support issue; one
    # in review with a round and feedback; one just submitted.
    supported = IntegrationFactory(partner=acme, name="Acme Vault Sync", stage=Stage.SUPPORT)
    reviewed = IntegrationFactory(partner=acme, name="Acme Hidden Injector", stage=Stage.REVIEW)
    IntegrationFactory(partner=acme, name="Acme Secret Draft", stage=Stage.ENGAGE)
    body = runtime_app(bao_server, f"admin/m{uuid.uuid4().hex[:10]}")
    body["name"] = "acme private cluster"
    body["inspector_token"] = f"s.inspector-{uuid.uuid4().hex}"
    target = review_services.target_create(integration=supported, actor=owner, data=body)
    run = review_services.run_request(target=target, actor=owner)
    assert review_services.run_execute(run_id=run.pk) == "passed", [
        (r.check_id, r.status, r.message) for r in run.results.all()
    ]
    run.refresh_from_db()
    target.refresh_from_db()
    ConnectionTest.objects.create(
        integration=supported,
        target=target,
        requested_by=owner,
        host="acme.example",
        outcome="passed",
    )
    evidence = PartnerEvidence.objects.create(
        integration=supported, submitted_by=owner, status="passed", category="runtime",
        engine_version="0.1.0", catalogue_version="2026.12",
        target={"name": "acme private cluster"},
        started_at=run.started_at, finished_at=run.finished_at,
        checks=[{"id": "server.health", "status": "passed", "message": "Acme private probe"}],
    )  # fmt: skip
    waiver = review_services.waiver_grant(
        target=target, actor=reviewer, check="auth.least_privilege", justification="Matrix."
    )
    badge = Badge.objects.create(
        integration=supported, kind="hcp_vault_verified", run=run, issued_by=admin,
        verified_at=run.finished_at,
    )  # fmt: skip
    issue = support_services.issue_open(
        integration=supported,
        actor=owner,
        data={"title": "Acme private outage", "description": "Logins fail.", "severity": "normal"},
    )
    round_ = ReviewRoundFactory(integration=reviewed, opened_by=reviewer, summary="First pass.")
    feedback = FeedbackItemFactory(round=round_, body="Acme private remark on namespaces.")
    FeedbackReplyFactory(item=feedback, author=owner)
    StageTransition.objects.create(
        integration=supported, from_stage=Stage.RELEASE, to_stage=Stage.SUPPORT, actor=reviewer
    )
    notification = Notification.objects.create(
        user=owner, email=owner.email, event="stage_changed", key="matrix:1",
        subject="Acme private notice", text="Moved.", html="<p>Moved.</p>",
    )  # fmt: skip
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    totp_secret = "ACMEPRIVATETOTPSEED234567"
    Authenticator.objects.create(user=owner, type="totp", data={"secret": totp_secret})
    token, token_key = account_services.api_token_create(user=owner, name="laptop")
    _, invitation_link = account_services.partner_invite(
        partner=acme, email="new@acme.example", role="member", invited_by=owner
    )

    # Partner B: its own integration, overlapping partner A's draft.
    globex_own = IntegrationFactory(partner=globex, name="Globex KMS Bridge", stage=Stage.SUPPORT)
    IntegrationOverlap.objects.create(integration=globex_own, similar=reviewed, score=0.9)
    support_services.issue_open(
        integration=globex_own,
        actor=outsider,
        data={"title": "Globex issue", "description": "Slow.", "severity": "critical"},
    )

    return World(
        people={
            "anonymous": None,
            "owner": owner,
            "outsider": outsider,
            "reviewer": reviewer,
            "admin": admin,
        },
        objects={
            "integration": supported,
            "reviewed": reviewed,
            "target": target,
            "run": run,
            "waiver": waiver,
            "evidence": evidence,
            "badge": badge,
            "issue": issue,
            "round": round_,
            "feedback": feedback,
            "notification": notification,
            "token": token,
            "globex_integration": globex_own,
        },
        secrets=[
            body["auth"]["role_id"],
            body["auth"]["secret_id"],
            body["inspector_token"],
            target.credentials_ciphertext,
            target.inspector_ciphertext,
            token_key,
            totp_secret,  # the admin lists authenticators but never shows their secret
        ],
        private=[
            "Acme Hidden Injector",
            "Acme Secret Draft",
            "acme private cluster",
            body["url"],
            "Acme private outage",
            "Acme private remark",
            "Acme private notice",
        ],
        partner_slug=acme.slug,
        badge_public_id=badge.public_id,
        invitation_key=invitation_link.rstrip("/").rsplit("/", 1)[-1],
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, program_bao, bao):
    """Built once for the module inside a transaction that is rolled back at its end (each test
    runs in a savepoint of it), so the module costs one world and leaves no rows behind."""
    vault = override_settings(
        VIP_VAULT_ADDR=program_bao.url, VIP_VAULT_TOKEN="root", VIP_VAULT_ROLE_ID=""
    )
    with django_db_blocker.unblock(), vault:
        program_vault.reset_client()
        with transaction.atomic():
            yield _build_world(bao)
            transaction.set_rollback(True)
        program_vault.reset_client()


def url_of(route: Route, world: World) -> str:
    if route.name == "admin:<object>":
        return "/" + route.pattern.replace("<path:object_id>", str(_admin_object(route, world).pk))
    if route.name == "admin:<catch-all>":
        return "/admin/no-such-page/"
    kwargs = {}
    for param in route.params:
        kwargs[param] = _value(param, route, world)
    return reverse(route.name, kwargs=kwargs)


def _value(param: str, route: Route, world: World):
    if param in ("pk", "integration_pk"):
        on = MATRIX[route.name].on if param == "pk" else "integration"
        return world.objects[on or "integration"].pk
    if param == "slug":
        return world.partner_slug
    if param == "public_id":
        return world.badge_public_id
    if param == "key":
        return world.invitation_key
    if param == "app_label":
        return "reviews"
    if param == "object_id":
        return _admin_object(route, world).pk
    if param == "content_type_id":
        return ContentType.objects.get_for_model(world.objects["integration"]).pk
    if param == "id":  # the admin's password change form: the owner's
        return world.people["owner"].pk
    raise AssertionError(f"no value for <{param}> in {route.pattern}")


def _admin_object(route: Route, world: World):
    """The world's object of the model an admin route is about (its first row otherwise)."""
    if route.name == "admin:view_on_site":
        return world.objects["integration"]
    for model in django_admin.site._registry:
        opts = model._meta
        if f"/{opts.app_label}/{opts.model_name}/" in route.pattern or route.name.startswith(
            f"admin:{opts.app_label}_{opts.model_name}_"
        ):
            for obj in world.objects.values():
                if isinstance(obj, model):
                    return obj
            first = model._default_manager.order_by("pk").first()
            assert first is not None, f"the world has no {opts.label} for {route.pattern}"
            return first
    raise AssertionError(f"no model for {route.pattern}")


# --- Requests and what comes back ----------------------------------------------------------


def outcome(response) -> object:
    """The response's status, with redirects told apart by where they go."""
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if location.startswith("/admin/login/"):
        return ADMIN_LOGIN
    if location.startswith("/accounts/login/"):
        return LOGIN
    return REDIRECT


def cases():
    for route in MATRIX_ROUTES:
        rule = MATRIX.get(route.name)
        if rule is None:
            continue  # test_every_route_is_classified reports it
        for role in ROLES:
            yield pytest.param(route, "get", role, rule.get[role], id=f"{route.label}-get-{role}")
        for method, expected in rule.unsafe.items():
            for role, status in expected.items():
                yield pytest.param(route, method, role, status, id=f"{route.label}-{method}-{role}")
    for route in ADMIN_ROUTES:
        expected = ADMIN_EXCEPTIONS.get(route.name, ADMIN_PAGE)
        for role in ROLES if route.name == "admin:index" else ADMIN_GROUP_ROLES:
            yield pytest.param(route, "get", role, expected[role], id=f"{route.label}-get-{role}")


@pytest.mark.parametrize(("route", "method", "role", "expected"), list(cases()))
def test_route_answers_role(world, route, method, role, expected, client, db):
    user = world.people[role]
    if user is not None:
        client.force_login(user)
    url = url_of(route, world)
    is_api = url.startswith("/api/v1/")
    if method == "get":
        fragment_rule = getattr(MATRIX.get(route.name), "htmx", False)
        response = client.get(url, HTTP_HX_REQUEST="true") if fragment_rule else client.get(url)
    else:
        body = MATRIX[route.name].body
        if is_api:
            response = getattr(client, method)(url, body, content_type="application/json")
        else:
            response = client.post(url, body)
    answer = outcome(response)
    assert answer == expected, f"{method.upper()} {url} as {role}: {answer}, not {expected}"
    if response.status_code == 200:
        body = b"".join(response) if response.streaming else response.content
        text = body.decode(errors="replace")
        for secret in world.secrets:
            assert secret not in text, f"a credential in {url} as {role}"
        if role in ("anonymous", "outsider"):
            for word in world.private:
                assert word not in text, f"partner A's {word!r} in {url} as {role}"


def test_the_world_has_partner_a_and_b_objects_to_look_at(world, db):
    """The matrix proves little if its objects were missing: every kind is there."""
    assert all(world.objects.values())
    assert len(world.secrets) == len(set(world.secrets)) == 7
    assert world.objects["run"].status == "passed"


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("/integrations/", "Acme Hidden Injector"),
        ("/dashboard/", "Acme Secret Draft"),
        ("/integrations/{integration}/", "acme private cluster"),
        ("/support/", "Acme private outage"),
        ("/integrations/{reviewed}/", "Acme private remark"),
        ("/notifications/", "Acme private notice"),
    ],
)
def test_the_private_words_are_there_for_the_owner(world, client, db, url, word):
    """The strangers' pages are searched for these words: they must be findable at all."""
    client.force_login(world.people["owner"])
    url = url.format(**{name: obj.pk for name, obj in world.objects.items()})
    assert word in client.get(url).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/integrations/?partner=acme-security",
        "/integrations/export.csv?partner=acme-security",
        "/support/?partner=acme-security",
        "/api/v1/integrations/?partner=acme-security",
        "/api/v1/support-issues/?partner=acme-security",
        "/api/v1/badges/?partner=acme-security",
    ],
)
def test_a_filter_never_widens_what_a_partner_sees(world, client, db, url):
    client.force_login(world.people["outsider"])
    response = client.get(url)
    assert response.status_code == 200
    text = (b"".join(response) if response.streaming else response.content).decode()
    for word in world.private:
        assert word not in text


def test_an_intake_cannot_name_another_partner(world, client, db):
    client.force_login(world.people["outsider"])
    intake = {"partner": world.partner_slug, "name": "Planted", "category": "runtime"}
    response = client.post("/api/v1/integrations/", intake, content_type="application/json")
    assert response.status_code == 400
    assert "partner" in response.json()["errors"]
    assert not world.objects["integration"].partner.integrations.filter(name="Planted").exists()


def test_a_run_cannot_be_asked_for_another_partners_target(world, client, db):
    client.force_login(world.people["outsider"])
    own = world.objects["globex_integration"]
    target = world.objects["target"]
    response = client.post(
        f"/api/v1/integrations/{own.pk}/verifications/",
        {"target": target.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert target.runs.count() == 1  # the world's own run, no other
