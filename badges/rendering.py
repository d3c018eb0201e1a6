"""What the public badge endpoints serve: a flat, shields-style SVG (text widths measured with
pybadges' Verdana 11px metrics) and the shields endpoint JSON, built once per change and kept
in the cache so a warm request touches no database."""

import hashlib
import json
import re
import threading
import uuid
from collections import OrderedDict
from functools import cache
from importlib.resources import files

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from django.template.loader import render_to_string
from django.urls import reverse
from pybadges.precalculated_text_measurer import PrecalculatedTextMeasurer

from badges.models import Badge, BadgeStatus

LABEL = "HashiCorp Vault"
COLORS = {BadgeStatus.ACTIVE: ("#4c1", "brightgreen")}
GREY = ("#9f9f9f", "lightgrey")


@cache
def _measurer() -> PrecalculatedTextMeasurer:
    with (files("pybadges") / "default-widths.json").open() as widths:
        return PrecalculatedTextMeasurer.from_json(widths)


def text_width(text: str) -> int:
    """Width in pixels of `text` in Verdana 11px (the metrics are for 110px)."""
    return round(_measurer().text_width(text) / 10)


def message(badge: Badge) -> str:
    kind = badge.get_kind_display()
    return kind if badge.is_active else f"{kind}: {badge.status}"


def render_svg(label: str, text: str, color: str) -> str:
    left, right = text_width(label) + 10, text_width(text) + 10
    return render_to_string(
        "badges/badge.svg",
        {
            "label": label,
            "message": text,
            "color": color,
            "left": left,
            "right": right,
            "width": left + right,
            "label_x": left * 5,  # text is drawn at 10x and scaled down, like shields.io
            "message_x": round((left + right / 2) * 10),
            "label_length": (left - 10) * 10,
            "message_length": (right - 10) * 10,
        },
    )


def _payload(badge: Badge) -> dict:
    svg_color, shields_color = COLORS.get(badge.status, GREY)
    text = message(badge)
    suspended = badge.status == BadgeStatus.SUSPENDED
    document = {
        "schemaVersion": 1,
        "label": LABEL,
        "message": text,
        "color": shields_color,
        "status": badge.status,
        # Why the program holds it suspended (badges.models.StatusReason); null otherwise.
        "status_reason": (badge.status_reason or None) if suspended else None,
        "kind": badge.kind,
        "integration": badge.integration.name,
        "partner": badge.integration.partner.name,
        "issued_at": badge.issued_at.isoformat(),
        "verified_at": badge.verified_at.isoformat(),
        "verify_url": settings.SITE_URL.rstrip("/")
        + reverse("badge_verify", args=[badge.public_id]),
    }
    svg = render_svg(LABEL, text, svg_color)
    body = json.dumps(document, indent=None)
    return {
        "svg": svg.encode(),
        "svg_etag": _etag(svg),
        "json": body.encode(),
        "json_etag": _etag(body),
    }


def _etag(content: str) -> str:
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    return f'"{digest}"'


def _key(public_id: str) -> str:
    return f"badge:v2:{public_id}"


def _version_key(public_id: str) -> str:
    return f"badge:rev:{public_id}"


class _ProcessCache:
    """A small per-process copy in front of the shared cache, so a warm badge costs no
    database query and one cache GET: each entry carries the shared version it was built
    under, and is served only while the shared version key still says that version. A status
    change bumps the version (`forget`), so every web process serves it at once."""

    def __init__(self, size: int = 10_000) -> None:
        self.entries: OrderedDict[str, tuple[str, dict | None]] = OrderedDict()
        self.size = size
        self.lock = threading.Lock()

    def get(self, public_id: str, version: str):
        with self.lock:
            entry = self.entries.get(public_id)
            if entry is None or entry[0] != version:
                return _ABSENT
            self.entries.move_to_end(public_id)
            return entry[1]

    def put(self, public_id: str, version: str, payload: dict | None) -> None:
        with self.lock:
            self.entries[public_id] = (version, payload)
            self.entries.move_to_end(public_id)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def forget(self, public_id: str) -> None:
        with self.lock:
            self.entries.pop(public_id, None)


_ABSENT = object()
_process_cache = _ProcessCache()


@cache
def _redis() -> redis.Redis | None:
    """One Redis client for the process, on the default cache's server; None when the cache is
    not Redis (the demo's local memory). The version check is on the warm path of the most
    requested URLs (DESIGN.md §10), and Django's cache API builds a new Redis client for every
    call, which costs about as much as the round trip itself."""
    backend = settings.CACHES["default"]
    if not backend["BACKEND"].endswith(".RedisCache"):
        return None
    location = backend["LOCATION"]
    first = location[0] if isinstance(location, list | tuple) else re.split("[;,]", location)[0]
    return redis.Redis.from_url(first)


def _get_version(public_id: str) -> str | None:
    client = _redis()
    if client is None:
        return django_cache.get(_version_key(public_id))
    value = client.get(django_cache.make_key(_version_key(public_id)))
    return value.decode() if value is not None else None


def _set_version(public_id: str, *, add: bool = False) -> None:
    """A new random version (`add`: only if there is none). Versions expire like the shared
    renderings, so ids that were only guessed do not pile up; a version that expired is
    replaced by a new one, which can only make copies stale."""
    version, timeout = uuid.uuid4().hex, settings.VIP_BADGE_CACHE_SECONDS
    client = _redis()
    if client is None:
        write = django_cache.add if add else django_cache.set
        write(_version_key(public_id), version, timeout=timeout)
    else:
        client.set(django_cache.make_key(_version_key(public_id)), version, ex=timeout, nx=add)


def _current_version(public_id: str) -> str:
    """The shared version of the badge's rendering (one cache GET); made when there is none.
    Read before the database, so a rendering is never filed under a version newer than the
    data it was built from."""
    version = _get_version(public_id)
    if version is None:  # first asked for, or expired: any new version makes copies stale
        _set_version(public_id, add=True)
        version = _get_version(public_id)
    return version


def public_payload(public_id: str) -> dict | None:
    """The rendered badge for `public_id` (None if there is none): from this process's copy
    when the shared version still matches it, else from the shared cache, else built from
    the database (once after every change)."""
    version = _current_version(public_id)
    local = _process_cache.get(public_id, version)
    if local is not _ABSENT:
        return local
    payload = _shared_payload(public_id, version)
    _process_cache.put(public_id, version, payload)
    return payload


def _shared_payload(public_id: str, version: str) -> dict | None:
    cached = django_cache.get(_key(public_id))
    if isinstance(cached, dict) and cached.get("version") == version:
        return cached["payload"]
    badge = Badge.objects.select_related("integration__partner").filter(public_id=public_id).first()
    payload = _payload(badge) if badge is not None else None
    timeout = settings.VIP_BADGE_CACHE_SECONDS if badge is not None else 60
    django_cache.set(_key(public_id), {"version": version, "payload": payload}, timeout=timeout)
    return payload


def forget(public_id: str) -> None:
    """A badge changed (called after its transaction commits): bump its shared version, so
    every process's copy and the shared rendering are stale, and the next request renders it
    afresh."""
    _set_version(public_id)
    django_cache.delete(_key(public_id))
    _process_cache.forget(public_id)
