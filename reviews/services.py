"""Writes with rules for verification: targets (credentials encrypted before they are stored),
run requests, cancellation, the run itself (in the worker) and the reaper."""

import contextlib
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from urllib.parse import urlparse

import hvac.exceptions
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.access import is_member, may_act_for, may_manage, partner_emails, require
from accounts.notifications import notify
from accounts.roles import is_program_staff
from config.errors import DomainError
from integrations import services as integration_services
from integrations.models import Integration
from integrations.selectors import integration_reached_review
from reviews import program_vault, selectors
from reviews.evidence import clean_evidence
from reviews.models import (
    OPEN_RUN_STATUSES,
    CheckResult,
    ConnectionTest,
    PartnerEvidence,
    RunPurpose,
    RunStatus,
    VerificationRun,
    VerificationTarget,
    Waiver,
)
from reviews.signals import evidence_target_archived, run_finished
from reviews.targets import TargetError, clean_target
from reviews.verification.base import EngineSettings, context_for
from reviews.verification.egress import resolution_problem
from reviews.verification.registry import UNWAIVABLE, WAIVABLE
from reviews.verification.runner import Result, execute

logger = logging.getLogger(__name__)


def _check_member_or_staff(user, integration) -> None:
    """`user` None is the program itself (beat's re-verifications)."""
    require(
        user is None or may_act_for(user, integration.partner),
        "Only the integration's partner and program staff can.",
    )


# --- Targets ---------------------------------------------------------------------------------


# What a run verified: a target with runs keeps these, so old evidence keeps its meaning.
IDENTITY = ("kind", "url", "namespace")


def address_check():
    """The program's address policy for targets: outside development private addresses are
    refused, unless an egress proxy applies that policy (and resolves the names) itself."""
    if settings.VIP_ALLOW_PRIVATE_TARGETS or settings.VIP_EGRESS_PROXY:
        return None
    return resolution_problem


def _apply(target: VerificationTarget, data: dict, actor=None) -> VerificationTarget:
    """Clean `data`, encrypt the secrets it carries, and save: all or nothing. The program
    Vault is called before the transaction, so a Vault outage saves nothing; an update locks
    the live row and writes only the fields it changes (a deleted target stays deleted).

    Repointing a target (its kind, address or namespace) drops the stored credentials and the
    inspector token unless new ones come with it: write-only secrets are never sent to a
    server other than the one they were given for. Only the partner's own people repoint."""
    try:
        cleaned = clean_target(
            data, existing=target if target.pk else None, address_check=address_check()
        )
    except TargetError as error:
        raise DomainError.invalid(error.message, errors=error.errors) from error
    values = dict(cleaned.fields)
    if cleaned.credentials is not None:
        values["credentials_ciphertext"] = program_vault.encrypt(cleaned.credentials)
    if cleaned.inspector_token is not None:
        values["inspector_ciphertext"] = program_vault.encrypt({"token": cleaned.inspector_token})
    elif cleaned.remove_inspector:
        values["inspector_ciphertext"] = ""
    if target.pk is None:
        for field, value in values.items():
            setattr(target, field, value)
        with transaction.atomic():
            target.primary = _first_evidence(_lock_integration(target.integration))
            target.save()
        return target
    with transaction.atomic():
        locked = _lock_live(target)
        moved = [f for f in IDENTITY if f in values and values[f] != getattr(locked, f)]
        if moved and locked.runs.exists():
            raise DomainError(
                f"This target has verification runs, so its {', '.join(moved)} cannot change "
                "(the runs are evidence of what was verified). Add a new target instead.",
                code="target_has_runs",
            )
        require(
            not moved or actor is None or is_member(actor, locked.integration.partner),
            "Only the partner's own people can change where a target points (its kind, "
            "address or namespace): its credentials are theirs.",
            code="repoint_forbidden",
        )
        if moved:  # the secrets were given for the old server: they do not follow the target
            values.setdefault("credentials_ciphertext", "")
            values.setdefault("inspector_ciphertext", "")
        for field, value in values.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*values, "updated_at"])
    return locked


