"""Writes with rules for partners and integrations: intake, updates, records, transitions."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.access import (
    emails,
    forget_partner_roles,
    is_member,
    is_owner,
    may_act_for,
    require,
    staff_users,
)
from accounts.models import Membership, User
from accounts.notifications import notify
from accounts.roles import is_program_staff
from config.errors import DomainError
from integrations.models import (
    INTAKE_FIELDS,
    PARTNER_FIELDS,
    PARTNER_STAFF_FIELDS,
    REVIEWED_FIELDS,
    STAGE_FIELD,
    Integration,
    IntegrationOverlap,
    Partner,
    Stage,
    StageTransition,
)
from integrations.overlap import find_overlaps
from integrations.selectors import integration_named, integration_reached_review
from integrations.validators import SUPPORT_SETTINGS, region_code, support_settings_errors

INTEGRATION_STAFF_FIELDS = {"demo_done_at", "plugin_portal_url", "assignee"}


# --- Partners ------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "partner"
    slug, n = base, 1
    while Partner.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _support_settings_checked(fields: dict, partner: Partner | None = None) -> dict:
    """`fields` with the support region as stored ("de" → "DE"); a 400 naming each field of
    the support settings that is not valid (integrations.validators). A change of country is
    checked with the partner's subdivision and the other way round."""
    fields = {
        **fields,
        **{key: region_code(fields[key]) for key in SUPPORT_SETTINGS[1:] if key in fields},
    }
    if not set(SUPPORT_SETTINGS) & set(fields):
        return fields
    errors = support_settings_errors(
        time_zone=fields.get("support_timezone"),
        country=fields.get("support_country", partner.support_country if partner else ""),
        subdivision=fields.get(
            "support_subdivision", partner.support_subdivision if partner else ""
        ),
    )
    if errors:
        messages = list(errors.values())
        raise DomainError.invalid(
            messages[0] if len(messages) == 1 else "The request has invalid fields.",
            errors={field: [message] for field, message in errors.items()},
        )
    return fields


def partner_create(*, owner: User, name: str, **fields) -> Partner:
    """Create a partner organisation with `owner` as its first owner. Its support calendar
    is support_sla's: pipeline.services.partner_create creates both."""
    unknown = set(fields) - {*PARTNER_FIELDS, *PARTNER_STAFF_FIELDS}
    if unknown:
        raise DomainError.invalid(f"Unknown partner fields: {', '.join(sorted(unknown))}.")
    require(
        is_program_staff(owner) or not set(PARTNER_STAFF_FIELDS) & set(fields),
        "Only program staff record the MNDA and the agreement.",
    )
    name = name.strip()
    if Partner.objects.filter(name__iexact=name).exists():
        raise DomainError.invalid(
            f"A partner called “{name}” already exists; ask its owner to invite you.",
            code="partner_exists",
        )
    fields = _support_settings_checked(fields)
    try:
        with transaction.atomic():
            partner = Partner.objects.create(name=name, slug=_unique_slug(name), **fields)
            Membership.objects.create(partner=partner, user=owner, role=Membership.Role.OWNER)
            forget_partner_roles(owner)
    except IntegrityError as error:
        raise DomainError.invalid(
            f"A partner called “{name}” already exists.", code="partner_exists"
        ) from error
    return partner


def partner_update(*, partner: Partner, actor: User, data: dict) -> Partner:
    """Owners edit their partner's details; only program staff record MNDA and agreement.
    (The support calendar is support_sla's: pipeline.services.partner_update changes both.)"""
    staff = is_program_staff(actor)
    require(staff or is_owner(actor, partner), "Only an owner of this partner can change it.")
    require(
        staff or not set(PARTNER_STAFF_FIELDS) & set(data),
        "Only program staff record the MNDA and the agreement.",
    )
    unknown = set(data) - {*PARTNER_FIELDS, *PARTNER_STAFF_FIELDS}
    if unknown:
        raise DomainError.invalid(f"Unknown partner fields: {', '.join(sorted(unknown))}.")
    if "name" in data:
        data = {**data, "name": data["name"].strip()}
        if Partner.objects.filter(name__iexact=data["name"]).exclude(pk=partner.pk).exists():
            raise DomainError.invalid(
                f"A partner called “{data['name']}” already exists.", code="partner_exists"
            )
    data = _support_settings_checked(data, partner)
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        for field, value in data.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(data))  # only what changed: nothing stale written back
    return locked


