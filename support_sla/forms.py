from datetime import date

from django import forms

from config.forms import BootstrapMixin
from support_sla.models import BusinessCalendar, IssueStatus, Severity

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class IssueForm(BootstrapMixin, forms.Form):
    title = forms.CharField(max_length=200)
    severity = forms.ChoiceField(
        choices=Severity.choices,
        help_text="Critical: resolved within 48 hours. Normal: within 5 business days.",
    )
    description = forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}))


class CommentForm(BootstrapMixin, forms.Form):
    body = forms.CharField(
        label="Comment", max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=IssueStatus.choices)
    comment = forms.CharField(max_length=20_000, required=False)  # needed to pause


class PauseForm(BootstrapMixin, forms.Form):
    """Waiting on the reporter: the question that pauses the clock."""

    status = forms.CharField(widget=forms.HiddenInput, initial=IssueStatus.WAITING_ON_REPORTER)
    comment = forms.CharField(
        label="What do you need from the reporter?",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Posted as a comment; the clock runs again when the reporter or program "
        "staff answer, or when the pause reaches its limit.",
    )


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices)


class CalendarForm(BootstrapMixin, forms.Form):
    working_days = forms.TypedMultipleChoiceField(
        label="Working days",
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one working day."},
    )
    closures = forms.CharField(
        label="Closure dates",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-12-24\n2026-12-31"}),
        help_text="Extra days off besides public holidays, one ISO date (YYYY-MM-DD) per line.",
    )

    def clean_closures(self) -> list[date]:
        days = []
        for line in self.cleaned_data["closures"].split():
            try:
                days.append(date.fromisoformat(line.strip().strip(",")))
            except ValueError as error:
                raise forms.ValidationError(f"“{line}” is not a date like 2026-12-24.") from error
        if len(days) > 366:
            raise forms.ValidationError("At most 366 closure dates.")
        return days


def calendar_form(partner) -> CalendarForm:
    """The calendar form with the partner's current working days and closures."""
    stored, _ = BusinessCalendar.objects.get_or_create(partner=partner)
    return CalendarForm(
        initial={"working_days": stored.working_days, "closures": "\n".join(stored.closures)}
    )
