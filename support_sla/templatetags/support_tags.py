from django import template

register = template.Library()


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
