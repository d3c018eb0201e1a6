import zoneinfo
from datetime import UTC, datetime, time

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from config.templatetags.vip import moment_text, timestamp
from config.timezones import valid_zone
from support_sla.clocks import due_at_end_of_day

register = template.Library()

DUE_DATE_FORMATS = {"long": "l j F Y", "short": "D j M"}


@register.simple_tag
def due_time(issue, style: str = "long", zone: str = ""):
    """An issue's due time, in the viewer's zone or `zone`, like `{% timestamp %}`; a normal
    issue due at the end of a business day says so in the clock's own zone ("Friday 11
    December 2026, end of business day (24:00 EST)") instead of "Saturday 00:00". The
    `datetime` attribute keeps the exact instant."""
    words = _end_of_business_day(issue, style, zone)
    if words is None:
        return timestamp(issue.due_at, style, zone)
    iso = issue.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return format_html('<time datetime="{}">{}</time>', iso, words)


@register.simple_tag
def due_text(issue, style: str = "long", zone: str = "") -> str:
    """`due_time` without markup, for plain-text e-mails and subjects."""
    words = _end_of_business_day(issue, style, zone)
    return moment_text(issue.due_at, style, zone) if words is None else words


def _end_of_business_day(issue, style: str, zone: str) -> str | None:
    """The words for an issue due at the end of a business day in that zone ("Friday 11
    December 2026, end of business day (24:00 EST)"; support_sla.clocks.due_at_end_of_day),
    else None."""
    name = valid_zone(zone) if zone else timezone.get_current_timezone_name()
    day = due_at_end_of_day(issue, name)
    if day is None:
        return None
    end = issue.due_at.astimezone(zoneinfo.ZoneInfo(name))
    words = date_format(
        datetime.combine(day, time(12), zoneinfo.ZoneInfo(name)),
        DUE_DATE_FORMATS.get(style, DUE_DATE_FORMATS["long"]),
    )
    return f"{words}, end of business day (24:00 {end.tzname()})"
