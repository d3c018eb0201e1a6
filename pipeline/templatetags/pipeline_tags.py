"""Template helpers of the pipeline: the board's offer to undo a move just made."""

from django import template

from integrations.models import StageTransition
from pipeline.selectors import undo_offer

register = template.Library()


@register.inclusion_tag("integrations/_undo.html", takes_context=True)
def undo(context, row_id: str):
    """The "Undo" button of the move `row_id` (a message the transition view left), or why it
    cannot be undone; nothing when the move is not the viewer's."""
    request = context["request"]
    row = (
        StageTransition.objects.select_related("integration").filter(pk=row_id).first()
        if str(row_id).isdecimal()
        else None
    )
    offer = undo_offer(row=row, user=request.user)
    return {
        "offer": offer,
        "until": offer.until.isoformat(timespec="milliseconds") if offer else "",
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