def _lock_live(target: VerificationTarget) -> VerificationTarget:
    """The target's row, locked for the caller's transaction; a deleted target is refused."""
    locked = (
        VerificationTarget.objects.select_for_update()
        .filter(pk=target.pk, archived_at__isnull=True)
        .first()
    )
    if locked is None:
        raise DomainError("This target was deleted.", code="target_deleted")
    return locked


# --- Connection tests (the target form's "Test connection") ---------------------------------

# What a connection test runs: the server answers, it is the platform declared, the app logs in;
# then the token that login minted is revoked (never left behind in the partner's Vault).
CONNECTION_CHECKS = frozenset({"server.health", "server.edition", "auth.login", "token.revoke"})
CONNECTION_TEST_SECONDS = 30  # a test runs inside a web request: no check starts after this


@dataclass(frozen=True)
class ConnectionTestResult:
    outcome: str  # passed, failed or error (as a run's verdict)
    reason: str
    results: list[Result]
    host: str


def target_test_connection(
    *, integration: Integration, actor, data: dict, target: VerificationTarget | None = None
) -> ConnectionTestResult:
    """Run `server.health`, `server.edition` and `auth.login` against the target as typed (the
    body of DESIGN.md §9, cleaned by the same rules and address policy as saving), in this
    process, without saving it: the secrets are used and forgotten. Only the fact is stored
    (`ConnectionTest`: who, when, which integration and target, the host, the outcome)."""
    _check_member_or_staff(actor, integration)
    try:
        cleaned = clean_target(
            {**data, "secret_mounts": [], "plugin": None}, address_check=address_check()
        )
    except TargetError as error:
        raise DomainError.invalid(error.message, errors=error.errors) from error
    ctx = context_for(
        cleaned.fields,  # never saved
        run_id=0,
        category=integration.category,
        credentials=cleaned.credentials,
        inspector_token=None,
        settings=replace(
            engine_settings(),
            time_limit=min(settings.VIP_RUN_TIME_LIMIT, CONNECTION_TEST_SECONDS),
        ),
    )
    results: list[Result] = []
    verdict = execute(ctx, results.append, only=CONNECTION_CHECKS)
    host = urlparse(cleaned.fields["url"]).netloc[:255]
    ConnectionTest.objects.create(
        integration=integration,
        target=target,
        requested_by=actor,
        host=host,
        outcome=verdict.status,
    )
    return ConnectionTestResult(
        outcome=verdict.status, reason=verdict.reason, results=results, host=host
    )


def target_create(*, integration, actor, data: dict) -> VerificationTarget:
    _check_member_or_staff(actor, integration)
    return _apply(VerificationTarget(integration=integration, created_by=actor), data)


def target_update(*, target: VerificationTarget, actor, data: dict) -> VerificationTarget:
    _check_member_or_staff(actor, target.integration)
    return _apply(target, data, actor)


def target_archive(*, target: VerificationTarget, actor) -> None:
    """Delete a target: its runs stay as evidence; its credentials are destroyed.

    Deleting the evidence target suspends the integration's badges at once
    (`evidence_archived`). Before review the oldest remaining target becomes the evidence
    target; from review on none does until program staff choose one, so deleting a failing
    evidence target never hands the review or the badges to another target by itself."""
    _check_member_or_staff(actor, target.integration)
    if selectors.open_run_of(target=target) is not None:
        raise DomainError("Cancel the queued or running verification first.", code="run_open")
    with transaction.atomic():
        integration = _lock_integration(target.integration)
        archived = VerificationTarget.objects.filter(pk=target.pk, archived_at__isnull=True)
        was_primary = archived.filter(primary=True).exists()
        archived.update(
            archived_at=timezone.now(),
            credentials_ciphertext="",
            inspector_ciphertext="",
            primary=False,
        )
        if was_primary:
            successor = None
            if _first_evidence(integration):
                successor = (
                    selectors.targets_of(integration=integration)
                    .order_by("created_at", "pk")
                    .first()
                )
            if successor is not None:
                VerificationTarget.objects.filter(pk=successor.pk).update(primary=True)
            integration_services.history_record(
                integration=integration,
                field=EVIDENCE_FIELD,
                old=_label(target),
                new=_label(successor),
                actor=actor,
                note=f"The evidence target “{target.name}” was deleted.",
            )
            evidence_target_archived.send(sender=VerificationTarget, integration=integration)


