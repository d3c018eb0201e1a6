"""What the public badge endpoints serve: a flat, shields-style SVG (text widths measured with
pybadges' Verdana 11px metrics) and the shields endpoint JSON, built once per change and kept
in the cache so a warm request touches no database."""

import hashlib
import json
import threading
import time
from collections import OrderedDict
from functools import cache
from importlib.resources import files

from django.conf import settings
from django.core.cache import cache as django_cache
from django.template.loader import render_to_string
from django.urls import reverse
from pybadges.precalculated_text_measurer import PrecalculatedTextMeasurer

from badges.models import Badge, BadgeStatus

LABEL = "HashiCorp Vault"
COLORS = {BadgeStatus.ACTIVE: ("#4c1", "brightgreen")}
GREY = ("#9f9f9f", "lightgrey")
MISSING = "missing"


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
    document = {
        "schemaVersion": 1,
        "label": LABEL,
        "message": text,
        "color": shields_color,
        "status": badge.status,
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
    return f"badge:v1:{public_id}"


class _ProcessCache:
    """A small per-process copy in front of the shared cache, so a warm badge costs neither a
    database nor a cache round trip. Entries live `VIP_BADGE_LOCAL_SECONDS`: a change made by
    another process shows here within that time (well inside the five minutes the response
    itself may be cached by anyone); a change made by this process shows at once."""

    def __init__(self, size: int = 10_000) -> None:
        self.entries: OrderedDict[str, tuple[float, dict | None]] = OrderedDict()
        self.size = size
        self.lock = threading.Lock()

    def get(self, public_id: str):
        with self.lock:
            entry = self.entries.get(public_id)
            if entry is None or entry[0] < time.monotonic():
                return _ABSENT
            self.entries.move_to_end(public_id)
            return entry[1]

    def put(self, public_id: str, payload: dict | None) -> None:
        with self.lock:
            expires = time.monotonic() + settings.VIP_BADGE_LOCAL_SECONDS
            self.entries[public_id] = (expires, payload)
            self.entries.move_to_end(public_id)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def forget(self, public_id: str) -> None:
        with self.lock:
            self.entries.pop(public_id, None)


_ABSENT = object()
_process_cache = _ProcessCache()


def public_payload(public_id: str) -> dict | None:
    """The rendered badge for `public_id` (None if there is none): from this process's copy,
    else from the shared cache, else built from the database (once after every change)."""
    local = _process_cache.get(public_id)
    if local is not _ABSENT:
        return local
    payload = _shared_payload(public_id)
    _process_cache.put(public_id, payload)
    return payload


def _shared_payload(public_id: str) -> dict | None:
    cached = django_cache.get(_key(public_id))
    if cached == MISSING:
        return None
    if cached is not None:
        return cached
    badge = Badge.objects.select_related("integration__partner").filter(public_id=public_id).first()
    if badge is None:
        django_cache.set(_key(public_id), MISSING, timeout=60)
        return None
    payload = _payload(badge)
    django_cache.set(_key(public_id), payload, timeout=settings.VIP_BADGE_CACHE_SECONDS)
    return payload


def forget(public_id: str) -> None:
    """A badge changed: the next request renders it afresh."""
    _process_cache.forget(public_id)
    django_cache.delete(_key(public_id))