# --- Integrations --------------------------------------------------------------------------


def overlaps_refresh(*, integration: Integration) -> list[IntegrationOverlap]:
    """Recompute what looks like the same work. New matches need staff acknowledgement again.
    Only at intake and when staff ask (integration_recheck_overlaps), never on a partner's
    edit: a score per rename is an oracle on other partners' unreleased work."""
    matches = find_overlaps(integration)
    known = set(integration.overlaps.values_list("similar_id", flat=True))
    found = {match.id for match in matches}
    integration.overlaps.exclude(similar_id__in=found).delete()
    for match in matches:
        IntegrationOverlap.objects.update_or_create(
            integration=integration, similar_id=match.id, defaults={"score": match.score}
        )
    if found - known and integration.overlaps_acknowledged_at is not None:
        integration.overlaps_acknowledged_at = None
        integration.overlaps_acknowledged_by = None
        integration.save(update_fields=["overlaps_acknowledged_at", "overlaps_acknowledged_by"])
    return list(integration.overlaps.select_related("similar__partner"))


def _refuse_same_name(
    *, partner: Partner, name: str, integration: Integration | None = None
) -> None:
    """A partner's integrations have different names (selectors.integration_named says which
    name is taken). The partner's row is locked first, so of two intakes with one name racing,
    the second sees the first. 400 with the field and the existing integration's address."""
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    existing = integration_named(partner=partner, name=name, exclude=integration)
    if existing is not None:
        taken = (
            f"{partner.name} already has an integration named “{existing.name}”. Give this "
            "one another name, or carry on with that one."
        )
        page = reverse("integration_detail", args=[existing.pk])
        api = reverse("api:integration-detail", args=[existing.pk])
        raise DomainError.invalid(
            f"{taken} It is at {page} ({api} in the API).",
            code="duplicate_name",
            errors={"name": [taken]},
        )