# The history's field for a change of evidence target.
EVIDENCE_FIELD = "evidence_target"


def _label(target: VerificationTarget | None) -> str | None:
    return f"{target.name} (target {target.pk})" if target is not None else None


def _lock_integration(integration):
    """Lock the integration's row: the evidence target changes one at a time, and not while
    the integration moves to review."""
    return Integration.objects.select_for_update().get(pk=integration.pk)


def _first_evidence(integration) -> bool:
    """Does a target added now become the evidence target by itself? The integration's very
    first target does; later, one does while there is no evidence target and the integration
    has not reached review (from then on program staff choose it)."""
    if not VerificationTarget.objects.filter(integration=integration).exists():
        return True
    return not integration_reached_review(integration=integration) and not (
        selectors.targets_of(integration=integration).filter(primary=True).exists()
    )


def target_make_primary(*, target: VerificationTarget, actor) -> VerificationTarget:
    """Make `target` the integration's evidence target (DESIGN.md §4.2): a partner owner or
    program staff until the integration reaches review, only program staff from then on
    (403 otherwise). The switch is written to the integration's history."""
    integration = target.integration
    require(
        may_manage(actor, integration.partner),
        "Only a partner owner or program staff choose the evidence target.",
        code="not_owner",
    )
    with transaction.atomic():
        locked = _lock_integration(integration)
        if not selectors.may_choose_evidence(user=actor, integration=locked):
            raise DomainError.forbidden(
                "From review on, only program staff change the evidence target.",
                code="evidence_locked",
            )
        chosen = VerificationTarget.objects.filter(pk=target.pk, archived_at__isnull=True).first()
        if chosen is None:
            raise DomainError("This target was deleted.", code="target_deleted")
        if chosen.primary:
            return chosen
        previous = selectors.evidence_target_of(integration=locked)
        selectors.targets_of(integration=locked).filter(primary=True).update(primary=False)
        VerificationTarget.objects.filter(pk=chosen.pk).update(primary=True)
        integration_services.history_record(
            integration=locked,
            field=EVIDENCE_FIELD,
            old=_label(previous),
            new=_label(chosen),
            actor=actor,
        )
    chosen.refresh_from_db()
    return chosen


def credentials_rewrap() -> int:
    """Re-encrypt every stored ciphertext under the newest version of the Transit key (after a
    rotation), without decrypting anything here. Returns how many were rewrapped."""
    count = 0
    for target in VerificationTarget.objects.exclude(
        credentials_ciphertext="", inspector_ciphertext=""
    ).iterator():
        changed = {}
        for field in ("credentials_ciphertext", "inspector_ciphertext"):
            ciphertext = getattr(target, field)
            if ciphertext:
                rewrapped = program_vault.rewrap(ciphertext)
                if rewrapped != ciphertext:
                    changed[field] = rewrapped
        if changed:
            # Only if nobody replaced the credentials meanwhile.
            VerificationTarget.objects.filter(
                pk=target.pk,
                credentials_ciphertext=target.credentials_ciphertext,
                inspector_ciphertext=target.inspector_ciphertext,
            ).update(**changed)
            count += 1
    return count


# --- Partner-run evidence --------------------------------------------------------------------


def evidence_submit(*, integration, actor, document) -> PartnerEvidence:
    """Store a partner's own run of the checks (`vip-verify submit`) as partner-run evidence:
    validated (reviews.evidence), all or nothing; it never counts as a program run."""
    _check_member_or_staff(actor, integration)
    try:
        cleaned = clean_evidence(document, category=integration.category)
    except TargetError as error:
        raise DomainError.invalid(error.message, errors=error.errors) from error
    return PartnerEvidence.objects.create(integration=integration, submitted_by=actor, **cleaned)


