"""The viewer's time zone: which zone names are valid, and the cookie the browser sets."""

import zoneinfo
from functools import cache

COOKIE = "vip_tz"
DEFAULT = "UTC"


@cache
def time_zones() -> frozenset[str]:
    """Every IANA zone name this server knows."""
    return frozenset(zoneinfo.available_timezones())


def valid_zone(name: str | None) -> str:
    """`name` if it is an IANA zone this server knows, else UTC."""
    if name and len(name) <= 64 and name in time_zones():
        return name
    return DEFAULT
