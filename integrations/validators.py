"""Validation of partner support settings: one rule for every door (the partner page, the
intake, the API, the admin), applied by integrations.services (and Partner.clean for the
admin); the forms ask it too, to put the errors under their fields."""

from functools import cache

import holidays
from django.core.exceptions import ValidationError

from config.timezones import time_zones


@cache
def countries() -> dict[str, list[str]]:
    """ISO country code → the subdivision codes the holidays package knows for it."""
    return {
        code: list(subdivisions)
        for code, subdivisions in holidays.list_supported_countries().items()
    }


def validate_time_zone(value: str) -> None:
    if value not in time_zones():
        raise ValidationError(f"“{value}” is not an IANA time zone (for example Europe/Berlin).")


def validate_support_region(country: str, subdivision: str) -> dict[str, str]:
    """Field errors for a country/subdivision pair; empty when valid."""
    errors = {}
    if country and country not in countries():
        errors["support_country"] = (
            f"“{country}” is not a country code the holiday calendar knows (for example US, DE)."
        )
    elif subdivision and not country:
        errors["support_subdivision"] = "Choose the country first."
    elif subdivision and subdivision not in countries()[country]:
        errors["support_subdivision"] = f"“{subdivision}” is not a subdivision of {country}."
    return errors


SUPPORT_SETTINGS = ("support_timezone", "support_country", "support_subdivision")


def region_code(value: str | None) -> str:
    """A country or subdivision code as stored: capitals, no surrounding spaces ("de" → "DE")."""
    return (value or "").strip().upper()


def support_settings_errors(
    *, time_zone: str | None = None, country: str = "", subdivision: str = ""
) -> dict[str, str]:
    """Field errors of a partner's support settings (a time zone of None is not checked):
    the time zone must be an IANA zone this server knows, the country an ISO 3166 alpha-2 code
    the holiday calendar knows, the subdivision one of that country's. Codes as `region_code`
    stores them. Empty when valid."""
    errors = {}
    if time_zone is not None:
        try:
            validate_time_zone(time_zone)
        except ValidationError as error:
            errors["support_timezone"] = error.messages[0]
    errors.update(validate_support_region(country, subdivision))
    return errors