def evidence_accept(*, evidence: PartnerEvidence, actor, justification: str) -> PartnerEvidence:
    """A reviewer accepts partner-run evidence in place of a program run for release (the
    program cannot reach the cluster: a private HVN), with the justification the history
    keeps. Only a passed run of the whole catalogue can be accepted; badges never stand on it."""
    _check_staff(actor)
    justification = justification.strip() if isinstance(justification, str) else ""
    if not justification or "\x00" in justification or len(justification) > MAX_JUSTIFICATION:
        raise DomainError.invalid(
            "Write why this evidence stands in for a program run.",
            errors={"justification": ["Write why (at most 2,000 characters)."]},
        )
    if evidence.status != RunStatus.PASSED or evidence.subset:
        raise DomainError(
            "Only a passed run of every check can stand in for a program run.",
            code="evidence_not_acceptable",
        )
    with transaction.atomic():
        accepted = PartnerEvidence.objects.filter(pk=evidence.pk, accepted_at__isnull=True).update(
            accepted_by=actor, accepted_at=timezone.now(), acceptance=justification
        )
        if not accepted:
            raise DomainError("This evidence is already accepted.", code="evidence_accepted")
        integration_services.history_record(
            integration=evidence.integration,
            field=EVIDENCE_ACCEPTED_FIELD,
            old=None,
            new=f"partner-run evidence {evidence.pk} accepted in place of a program run",
            actor=actor,
            note=justification,
        )
    evidence.refresh_from_db()
    return evidence


# The history's field for partner-run evidence accepted in place of a program run.
EVIDENCE_ACCEPTED_FIELD = "partner_evidence"


# --- Waivers -----------------------------------------------------------------------------------

MAX_JUSTIFICATION = 2_000


def _check_staff(actor) -> None:
    require(is_program_staff(actor), "Only program staff can waive checks.")


