"""Confirmation before an irreversible action, one way for every page.

The action's button is a small GET form aimed at the action's own URL. With JavaScript, htmx
fetches that URL (`hx-get`) and the answer is a Bootstrap modal dialog (static/js/confirm.js
shows it); without JavaScript the browser opens the same URL as a page. Either way the dialog
or page says in a sentence what will happen and holds a form that POSTs to the action, so no
irreversible action happens in one click. The action's view answers GET with
`confirmation_page(request, Confirmation(...))` and acts on POST as before.
"""

from dataclasses import dataclass, field

from django import forms
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from config.forms import BootstrapMixin

MAX_REASON = 2000


class ReasonForm(BootstrapMixin, forms.Form):
    """The one text a confirmation may ask for: a reason, a note or a comment."""

    def __init__(
        self,
        *args,
        name: str,
        label: str,
        required: bool,
        max_length: int = MAX_REASON,
        help_text: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields[name] = forms.CharField(
            label=label,
            required=required,
            max_length=max_length,
            help_text=help_text,
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        )

    @property
    def field(self):
        return next(iter(self))


def reason_form(
    *,
    name: str,
    label: str,
    required: bool,
    initial: str = "",
    max_length: int = MAX_REASON,
    help_text: str = "",
) -> ReasonForm:
    return ReasonForm(
        name=name,
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        initial={name: initial[:max_length]},
    )


@dataclass
class Confirmation:
    """What a confirmation dialog (or page) says and sends.

    `sentence`: what will happen, in plain language. `action`: the URL the form POSTs to, with
    `hidden` fields and the optional `reason` field. `back`: where Cancel leads without
    JavaScript. `blocked`: why it cannot happen yet (then there is nothing to confirm, only a
    way back)."""

    title: str
    sentence: str
    action: str
    button: str
    back: str
    hidden: dict = field(default_factory=dict)
    reason: ReasonForm | None = None
    details: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    danger: bool = True


def confirmation_page(request, confirmation: Confirmation, status: int = 200):
    """The dialog for htmx (the modal's markup only), else the page around the same form."""
    template = "includes/confirm_modal.html" if request.htmx else "confirm.html"
    response = render(request, template, {"confirmation": confirmation}, status=status)
    patch_vary_headers(response, ["HX-Request"])  # two forms of one URL: caches keep both
    return response
