"""Template helpers every page shares: timestamps in the viewer's zone, breadcrumbs, the
navigation's current item. Load with `{% load vip %}`."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join

from config.timezones import valid_zone

register = template.Library()

FORMATS = {
    "datetime": "j M Y, H:i",
    "long": "l j F Y, H:i",
    "short": "D j M, H:i",
    "seconds": "j M Y, H:i:s",
    "date": "j M Y",
}


@register.simple_tag
def timestamp(value, style: str = "datetime", zone: str = ""):
    """A moment as `<time datetime="…Z">28 Nov 2026, 19:05 CET</time>`: in the viewer's zone
    (activated by config.middleware.ViewerTimeZoneMiddleware) or in `zone` when given (a
    partner's support zone). Dates without a time are shown as they are. `—` for nothing."""
    if value in (None, ""):
        return "—"
    fmt = FORMATS.get(style, FORMATS["datetime"])
    if not isinstance(value, datetime):
        if isinstance(value, date):
            return format_html(
                '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, fmt)
            )
        return value
    local = _local(value, zone)
    iso = timezone.localtime(local, zoneinfo.ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "date":
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            iso,
            f"{date_format(local, FORMATS['datetime'])} {local.tzname()}",
            date_format(local, fmt),
        )
    return format_html('<time datetime="{}">{}</time>', iso, _words(local, style))


def _local(value: datetime, zone: str) -> datetime:
    """`value` in `zone` (a valid zone name), else in the viewer's zone; naive means UTC."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, zoneinfo.ZoneInfo("UTC"))
    tz = zoneinfo.ZoneInfo(valid_zone(zone)) if zone else timezone.get_current_timezone()
    return timezone.localtime(value, tz)


@register.simple_tag
def moment_text(value, style: str = "datetime", zone: str = "") -> str:
    """A moment as `timestamp` words it, without markup, for plain-text e-mails and subjects:
    "28 Nov 2026, 19:05 CET". `—` for nothing."""
    if value in (None, ""):
        return "—"
    return _words(_local(value, zone), style)


def _words(local: datetime, style: str) -> str:
    return f"{date_format(local, FORMATS.get(style, FORMATS['datetime']))} {local.tzname()}"


@register.simple_tag
def viewer_zone() -> str:
    """The IANA name of the zone pages are shown in for this request."""
    return timezone.get_current_timezone_name()


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str


@register.simple_tag(takes_context=True)
def crumbs(context, *parts, home: bool = False):
    """Breadcrumbs from label/URL pairs; the last label (no URL) is the current page.
    `{% crumbs partner.name partner_url integration.name home=True as breadcrumbs %}`, then
    `{% include "includes/breadcrumbs.html" %}`. A URL may be a URL name without arguments.
    `home=True` starts the trail at the viewer's home: the board for program staff, the
    dashboard for partners."""
    parts = list(parts)
    current = parts.pop() if len(parts) % 2 else None
    trail = []
    if home:
        staff = context.get("is_program_staff")
        trail.append(
            Crumb("Board", reverse("review_board"))
            if staff
            else Crumb("Dashboard", reverse("dashboard"))
        )
    for label, url in zip(parts[::2], parts[1::2], strict=True):
        if url and "/" not in str(url):
            url = reverse(url)
        trail.append(Crumb(str(label), str(url)))
    if current is not None:
        trail.append(Crumb(str(current), ""))
    return trail


# Nav item (URL name) → the other pages that belong to its section.
NAV_SECTIONS = {
    "review_board": {"review_board"},
    "review_queue": {"review_queue"},
    "dashboard": {"dashboard"},
    "support_queue": {"support_queue", "support_issue", "support_issue_new"},
    "engage": {"engage"},
    "directory": {"directory", "directory_partner"},
    "profile": {"profile"},
    "program_metrics": {"program_metrics"},
    "integration_list": {"integration_list"},
}


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, icon: str = "", menu: bool = False):
    """A navbar link (or, with `menu=True`, an item of a dropdown menu), marked
    `aria-current="page"` on its own page and active in its section."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else None
    url = reverse(url_name)
    css = "dropdown-item" if menu else "nav-link"
    icon_html = format_html('<i class="bi bi-{}" aria-hidden="true"></i> ', icon) if icon else ""
    if current == url_name and request.path == url:
        aria_current = "page"
    elif current in NAV_SECTIONS.get(url_name, ()):
        aria_current = "true"
    else:
        return format_html('<a class="{}" href="{}">{}{}</a>', css, url, icon_html, label)
    return format_html(
        '<a class="{} active" aria-current="{}" href="{}">{}{}</a>',
        css,
        aria_current,
        url,
        icon_html,
        label,
    )


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """`?…&page=N`: the current query string (search and filters kept) on another page."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.simple_tag
def confirm_button(
    url: str, label: str, *, css: str = "btn btn-sm btn-outline-danger", hint: str = "", **fields
):
    """A button that asks before it acts (config/confirm.py): a GET form to the action's URL,
    whose answer htmx shows as a dialog (or the browser as a page without JavaScript).
    `hint` is read to screen readers after the label ("Delete <span>staging</span>");
    `fields` become hidden inputs (`to="withdrawn"`)."""
    hidden = format_html_join(
        "", '<input type="hidden" name="{}" value="{}">', ((k, v) for k, v in fields.items())
    )
    hint_html = format_html(' <span class="visually-hidden">{}</span>', hint) if hint else ""
    return format_html(
        '<form method="get" action="{}" class="d-inline" hx-get="{}" hx-target="#confirm-dialog"'
        ' hx-swap="innerHTML">{}<button class="{}" type="submit" aria-haspopup="dialog">{}{}'
        "</button></form>",
        url,
        url,
        hidden,
        css,
        label,
        hint_html,
    )


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, css: str = ""):
    """A sortable column's header (config/sorting.py): a link that sorts by `key`, ascending
    first and descending when it already sorts ascending, keeping the filters (not the page);
    `aria-sort` says how the column sorts now. Context: `sort` (a Sort) and `request`."""
    sort = context["sort"]
    query = context["request"].GET.copy()
    query.pop("page", None)
    current = sort.key == key
    query["sort"] = f"-{key}" if current and not sort.descending else key
    if current:
        state = "descending" if sort.descending else "ascending"
        icon = "sort-down" if sort.descending else "sort-up"
    else:
        state, icon = "none", "arrow-down-up"
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a class="sort-link" href="?{}">{}'
        ' <i class="bi bi-{}" aria-hidden="true"></i><span class="visually-hidden"> (sort by'
        " {}{})</span></a></th>",
        css,
        state,
        query.urlencode(),
        label,
        icon,
        label.lower(),
        ", descending" if current and not sort.descending else "",
    )


COUNTED_FROM = 100  # shorter limits (a country code, a time zone) need no counter


@register.filter
def char_limit(field) -> int | None:
    """The `maxlength` of a free-text field (a text input or a text area) long enough that
    the browser would cut pasted or typed text silently at it; `includes/field.html` shows a
    counter under such a field (static/js/char_counter.js counts). None for the others."""
    if field.widget_type not in ("text", "textarea"):
        return None
    limit = int(field.field.widget.attrs.get("maxlength") or 0)
    return limit if limit >= COUNTED_FROM else None