def waiver_grant(*, target: VerificationTarget, actor, check: str, justification: str) -> Waiver:
    """Waive one required check on one target, with the justification the public reads: a run
    of this target from now on passes without it (DESIGN.md §4.1, "Waivers")."""
    _check_staff(actor)
    check = check.strip() if isinstance(check, str) else ""
    justification = justification.strip() if isinstance(justification, str) else ""
    errors: dict[str, list[str]] = {}
    if check in UNWAIVABLE:
        errors["check"] = [f"{check} can never be waived: every verdict stands on it."]
    elif check not in WAIVABLE:
        errors["check"] = [f"Choose a check that can be waived: {', '.join(WAIVABLE)}."]
    if not justification or "\x00" in justification:
        errors["justification"] = ["Write why this check can be waived; the public reads it."]
    elif len(justification) > MAX_JUSTIFICATION:
        errors["justification"] = [f"At most {MAX_JUSTIFICATION} characters."]
    if errors:
        raise DomainError.invalid(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        locked = _lock_live(target)
        if Waiver.objects.filter(target=locked, check_id=check, ended_at__isnull=True).exists():
            raise DomainError(f"{check} is already waived on this target.", code="already_waived")
        waiver = Waiver.objects.create(
            target=locked, check_id=check, justification=justification, granted_by=actor
        )
        integration_services.history_record(
            integration=locked.integration,
            field=WAIVER_FIELD,
            old=None,
            new=_waiver_label(waiver),
            actor=actor,
            note=justification,
        )
    return waiver


def waiver_end(*, waiver: Waiver, actor) -> Waiver:
    """End a waiver: runs from now on need the check again (earlier runs keep theirs)."""
    _check_staff(actor)
    with transaction.atomic():
        ended = Waiver.objects.filter(pk=waiver.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_by=actor
        )
        if not ended:
            raise DomainError("This waiver has already ended.", code="waiver_ended")
        waiver.refresh_from_db()
        integration_services.history_record(
            integration=waiver.target.integration,
            field=WAIVER_FIELD,
            old=_waiver_label(waiver),
            new=None,
            actor=actor,
            note="The waiver ended: runs from now on need this check again.",
        )
    return waiver


# The history's field for waivers granted and ended.
WAIVER_FIELD = "waiver"


def _waiver_label(waiver: Waiver) -> str:
    return f"{waiver.check_id} waived on “{waiver.target.name}”"


# --- Runs --------------------------------------------------------------------------------------


QUEUE_UNAVAILABLE = "The task queue is unavailable, so the run could not start. Try again shortly."


def _enqueue(run_id: int) -> bool:
    """Hand the run to the workers; if the broker refuses it, end the run `error` with the
    reason (it never stays `queued` with nobody to run it) and say so."""
    from reviews import tasks  # tasks import this module: the one way round is at call time

    try:
        tasks.run_execute.delay(run_id)
    except BrokerError:
        logger.exception("could not queue verification run %s", run_id)
        _finish(run_id, was=RunStatus.QUEUED, status=RunStatus.ERROR, reason=QUEUE_UNAVAILABLE)
        return False
    return True


def run_request(
    *, target: VerificationTarget, actor, purpose: str = RunPurpose.REQUESTED
) -> VerificationRun:
    """Queue a verification run of `target`; the worker picks it up after commit. Inside a
    caller's transaction the run is queued when that commits; otherwise at once, and a broker
    that refuses it is a 503 here (the run is recorded as ended `error`, not left queued)."""
    _check_member_or_staff(actor, target.integration)
    if not target.credentials_set:
        raise DomainError(
            "Add the app's credentials to the target before running a verification.",
            code="no_credentials",
        )
    with transaction.atomic():
        VerificationTarget.objects.select_for_update().get(pk=target.pk)
        if selectors.open_run_of(target=target) is not None:
            raise DomainError(
                "A verification of this target is already queued or running.", code="run_open"
            )
        run = VerificationRun.objects.create(
            integration=target.integration, target=target, requested_by=actor, purpose=purpose
        )
    if connection.in_atomic_block:
        transaction.on_commit(partial(_enqueue, run.pk))
    elif not _enqueue(run.pk):
        raise DomainError(QUEUE_UNAVAILABLE, code="queue_unavailable", status=503)
    return run


def run_cancel(*, run: VerificationRun, actor) -> VerificationRun:
    _check_member_or_staff(actor, run.integration)
    cancelled = VerificationRun.objects.filter(pk=run.pk, status__in=OPEN_RUN_STATUSES).update(
        status=RunStatus.CANCELLED,
        reason=f"Cancelled by {actor.email}." if actor else "Cancelled.",
        finished_at=timezone.now(),
    )
    if not cancelled:
        raise DomainError("This run has already finished.", code="run_finished")
    run.refresh_from_db()
    return run


@contextmanager
def _relaxed_commits():
    """While a run is claimed and its checks go on, the claim and each progress row are
    committed without waiting for the WAL flush (PostgreSQL's `synchronous_commit = off`, for
    this connection until the checks end): a crash may lose them, and a crashed run is redone
    or ended by the reaper anyway. Saves a disk flush per commit; the run's end is committed
    durably, after this."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:  # a broken connection is discarded, and its setting with it
            logger.warning("could not reset synchronous_commit; the connection is broken")


# A run's results are written together when they finish within this many seconds of the
# last write: a run against a nearby server writes once; one across the internet, whose checks
# take longer than that, still shows each as it finishes (the run page polls every second).
PROGRESS_EVERY = 0.25


_RESULT_COLUMNS = (
    "run_id, position, check_id, title, subject, required, status, message, duration_ms, "
    "details, waiver_id"
)


def _record_results(run_id: int, attempt: int, results: list[Result]) -> bool:
    """Store results, if the run is still this attempt's and still running (it may have been
    cancelled, or taken over after a redelivery): one statement, whose rows go in only while
    the run is, committed at once (inside `_relaxed_commits`)."""
    # PostgreSQL types the VALUES' JSON and nullable id by their casts; SQLite needs none.
    json_value, id_value = (
        ("%s::jsonb", "%s::bigint") if connection.vendor == "postgresql" else ("%s", "%s")
    )
    row = f"(%s, %s, %s, %s, %s, %s, %s, %s, %s, {json_value}, {id_value})"
    # Table names and placeholders only; the values are parameters.
    sql = (
        f"INSERT INTO {CheckResult._meta.db_table} ({_RESULT_COLUMNS}) "  # noqa: S608
        f"SELECT * FROM (VALUES {', '.join([row] * len(results))}) AS new_results "
        f"WHERE EXISTS (SELECT 1 FROM {VerificationRun._meta.db_table} "
        "WHERE id = %s AND attempt = %s AND status = %s)"
    )
    values = [
        value
        for result in results
        for value in (
            run_id,
            result.position,
            result.check_id,
            result.title,
            result.subject,
            result.required,
            result.status,
            result.message,
            result.duration_ms,
            json.dumps(result.details),
            result.waiver,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, run_id, attempt, RunStatus.RUNNING])
        return cursor.rowcount == len(results)


class _Progress:
    """The `record` callback of a run: collects results and writes them every
    `PROGRESS_EVERY` seconds, and what is left when the run ends (`flush`)."""

    def __init__(self, run_id: int, attempt: int) -> None:
        self.run_id, self.attempt = run_id, attempt
        self.pending: list[Result] = []
        self.written_at = time.monotonic()

    def __call__(self, result: Result) -> None:
        self.pending.append(result)
        if time.monotonic() - self.written_at >= PROGRESS_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            if not _record_results(self.run_id, self.attempt, self.pending):
                raise _RunStopped
            self.pending = []
        self.written_at = time.monotonic()


class _RunStopped(Exception):
    """The run was cancelled or taken over by another attempt while it ran."""


TARGET_FIELDS = (
    "kind",
    "url",
    "namespace",
    "ca_cert",
    "auth_method",
    "auth_mount_path",
    "auth_role",
    "auth_login_path",
    "secret_mounts",
    "plugin",
)


def engine_settings() -> EngineSettings:
    """The deployment's settings, as the check engine takes them."""
    return EngineSettings(
        connect_timeout=settings.VIP_VAULT_CONNECT_TIMEOUT,
        read_timeout=settings.VIP_VAULT_READ_TIMEOUT,
        allow_private=settings.VIP_ALLOW_PRIVATE_TARGETS,
        egress_proxy=settings.VIP_EGRESS_PROXY,
        max_token_ttl=settings.VIP_MAX_TOKEN_TTL,
        max_token_lifetime=settings.VIP_MAX_TOKEN_LIFETIME,
        time_limit=settings.VIP_RUN_TIME_LIMIT,
    )


