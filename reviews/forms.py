"""The target page's forms, built from the target's shape in reviews.targets. They only
collect text: reviews.targets.clean_target validates (the same rules as the API), and
PAGE_FIELDS names the field that collected each of its dotted error names."""

import json

from django import forms

from config.forms import BootstrapMixin
from reviews import rounds
from reviews.models import LOGIN_METHODS, MountType, ReviewRound, TargetKind
from reviews.services import MAX_JUSTIFICATION
from reviews.targets import (
    AUTH_FIELDS,
    LOGINS,
    MOUNT_FIELDS,
    MOUNTS,
    PLUGIN_FIELDS,
    PROBE_FIELDS,
    TARGET_FIELDS,
    Field,
    body_fields,
    login_fields,
    methods_of,
    mount_fields,
)
from reviews.verification.registry import WAIVABLE


class SecretTextarea(forms.Textarea):
    """A textarea that never sends its value back to the browser (a private key)."""

    def format_value(self, value):
        return None


_AUTH_COLUMNS = {f.name: f.column for f in (*AUTH_FIELDS, *login_fields().values()) if f.column}


def page_name(path: str) -> str:
    """The target page's field for a dotted body name: a login's configuration by its model
    column (`auth.role` → auth_role), a login secret by its own name (`auth.role_id` →
    role_id), anything else with underscores (`plugin.probe.path` → plugin_probe_path)."""
    group, _, name = path.rpartition(".")
    if group == "auth":
        return _AUTH_COLUMNS.get(name, name)
    return path.replace(".", "_")


# Every field of the page by the dotted name the API's errors use (mounts are a formset).
PAGE_FIELDS = {
    path: page_name(path)
    for path in body_fields(page=True)
    if not path.startswith("secret_mounts.")
}
SECRET_PAGE_FIELDS = tuple(
    PAGE_FIELDS[path]
    for path, f in body_fields(page=True).items()
    if f.secret and path in PAGE_FIELDS
)
LOGIN_PAGE_FIELDS = {page_name(f"auth.{name}"): name for name in login_fields()}
# The choices' labels, by dotted name (the values are reviews.targets').
CHOICES = {
    "kind": TargetKind.choices,
    "auth.method": LOGIN_METHODS,
    "secret_mounts.*.type": MountType.choices,
}


def _widget(f: Field) -> forms.Widget:
    if f.pem or f.type == "json":
        attrs = {"rows": 3 if f.pem else 2, "class": "font-monospace", "spellcheck": "false"}
        if f.secret:
            return SecretTextarea(attrs={**attrs, "autocomplete": "off"})
        return forms.Textarea(attrs=attrs)
    if f.secret:
        return forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
    return forms.TextInput()


def page_field(f: Field, path: str, *, required: bool = False) -> forms.Field:
    """The form field collecting `f` (at dotted `path`). Only the cluster's own fields and the
    login method are required on the page: the rest depends on what is chosen."""
    if f.type == "bool":
        return forms.BooleanField(label=f.label, required=False)
    if f.type == "choice":
        choices = CHOICES.get(path) or [(value, value) for value in f.choices]
        if not required:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(
            label=f.label, choices=choices, required=required, help_text=f.help
        )
    return forms.CharField(
        label=f.label,
        required=required,
        max_length=f.max_length,
        widget=_widget(f),
        help_text=f.help,
        strip=True,
    )


def _target_page_fields() -> dict[str, forms.Field]:
    fields = body_fields(page=True)
    top = {f.name for f in TARGET_FIELDS} | {f"auth.{f.name}" for f in AUTH_FIELDS}
    return {
        name: page_field(fields[path], path, required=path in top and fields[path].required)
        for path, name in PAGE_FIELDS.items()
    }


# A plugin is declared once it is named, versioned or mounted (a type or a hash alone is not).
PLUGIN_GIVEN = ("name", "version", "mount_path")


