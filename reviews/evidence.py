"""Partner-run evidence (`vip-verify submit`): what a partner's own run of the checks must look
like to be stored, in one place. It is shown beside the program's runs and never counts as one:
guards and badges read the program's runs only (reviews.selectors.verdict_runs).

Validation is strict, since the document comes from outside: the shape `vip-verify` writes
(the API's run detail plus `engine_version`, `catalogue_version`, `category`), sizes, a
catalogue version the program knows, check ids of that catalogue, the integration's own
category, and a verdict that the checks bear out (a "passed" with a failed required check is
refused). Errors use dotted field names; nothing is stored unless all of it is valid.
"""

import json
from datetime import UTC, datetime, timedelta

from integrations.categories import CATEGORIES
from reviews.targets import KINDS, TargetError, nul_fields
from reviews.verification.base import ERROR, FAILED, PASSED, SKIPPED
from reviews.verification.registry import CATALOGUE, KNOWN_CATALOGUE_VERSIONS

MAX_DOCUMENT = 256 * 1024
MAX_CHECKS = 60
MAX_TEXT = 2_000
MAX_DETAILS = 4_096
CHECK_IDS = frozenset(check.id for check in CATALOGUE)
VERDICTS = (PASSED, FAILED, ERROR)
CHECK_STATUSES = (PASSED, FAILED, SKIPPED, ERROR)


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _text(errors, data: dict, name: str, where: str, *, limit: int, allow_empty=True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        errors.add(f"{where}{name}", "This must be text.")
        return ""
    if len(value) > limit:
        errors.add(f"{where}{name}", f"At most {limit} characters.")
    elif not value and not allow_empty:
        errors.add(f"{where}{name}", "This is required.")
    return value


def _moment(errors, data: dict, name: str, now: datetime) -> datetime | None:
    value = data.get(name)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.add(name, "An ISO 8601 time with its offset, as vip-verify writes it.")
        return None
    if moment > now + timedelta(minutes=5):
        errors.add(name, "This is in the future.")
    return moment


def _check(errors, check, index: int) -> dict:
    where = f"checks.{index}."
    if not isinstance(check, dict):
        errors.add(f"checks.{index}", "Each check is an object, as vip-verify writes it.")
        return {}
    cleaned = {
        "id": _text(errors, check, "id", where, limit=64, allow_empty=False),
        "title": _text(errors, check, "title", where, limit=200),
        "status": _text(errors, check, "status", where, limit=16),
        "subject": _text(errors, check, "subject", where, limit=200),
        "message": _text(errors, check, "message", where, limit=MAX_TEXT),
    }
    if cleaned["id"] and cleaned["id"] not in CHECK_IDS:
        errors.add(f"{where}id", "Not a check of the program's catalogue.")
    if cleaned["status"] not in CHECK_STATUSES:
        errors.add(f"{where}status", f"One of: {', '.join(CHECK_STATUSES)}.")
    for flag in ("required", "waived"):
        if not isinstance(check.get(flag), bool):
            errors.add(f"{where}{flag}", "true or false.")
    if check.get("waived") is True:
        errors.add(f"{where}waived", "Only program staff waive checks, on program runs.")
    cleaned["required"] = check.get("required") is True
    duration = check.get("duration_ms")
    if not isinstance(duration, int) or isinstance(duration, bool) or not 0 <= duration < 10**7:
        errors.add(f"{where}duration_ms", "A whole number of milliseconds.")
        duration = 0
    cleaned["duration_ms"] = duration
    details = check.get("details", {})
    if not isinstance(details, dict) or len(json.dumps(details)) > MAX_DETAILS:
        errors.add(f"{where}details", f"An object of at most {MAX_DETAILS} bytes as JSON.")
        details = {}
    cleaned["details"] = details
    return cleaned


def clean_evidence(document, *, category: str, now: datetime | None = None) -> dict:
    """The stored form of a `vip-results.json`, or TargetError with every field error."""
    now = now or datetime.now(UTC)
    if not isinstance(document, dict):
        raise TargetError("The evidence is the JSON object vip-verify writes (vip-results.json).")
    if len(json.dumps(document)) > MAX_DOCUMENT:
        raise TargetError(f"The evidence is larger than {MAX_DOCUMENT // 1024} KB.")
    errors = _Errors()
    for name in nul_fields(document):
        errors.add(name, "This value contains a NUL character.")
    if errors:
        raise TargetError("The evidence has invalid fields.", dict(errors))
    cleaned = {
        "engine_version": _text(
            errors, document, "engine_version", "", limit=40, allow_empty=False
        ),
        "catalogue_version": _text(errors, document, "catalogue_version", "", limit=20),
        "category": _text(errors, document, "category", "", limit=32),
        "status": _text(errors, document, "status", "", limit=16),
        "reason": _text(errors, document, "reason", "", limit=MAX_TEXT),
    }
    if cleaned["catalogue_version"] not in KNOWN_CATALOGUE_VERSIONS:
        errors.add(
            "catalogue_version",
            f"The program knows catalogue {', '.join(sorted(KNOWN_CATALOGUE_VERSIONS))}: run "
            "the vip-verify that goes with it.",
        )
    if cleaned["category"] not in CATEGORIES:
        errors.add("category", f"One of: {', '.join(CATEGORIES)}.")
    elif cleaned["category"] != category:
        errors.add("category", f"This integration's category is {category}: run with that one.")
    if cleaned["status"] not in VERDICTS:
        errors.add("status", f"One of: {', '.join(VERDICTS)}.")
    started, finished = (
        _moment(errors, document, "started_at", now),
        _moment(errors, document, "finished_at", now),
    )
    if started and finished and finished < started:
        errors.add("finished_at", "Before started_at.")
    cleaned.update(started_at=started, finished_at=finished)
    subset = document.get("subset")
    if subset is not None and not (
        isinstance(subset, list) and all(isinstance(s, str) and s in CHECK_IDS for s in subset)
    ):
        errors.add("subset", "null, or the ids of the checks run.")
    cleaned["subset"] = subset or []
    target = document.get("target")
    if not isinstance(target, dict):
        errors.add("target", "The target's name, kind, url and namespace.")
        target = {}
    cleaned["target"] = {
        "name": _text(errors, target, "name", "target.", limit=100),
        "kind": _text(errors, target, "kind", "target.", limit=32),
        "url": _text(errors, target, "url", "target.", limit=200),
        "namespace": _text(errors, target, "namespace", "target.", limit=200),
    }
    if cleaned["target"]["kind"] not in KINDS:
        errors.add("target.kind", f"One of: {', '.join(KINDS)}.")
    detected = document.get("detected")
    if not isinstance(detected, dict):
        errors.add("detected", "The version and edition the run detected.")
        detected = {}
    cleaned["detected"] = {
        "version": _text(errors, detected, "version", "detected.", limit=64),
        "edition": _text(errors, detected, "edition", "detected.", limit=32),
    }
    if cleaned["detected"]["edition"] not in (*KINDS, ""):
        errors.add("detected.edition", f"One of: {', '.join(KINDS)}.")
    checks = document.get("checks")
    if not isinstance(checks, list) or not 0 < len(checks) <= MAX_CHECKS:
        errors.add("checks", f"The list of the run's checks (1 to {MAX_CHECKS}).")
        checks = []
    cleaned["checks"] = [_check(errors, check, index) for index, check in enumerate(checks)]
    unmet = [c for c in cleaned["checks"] if c.get("required") and c.get("status") != PASSED]
    if cleaned["status"] == PASSED and unmet:
        errors.add(
            "status",
            f"The checks do not bear out “passed”: {unmet[0]['id']} is required and "
            f"{unmet[0]['status']}.",
        )
    if errors:
        raise TargetError(
            "The evidence has invalid fields."
            if len(errors) > 1
            else next(iter(errors.values()))[0],
            dict(errors),
        )
    return cleaned