def _context(
    run_id: int, target: VerificationTarget, credentials: dict | None, inspector: str | None
):
    waived = {}
    if target.waived:  # asked with the claim: no query when nothing is waived
        waived = dict(
            Waiver.objects.filter(target=target, ended_at__isnull=True).values_list(
                "check_id", "pk"
            )
        )
    return context_for(
        {name: getattr(target, name) for name in TARGET_FIELDS},
        run_id=run_id,
        category=target.category,
        credentials=credentials,
        inspector_token=inspector,
        settings=engine_settings(),
        waived=waived,
    )


def _finish(
    run_id: int, attempt: int | None = None, *, was: str = RunStatus.RUNNING, **fields
) -> bool:
    """End a run that is still `was` (of this attempt, if given) and tell what depends on it.
    Every way a run ends comes here: the end commits with its notice owed (`notice_pending`),
    which the default queue's `run_notify` gives (a verification worker keeps to runs: the
    notice's lookups and rendering cost a thread pool more than a run's own database work);
    then a run of the evidence target decides its badges, whoever asked for it."""
    runs = VerificationRun.objects.filter(pk=run_id, status=was)
    if attempt is not None:
        runs = runs.filter(attempt=attempt)
    finished_at = fields.pop("finished_at", timezone.now())
    with transaction.atomic():
        if not runs.update(finished_at=finished_at, notice_pending=True, **fields):
            return False
        transaction.on_commit(partial(_queue_notice, run_id), robust=True)
    run = VerificationRun.objects.select_related("target", "integration").get(pk=run_id)
    run_finished.send(sender=VerificationRun, run=run)  # the evidence target's: badges follow
    return True


def _queue_notice(run_id: int) -> None:
    """After a run's end commits: its notice, on the default queue. A broker that refuses it
    loses nothing: beat's reaper gives the notices still owed (`runs_reap`)."""
    from reviews import tasks  # tasks import this module: the one way round is at call time

    try:
        tasks.run_notify.delay(run_id)
    except BrokerError:
        logger.warning("could not queue the notice of run %s; the reaper gives it", run_id)