class _TargetPage:
    LOGIN_FIELDS = tuple(LOGIN_PAGE_FIELDS)  # shown per login method

    def method_of(self, name: str) -> list[str]:
        """The login methods a field belongs to (the form shows only the chosen method's)."""
        return methods_of(LOGIN_PAGE_FIELDS[name]) if name in LOGIN_PAGE_FIELDS else []

    def body(self) -> dict:
        """The target body of DESIGN.md §9, from what was typed."""
        data = self.cleaned_data
        method = data["auth_method"]
        auth = {f.name: data[page_name(f"auth.{f.name}")] for f in AUTH_FIELDS}
        for f in LOGINS[method]:
            value = data[page_name(f"auth.{f.name}")]
            if value or not f.secret:
                auth[f.name] = value
        plugin = None
        if any(data[f"plugin_{name}"] for name in PLUGIN_GIVEN):
            plugin = {f.name: data[f"plugin_{f.name}"] for f in PLUGIN_FIELDS}
            if any(data[f"plugin_probe_{f.name}"] for f in PROBE_FIELDS):
                plugin["probe"] = {f.name: data[f"plugin_probe_{f.name}"] for f in PROBE_FIELDS}
        return {
            **{f.name: data[f.name] for f in TARGET_FIELDS if f.page},
            "auth": auth,
            "plugin": plugin,
        }


TargetForm = type(
    "TargetForm",
    (BootstrapMixin, _TargetPage, forms.Form),
    {
        "__module__": __name__,
        "__doc__": "A target as the page collects it.",
        **_target_page_fields(),
    },
)


class _MountRow:
    def entry(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("path") and not data.get("type"):
            return None
        entry = {"path": data.get("path", ""), "type": data.get("type", "")}
        for f in MOUNTS.get(data.get("type"), ()):
            entry[f.name] = data.get(f.name, "")
        return entry


MountForm = type(
    "MountForm",
    (BootstrapMixin, _MountRow, forms.Form),
    {
        "__module__": __name__,
        "__doc__": "One secret mount, a row of the page's mounts formset.",
        **{
            f.name: page_field(f, f"secret_mounts.*.{f.name}")
            for f in (*MOUNT_FIELDS, *mount_fields().values())
        },
    },
)

MountFormSet = forms.formset_factory(MountForm, extra=2, max_num=20, validate_max=True)


def _shown(f: Field, value) -> str:
    if f.type == "json":
        return json.dumps(value) if value else ""
    if f.type == "list":
        return ", ".join(value or [])
    return value if value is not None else ""


def target_initial(target) -> tuple[dict, list[dict]]:
    """Initial form values for editing a target: never its secrets."""
    plugin = target.plugin or {}
    probe = plugin.get("probe") or {}
    stored = {
        **{
            f.name: getattr(target, f.name)
            for f in TARGET_FIELDS
            if f.page and not f.secret and f.type != "bool"
        },
        **{
            f"auth.{f.name}": getattr(target, f.column)
            for f in (*AUTH_FIELDS, *login_fields().values())
            if f.column
        },
        **{f"plugin.{f.name}": plugin.get(f.name, "") for f in PLUGIN_FIELDS},
        **{f"plugin.probe.{f.name}": probe.get(f.name) for f in PROBE_FIELDS if probe},
    }
    fields = body_fields(page=True)
    initial = {
        PAGE_FIELDS[path]: _shown(fields[path], value)
        for path, value in stored.items()
        if not fields[path].secret
    }
    return initial, list(target.secret_mounts or [])


# --- Waivers -------------------------------------------------------------------------------


class WaiverForm(BootstrapMixin, forms.Form):
    """A reviewer waives one required check on one target (reviews.services.waiver_grant has
    the rules: which checks may be waived, and that a justification is written)."""

    target = forms.TypedChoiceField(label="Target", coerce=int)
    check = forms.ChoiceField(
        label="Check", choices=[(check, f"{check} — {title}") for check, title in WAIVABLE.items()]
    )
    justification = forms.CharField(
        label="Justification",
        max_length=MAX_JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown on the run page and the public badge verify page.",
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(t.pk, t.name) for t in targets]


# --- Review rounds -----------------------------------------------------------------------

TEXT_MAX = 10_000


class RoundOpenForm(forms.Form):
    summary = forms.CharField(label="What this round looks at", required=False, max_length=TEXT_MAX)


class FeedbackForm(forms.Form):
    body = forms.CharField(label="Feedback", max_length=TEXT_MAX)
    blocking = forms.BooleanField(label="Blocking", required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(label="Reply", max_length=TEXT_MAX)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=[(d, ReviewRound.Status(d).label) for d in rounds.DECISIONS]
    )
    summary = forms.CharField(label="Decision summary", required=False, max_length=TEXT_MAX)
