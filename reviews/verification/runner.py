"""Runs the planned checks, turns what the server says into check statuses, and decides the
run's verdict (DESIGN.md §4): no raw traceback ever reaches the partner."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import hvac.exceptions
import requests

from reviews.verification import egress
from reviews.verification.base import (
    ERROR,
    FAILED,
    PASSED,
    Outcome,
    RunContext,
    error,
    failed,
    server_said,
    skipped,
)
from reviews.verification.registry import UNWAIVABLE, plan

logger = logging.getLogger(__name__)


@dataclass
class Result:
    position: int
    check_id: str
    title: str
    subject: str
    required: bool
    status: str
    message: str
    duration_ms: int
    details: dict = field(default_factory=dict)
    waiver: int | None = None  # the waiver that keeps this required check from the verdict


@dataclass
class Verdict:
    status: str  # passed, failed or error
    reason: str
    version: str
    edition: str


def classify(ctx: RunContext, exc: Exception, expects: str = "an answer") -> Outcome:
    """An exception from a check, as a check outcome in plain language: what the check
    expected and what the server answered; never an exception's repr."""
    where = urlparse(ctx.url).netloc or ctx.url
    seconds = ctx.timeout
    if isinstance(exc, egress.Redirected):
        return failed(
            f"Expected {expects} from {where}; the server answered HTTP {exc.status}, a "
            f"redirect to {exc.location}, and redirects are never followed."
        )
    if refusal := egress.refused_address(exc):
        return error(
            f"Not connecting: {where} was {refusal} when the connection was made (every "
            "connection of a run is checked, so a name that changes its address is caught). "
            "Nothing was sent."
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return error(
            f"TLS verification failed for {where}: its certificate is not trusted (give the CA "
            "bundle that signed it) or does not match the host name."
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return error(f"Could not connect to {where} within {seconds[0]:g} seconds.")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return error(
            f"{where} accepted the connection but did not answer within {seconds[1]:g} seconds."
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        return error(
            f"Could not connect to {where}: the connection was refused or the host is unreachable."
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return error(f"The exchange with {where} broke off before a complete answer came back.")
    if isinstance(exc, hvac.exceptions.VaultDown):
        return error("The Vault server is sealed: unseal it and run the verification again.")
    if isinstance(exc, hvac.exceptions.VaultNotInitialized):
        return error("The Vault server is not initialised.")
    if isinstance(exc, hvac.exceptions.VaultError):
        return failed(f"Expected {expects}; the server answered {server_said(exc)}.")
    if isinstance(exc, KeyError | TypeError | AttributeError | ValueError):
        # The server answered, but its answer lacked what a Vault server's answer has.
        logger.warning("verification run %s: unexpected answer shape", ctx.run_id, exc_info=True)
        return failed(f"Expected {expects}; the server's answer did not have the usual shape.")
    logger.exception("verification run %s: unexpected error", ctx.run_id)
    return error(
        "An unexpected problem stopped this check; the program team can find it in the "
        "worker's log."
    )


def execute(
    ctx: RunContext, record: Callable[[Result], None], *, only: frozenset[str] | None = None
) -> Verdict:
    """Run every planned check in order and `record` each result as soon as it is known.

    After a check meets an error (unreachable, TLS, timeout, sealed), the later checks are
    skipped, except those marked `always` (token.revoke). A run past its deadline (`ctx.deadline`,
    a `time.monotonic()` value: the time limit every pool enforces, the thread pool included)
    meets that error at its next check. `record` may raise to stop the run (it was cancelled);
    the run's temporary files are removed either way. `only`: run just those checks (see
    `registry.plan`).
    """
    results: list[Result] = []
    stop_reason, stopped_at = "", None
    if ctx.deadline is None:
        ctx.deadline = time.monotonic() + ctx.time_limit
    try:
        for position, (check, subject) in enumerate(plan(ctx, only)):
            began = time.perf_counter()
            if stop_reason and not check.always:
                outcome = skipped(f"Not run: {stop_reason}")
            elif not stop_reason and time.monotonic() > ctx.deadline:
                outcome = error(f"The run did not finish within {ctx.time_limit:g} seconds.")
            else:
                try:
                    outcome = check.run(ctx, subject)
                except Exception as exc:  # every failure becomes an outcome
                    outcome = classify(ctx, exc, check.expects)
            duration_ms = round((time.perf_counter() - began) * 1000)
            ctx.outcomes.setdefault(check.id, []).append(outcome)
            if (outcome.status == ERROR or outcome.stop) and not stop_reason:
                stop_reason, stopped_at = outcome.message, position
            required = check.required(ctx) and outcome.applicable
            result = Result(
                position=position,
                check_id=check.id,
                title=check.title,
                subject=subject or "",
                required=required,
                status=outcome.status,
                message=outcome.message,
                duration_ms=duration_ms,
                details=outcome.details,
                waiver=_waiver(ctx, check.id, required, outcome),
            )
            record(result)
            results.append(result)
    finally:
        ctx.close()
    return verdict(results, ctx, stopped_at)


def _waiver(ctx: RunContext, check_id: str, required: bool, outcome: Outcome) -> int | None:
    """The waiver that applies to this result: a required check, waivable, that did not pass."""
    if not required or outcome.status == PASSED or check_id in UNWAIVABLE:
        return None
    return ctx.waived.get(check_id)


def verdict(results: list[Result], ctx: RunContext, stopped_at: int | None = None) -> Verdict:
    """`error` when a required check met an error, or an error stopped the run before its
    required checks ran; `failed` when a required check did not pass; `passed` otherwise.
    An error in an informational check that stopped nothing (token.revoke at the end) does
    not decide the run, and neither does a required check a reviewer waived."""
    deciding = [r for r in results if r.required and r.waiver is None]
    stopping = next((r for r in results if r.position == stopped_at), None)
    required_error = next((r for r in deciding if r.status == ERROR), None)
    cut_short = (
        stopping is not None
        and stopping.status == ERROR
        and any(r.position > stopped_at for r in deciding)
    )
    if required_error or cut_short:
        reason = (required_error or stopping).message
        return Verdict(ERROR, reason, ctx.version, ctx.edition)
    unmet = next((r for r in deciding if r.status != PASSED), None)
    if unmet:
        name = f"{unmet.check_id} ({unmet.subject})" if unmet.subject else unmet.check_id
        return Verdict(FAILED, f"{name}: {unmet.message}", ctx.version, ctx.edition)
    return Verdict(PASSED, "", ctx.version, ctx.edition)


__all__ = ["FAILED", "PASSED", "Result", "Verdict", "execute"]