def run_notify(*, run_id: int) -> bool:
    """Tell a finished run's people how it ended, once: the run's row is locked while its
    notice is recorded, and a notice given is not owed any more (the task and the reaper, or a
    task delivered twice, tell them once). Returns whether this call told them."""
    with transaction.atomic():
        run = (
            VerificationRun.objects.select_for_update(of=("self",))
            .select_related("target", "integration__partner", "requested_by")
            .filter(pk=run_id, notice_pending=True)
            .first()
        )
        if run is None:
            return False
        _notify_finished(run)
        VerificationRun.objects.filter(pk=run_id).update(notice_pending=False)
    return True


def _notify_finished(run: VerificationRun) -> None:
    """The partner's people and whoever asked for the run hear how it ended."""
    people = partner_emails(run.integration.partner)
    if run.requested_by is not None and run.requested_by.is_active:
        people.append(run.requested_by.email)
    notify(
        "verification_finished",
        to=people,
        context={"run": run, "integration": run.integration, "target": run.target},
        key=f"run:{run.pk}",
        link=reverse("run_detail", args=[run.pk]),
    )


def run_execute(*, run_id: int) -> str | None:
    """The worker's part: claim the run, decrypt the credentials, run the checks, store each
    result as it comes, and record the verdict. Idempotent: a run that is finished or cancelled
    is left alone; a redelivered run (its worker died) starts over under a new attempt number,
    and results of an older attempt can no longer be written. Whatever goes wrong ends the run
    `error` with a reason in words; nothing leaves it `running`.

    Everything up to the verdict is committed without waiting for the disk
    (`_relaxed_commits`): a crash may lose the claim or the last results, and the run is then
    redelivered or ended by the reaper. Its end, with what follows from it, is durable."""
    with _relaxed_commits():
        ending = _run(run_id)
    if ending is None:
        return None
    attempt, fields = ending
    _finish(run_id, attempt, **fields)
    return fields["status"]


def _run(run_id: int) -> tuple[int, dict] | None:
    """Claim and run the checks: (attempt, how the run ends) or None when it is not ours to end
    (not open any more, or stopped while it ran)."""
    claimed = _claim(run_id)
    if claimed is None:
        return None
    attempt, target = claimed
    if attempt > settings.VIP_RUN_MAX_ATTEMPTS:
        reason = "The run was interrupted too many times (the worker kept stopping)."
        return attempt, {"status": RunStatus.ERROR, "reason": reason}
    if attempt > 1:  # a redelivered run starts over
        CheckResult.objects.filter(run_id=run_id).delete()
    try:
        credentials, inspector = _credentials(target)
    except program_vault.ProgramVaultUnavailable:
        reason = (
            "The program's Vault is unavailable, so the credentials could not be read. "
            "Try again shortly."
        )
        return attempt, {"status": RunStatus.ERROR, "reason": reason}
    except (hvac.exceptions.VaultError, ValueError, KeyError):
        logger.exception("run %s: stored credentials could not be decrypted", run_id)
        reason = "The stored credentials could not be read; enter them again on the target."
        return attempt, {"status": RunStatus.ERROR, "reason": reason}

    progress = _Progress(run_id, attempt)
    try:
        verdict = execute(_context(run_id, target, credentials, inspector), progress)
        progress.flush()
    except _RunStopped:
        return None
    except Exception:
        logger.exception("run %s: unexpected failure", run_id)
        with contextlib.suppress(_RunStopped, DatabaseError):
            progress.flush()  # what the checks found before it
        reason = "An unexpected problem stopped the run; the program team has been told."
        return attempt, {"status": RunStatus.ERROR, "reason": reason}
    return attempt, {
        "status": verdict.status,
        "reason": verdict.reason,
        "detected_version": verdict.version[:64],
        "detected_edition": verdict.edition,
    }


