"""The target form. It only collects text: reviews.targets.clean_target validates (the same
rules as the API), and the view maps its dotted error names back onto these fields."""

import json

from django import forms

from config.forms import BootstrapMixin
from reviews import rounds
from reviews.models import LOGIN_METHODS, MountType, ReviewRound, TargetKind
from reviews.services import MAX_JUSTIFICATION
from reviews.targets import (
    MAX_URL,
    METHOD_FIELDS,
    MOUNT_FIELDS,
    PLAIN_COLUMNS,
    PLUGIN_TYPES,
    PROBE_OPERATIONS,
    SECRET_FIELDS,
)
from reviews.verification.registry import WAIVABLE

SECRET_WIDGET = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})


class SecretTextarea(forms.Textarea):
    """A textarea that never sends its value back to the browser (a private key)."""

    def format_value(self, value):
        return None


PEM_WIDGET = forms.Textarea(attrs={"rows": 3, "class": "font-monospace", "spellcheck": "false"})
JSON_WIDGET = forms.Textarea(attrs={"rows": 2, "class": "font-monospace", "spellcheck": "false"})
PROBE_FIELDS = ("operation", "path", "body", "expect")


def _optional(label: str, widget=None, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=widget or forms.TextInput,
        help_text=help_text,
        strip=True,
    )


class TargetForm(BootstrapMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="For example “staging cluster”.")
    kind = forms.ChoiceField(label="Kind of cluster", choices=TargetKind.choices)
    url = forms.CharField(
        label="Vault address",
        max_length=MAX_URL,
        help_text="For example https://vault.example.com:8200. HCP Vault needs https.",
    )
    namespace = _optional("Namespace", help_text="HCP Vault: admin, or a child such as admin/team.")
    ca_cert = _optional(
        "CA bundle (PEM)",
        PEM_WIDGET,
        "Only when the server's certificate is not signed by a publicly trusted CA.",
    )
    auth_method = forms.ChoiceField(label="How your app logs in", choices=LOGIN_METHODS)
    auth_mount_path = _optional("Auth mount path", help_text="Defaults to the method's name.")
    auth_role = _optional("Role")
    auth_login_path = _optional("Login path", help_text="Under the auth mount; default login.")
    role_id = _optional("Role ID", SECRET_WIDGET)
    secret_id = _optional("Secret ID", SECRET_WIDGET)
    jwt = _optional("JWT", SECRET_WIDGET)
    client_cert = _optional("Client certificate (PEM)", PEM_WIDGET)
    client_key = _optional(
        "Client key (PEM)",
        SecretTextarea(
            attrs={
                "rows": 3,
                "class": "font-monospace",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    username = _optional("Username", SECRET_WIDGET)
    password = _optional("Password", SECRET_WIDGET)
    token = _optional("Token", SECRET_WIDGET)
    login_body = _optional(
        "Login body (JSON)",
        SecretTextarea(
            attrs={
                "rows": 2,
                "class": "font-monospace",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
        'The JSON object your auth plugin\'s login takes, e.g. {"api_key": "…"}.',
    )
    inspector_token = _optional(
        "Inspector token",
        SECRET_WIDGET,
        "Optional, read-only: lets the program read the plugin catalog, audit devices and mounts.",
    )
    remove_inspector = forms.BooleanField(label="Remove the inspector token", required=False)
    plugin_name = _optional("Plugin name in the catalog")
    plugin_type = forms.ChoiceField(
        label="Plugin type",
        required=False,
        choices=[("", "—"), *((kind, kind) for kind in PLUGIN_TYPES)],
    )
    plugin_version = _optional("Plugin version")
    plugin_sha256 = _optional("Plugin SHA-256")
    plugin_mount_path = _optional("Plugin mount path")
    plugin_probe_operation = forms.ChoiceField(
        label="Probe operation",
        required=False,
        choices=[("", "—"), *((op, op) for op in PROBE_OPERATIONS)],
        help_text="Secrets-engine plugins: what the program calls to see the plugin work.",
    )
    plugin_probe_path = _optional("Probe path", help_text="Under the plugin's mount.")
    plugin_probe_body = _optional("Probe body (JSON, write only)", JSON_WIDGET)
    plugin_probe_expect = _optional(
        "Keys the answer must hold", help_text="Separated by commas, e.g. username, password."
    )

    SECRET_FIELDS = SECRET_FIELDS  # the login fields, shown per method
    PLAIN_FIELDS = tuple(PLAIN_COLUMNS.values())  # the login fields that are not secret

    def method_of(self, name: str) -> list[str]:
        """The login methods a field belongs to (the form shows only the chosen method's)."""
        return [
            method
            for method, spec in METHOD_FIELDS.items()
            if name in spec["secret"] or any(PLAIN_COLUMNS[p] == name for p in spec["plain"])
        ]

    def body(self) -> dict:
        """The target body of DESIGN.md §9, from what was typed."""
        data = self.cleaned_data
        method = data["auth_method"]
        spec = METHOD_FIELDS[method]
        auth = {"method": method, "mount_path": data["auth_mount_path"]}
        for name in spec["secret"]:
            if data.get(name):
                auth[name] = data[name]
        for name in spec["plain"]:
            auth[name] = data[PLAIN_COLUMNS[name]]
        plugin = None
        if data["plugin_name"] or data["plugin_version"] or data["plugin_mount_path"]:
            plugin = {
                key: data[f"plugin_{key}"]
                for key in ("name", "type", "version", "sha256", "mount_path")
            }
            if any(data[f"plugin_probe_{key}"] for key in PROBE_FIELDS):
                plugin["probe"] = {key: data[f"plugin_probe_{key}"] for key in PROBE_FIELDS}
        return {
            "name": data["name"],
            "kind": data["kind"],
            "url": data["url"],
            "namespace": data["namespace"],
            "ca_cert": data["ca_cert"],
            "auth": auth,
            "inspector_token": data["inspector_token"],
            "remove_inspector": data["remove_inspector"],
            "plugin": plugin,
        }


class MountForm(BootstrapMixin, forms.Form):
    path = _optional("Mount path")
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "—"), *MountType.choices])
    writable_prefix = _optional("Writable prefix")
    key = _optional("Key")
    role = _optional("Role")
    common_name = _optional("Common name")
    valid_principals = _optional("Valid principals")

    def entry(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("path") and not data.get("type"):
            return None
        entry = {"path": data.get("path", ""), "type": data.get("type", "")}
        for name in MOUNT_FIELDS.get(data.get("type"), ()):
            entry[name] = data.get(name, "")
        return entry


MountFormSet = forms.formset_factory(MountForm, extra=2, max_num=20, validate_max=True)


def target_initial(target) -> tuple[dict, list[dict]]:
    """Initial form values for editing a target: never its secrets."""
    plugin = target.plugin or {}
    initial = {
        "name": target.name,
        "kind": target.kind,
        "url": target.url,
        "namespace": target.namespace,
        "ca_cert": target.ca_cert,
        "auth_method": target.auth_method,
        "auth_mount_path": target.auth_mount_path,
        "auth_role": target.auth_role,
        "auth_login_path": target.auth_login_path,
        **{
            f"plugin_{key}": plugin.get(key, "")
            for key in ("name", "type", "version", "sha256", "mount_path")
        },
    }
    probe = plugin.get("probe") or {}
    if probe:
        initial.update(
            plugin_probe_operation=probe.get("operation", ""),
            plugin_probe_path=probe.get("path", ""),
            plugin_probe_body=json.dumps(probe["body"]) if probe.get("body") else "",
            plugin_probe_expect=", ".join(probe.get("expect") or []),
        )
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
