"""Bootstrap classes on every form widget, so templates render any form the same way."""

from django import forms
from django.db import models


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


def formfield_callback(model_field, **kwargs):
    """ModelForm fields as Django 6 will make them: URLs without a scheme mean https."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


# For ModelAdmin.formfield_overrides: the admin's URL fields behave like the ModelForms'.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


def posted(request):
    """The data a form is bound to: the POST body on a POST, even an empty one (so an empty
    submission shows "This field is required." instead of a blank form again), else None."""
    return request.POST if request.method == "POST" else None