def _claim(run_id: int) -> tuple[int, VerificationTarget] | None:
    """Take the run if it is still open (queued, or running when redelivered): it becomes
    `running` under the next attempt number. Returns that number and the run's target, which
    carries what the checks ask of the integration (`category`) and whether a waiver is open on
    it (`waived`); None when the run is not open any more.

    Two plain statements, the claim returning what the read needs: the ORM's update and its
    joined, annotated read took ≈ 2 to 3 ms a run between them to build and run; these ≈ 1 ms
    (bench/verification.py)."""
    runs, targets = VerificationRun._meta.db_table, VerificationTarget._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {runs} SET status = %s, started_at = %s, attempt = attempt + 1 "  # noqa: S608
            "WHERE id = %s AND status IN (%s, %s) RETURNING attempt, target_id, integration_id",
            [
                RunStatus.RUNNING,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                run_id,
                *OPEN_RUN_STATUSES,
            ],
        )
        claimed = cursor.fetchone()
    if claimed is None:
        return None
    attempt, target_id, integration_id = claimed
    # Table names only; the values are parameters.
    target = VerificationTarget.objects.raw(
        f"SELECT target.*, integration.category AS category, EXISTS ("  # noqa: S608
        f"  SELECT 1 FROM {Waiver._meta.db_table} waiver"
        "   WHERE waiver.target_id = target.id AND waiver.ended_at IS NULL"
        f") AS waived FROM {targets} target, {Integration._meta.db_table} integration "
        "WHERE target.id = %s AND integration.id = %s",
        [target_id, integration_id],
    )[0]
    return attempt, target


def _credentials(target: VerificationTarget) -> tuple[dict | None, str | None]:
    """The target's app credentials and inspector token (None where not given), decrypted in
    one request to the program Vault."""
    stored = [target.credentials_ciphertext, target.inspector_ciphertext]
    plain = iter(program_vault.decrypt_many([each for each in stored if each]))
    credentials = next(plain) if target.credentials_ciphertext else None
    inspector = next(plain)["token"] if target.inspector_ciphertext else None
    return credentials, inspector


def run_time_out(*, run_id: int) -> None:
    """The task's soft time limit struck: the run ends `error`, with what it had done."""
    reason = f"The run did not finish within {settings.VIP_RUN_TIME_LIMIT} seconds."
    _finish(run_id, status=RunStatus.ERROR, reason=reason)


# A run's notice is given by its task within moments; the reaper gives those still owed after
# this long, up to this many a minute (oldest first).
NOTICE_GRACE = timedelta(minutes=1)
NOTICES_PER_REAP = 500


def runs_reap(*, now=None) -> int:
    """Runs that can no longer finish end `error`: running past the time limit (their worker
    stopped, or they ran over) or queued for too long (no worker took them). Beat calls this
    every minute; each run is ended through the same path as any other. It also gives the
    notices of ended runs whose task was lost. Returns how many runs it ended."""
    now = now or timezone.now()
    reaped = 0
    stuck_running = VerificationRun.objects.filter(
        status=RunStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.VIP_RUN_TIME_LIMIT + 60),
    ).values_list("pk", flat=True)
    for run_id in list(stuck_running):
        reason = "The run stopped before it finished (its worker stopped or it ran too long)."
        reaped += _finish(run_id, status=RunStatus.ERROR, reason=reason, finished_at=now)
    stuck_queued = VerificationRun.objects.filter(
        status=RunStatus.QUEUED,
        queued_at__lt=now - timedelta(seconds=settings.VIP_RUN_QUEUED_LIMIT),
    ).values_list("pk", flat=True)
    for run_id in list(stuck_queued):
        reaped += _finish(
            run_id,
            was=RunStatus.QUEUED,
            status=RunStatus.ERROR,
            reason="No worker picked the run up in time.",
            finished_at=now,
        )
    # Notices whose task was lost (the broker refused it, or its worker stopped).
    owed = VerificationRun.objects.filter(
        notice_pending=True, finished_at__lt=now - NOTICE_GRACE
    ).order_by("finished_at")
    for run_id in list(owed.values_list("pk", flat=True)[:NOTICES_PER_REAP]):
        run_notify(run_id=run_id)
    return reaped