def integration_intake(*, partner: Partner, actor: User, data: dict) -> Integration:
    """The intake webform: record a new integration in `engage` and look for overlaps."""
    require(may_act_for(actor, partner), "You are not a member of this partner.", code="not_member")
    unknown = set(data) - set(INTAKE_FIELDS)
    if unknown:
        raise DomainError.invalid(f"Unknown intake fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        _refuse_same_name(partner=partner, name=data.get("name", ""))
        integration = Integration.objects.create(partner=partner, created_by=actor, **data)
        history_record(
            integration=integration,
            field=STAGE_FIELD,
            old="",
            new=Stage.ENGAGE,
            actor=actor,
            note="Intake webform submitted.",
        )
        overlaps = overlaps_refresh(integration=integration)
        notify(
            "intake_received",
            to=emails(staff_users()),
            context={"integration": integration, "overlaps": overlaps, "actor": actor},
            key=f"integration:{integration.pk}",
            link=reverse("integration_detail", args=[integration.pk]),
            actor=actor,
        )
    return integration


def _same(old, new) -> bool:
    """Is `new` the value a field already holds (`old`)? The multiple choices are sets: their
    order is not a change."""
    if isinstance(old, list) and isinstance(new, list | tuple):
        return sorted(old) == sorted(new)
    return old == new


def integration_update(*, integration: Integration, actor: User, data: dict) -> Integration:
    """Partners edit their intake answers; staff also record demo, portal URL and assignee.

    From review on, what the review verified (`REVIEWED_FIELDS`: category, Vault editions, auth
    methods, namespace support) changes only by program staff (a partner's attempt: 403 with
    the fields named); every change of those fields, by anyone, writes a history row."""
    staff = is_program_staff(actor)
    require(
        staff or is_member(actor, integration.partner),
        "You are not a member of this partner.",
        code="not_member",
    )
    staff_only = (INTEGRATION_STAFF_FIELDS | {"overlaps_acknowledged"}) & set(data)
    require(
        staff or not staff_only,
        f"Only program staff can set {', '.join(sorted(staff_only))}.",
        code="staff_only",
    )
    unknown = set(data) - {*INTAKE_FIELDS, *INTEGRATION_STAFF_FIELDS, "overlaps_acknowledged"}
    if unknown:
        raise DomainError.invalid(f"Unknown integration fields: {', '.join(sorted(unknown))}.")
    acknowledge = data.pop("overlaps_acknowledged", None)
    with transaction.atomic():
        # Lock and write only the given fields: a stale copy never writes back a stage.
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        if "name" in data and data["name"] != locked.name:  # a rename: to a name not taken
            _refuse_same_name(partner=locked.partner, name=data["name"], integration=locked)
        reviewed = {
            field: (getattr(locked, field), data[field])
            for field in REVIEWED_FIELDS
            if field in data and not _same(getattr(locked, field), data[field])
        }
        if reviewed and not staff and integration_reached_review(integration=locked):
            message = "From review on, only program staff change what the review verified."
            raise DomainError(
                message,
                code="reviewed_fields_locked",
                status=403,
                errors={field: [message] for field in reviewed},
            )
        for field, value in data.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*data, "updated_at"])
        for field, (old, new) in reviewed.items():
            history_record(integration=locked, field=field, old=old, new=new, actor=actor)
        # Overlaps are not scored again here: a partner renaming its integration over and over
        # would learn, from each score, what other partners are building. Staff re-check them
        # (integration_recheck_overlaps).
        if acknowledge is not None:
            integration_acknowledge_overlaps(
                integration=locked, actor=actor, acknowledged=acknowledge
            )
    return locked


def integration_recheck_overlaps(
    *, integration: Integration, actor: User
) -> list[IntegrationOverlap]:
    """Staff score the overlaps again (after the partner renamed or re-described the work,
    or other work came in); new matches need acknowledging again."""
    require(is_program_staff(actor), "Only program staff re-check overlaps.", code="staff_only")
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        return overlaps_refresh(integration=locked)


def integration_acknowledge_overlaps(
    *, integration: Integration, actor: User, acknowledged: bool = True
) -> Integration:
    require(is_program_staff(actor), "Only program staff acknowledge overlaps.", code="staff_only")
    integration.overlaps_acknowledged_at = timezone.now() if acknowledged else None
    integration.overlaps_acknowledged_by = actor if acknowledged else None
    integration.save(update_fields=["overlaps_acknowledged_at", "overlaps_acknowledged_by"])
    return integration


# --- History -------------------------------------------------------------------------------


def history_record(
    *,
    integration: Integration,
    field: str,
    old,
    new,
    actor: User | None,
    note: str = "",
    at=None,
) -> StageTransition:
    """Write one row of the integration's history: a change of `field` from `old` to `new`
    (`field` "stage" for a stage change; any other name with JSON values for everything else:
    the reviewed fields, the evidence target, a waiver). Call it inside the transaction of the
    change it records; `actor=None` is the program itself. The integration page's timeline and
    `GET /api/v1/integrations/<id>/history/` show every row."""
    if field == STAGE_FIELD:
        values = {"from_stage": old or "", "to_stage": new}
    else:
        values = {"from_value": old, "to_value": new}
    return StageTransition.objects.create(
        integration=integration,
        field=field,
        actor=actor,
        at=at or timezone.now(),
        note=note,
        **values,
    )
