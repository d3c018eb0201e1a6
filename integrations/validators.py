"""Validation of partner support settings shared by the forms and the API."""

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
