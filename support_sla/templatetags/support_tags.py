import zoneinfo

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def in_zone(value, zone: str):
    """A datetime shown in an IANA zone (the partner's, or the viewer's)."""
    if value is None:
        return None
    try:
        return timezone.localtime(value, zoneinfo.ZoneInfo(zone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.localtime(value, zoneinfo.ZoneInfo("UTC"))


@register.filter
def duration(seconds):
    """Seconds as "2 d 3 h", "5 h 10 min" or "12 min"; negative means overdue."""
    if seconds is None:
        return "—"
    sign, seconds = ("overdue by " if seconds < 0 else ""), abs(int(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} min"
    else:
        text = f"{minutes} min"
    return sign + text
