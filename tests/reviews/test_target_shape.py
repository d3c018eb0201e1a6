"""A target's shape is declared once (reviews.targets): the API's request schema, the target
page's form, its error mapping and the engine's logins are all exactly that declaration."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from reviews import targets
from reviews.forms import PAGE_FIELDS, SECRET_PAGE_FIELDS, MountForm, TargetForm, target_initial
from reviews.targets import LOGINS, MOUNTS, SECRET_FIELDS, body_fields
from reviews.verification import auth
from tests.factories import IntegrationFactory

NESTED = {"auth", "secret_mounts", "plugin", "plugin.probe"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def leaves(schema: dict, component: dict, prefix: str = "") -> dict[str, dict]:
    """The dotted names of a request body's fields, nested objects followed (`secret_mounts`
    as `secret_mounts.*.path`, like the spec names a mount's fields)."""
    found = {}
    for name, prop in component["properties"].items():
        path = f"{prefix}{name}"
        ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
        ref = ref or next((p["$ref"] for p in prop.get("allOf", []) if "$ref" in p), None)
        target = schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else {}
        if "properties" in target:
            inner = f"{path}.*." if prop.get("type") == "array" else f"{path}."
            found |= leaves(schema, target, inner)
        else:
            found[path] = prop
    return found


def request_body(schema: dict, path: str, method: str) -> dict:
    ref = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/integrations/{integration_pk}/targets/", "post"),
        ("/api/v1/targets/{id}/", "patch"),
    ],
)
def test_the_target_request_schema_is_exactly_the_declared_shape(schema, path, method):
    fields = leaves(schema, request_body(schema, path, method))
    assert set(fields) == set(body_fields())
    for name, f in body_fields().items():
        assert fields[name].get("writeOnly", False) == f.secret, name


def test_the_create_schema_requires_what_the_declaration_requires(schema):
    body = request_body(schema, "/api/v1/integrations/{integration_pk}/targets/", "post")
    declared = {f.name for f in targets.TARGET_FIELDS if f.required}
    assert set(body["required"]) == declared | {"auth"}


def test_the_target_page_collects_exactly_the_declared_shape():
    page = {name: f for name, f in body_fields(page=True).items() if name not in NESTED}
    mounts = {name for name in page if name.startswith("secret_mounts.*.")}
    assert set(PAGE_FIELDS) == set(page) - mounts
    assert list(TargetForm.base_fields) == list(PAGE_FIELDS.values())
    assert set(MountForm.base_fields) == {name.rsplit(".", 1)[1] for name in mounts}
    assert "primary" not in TargetForm.base_fields  # only the API makes an evidence target
    for name, f in page.items():
        if name in PAGE_FIELDS:
            assert TargetForm.base_fields[PAGE_FIELDS[name]].label == f.label, name


def test_errors_map_to_page_fields_by_the_api_names():
    assert PAGE_FIELDS["auth.role_id"] == "role_id"
    assert PAGE_FIELDS["auth.method"] == "auth_method"
    assert PAGE_FIELDS["auth.role"] == "auth_role"
    assert PAGE_FIELDS["plugin.probe.path"] == "plugin_probe_path"
    assert PAGE_FIELDS["ca_cert"] == "ca_cert"


def test_every_secret_on_the_page_is_write_only():
    form = TargetForm(data={name: "typed-secret" for name in SECRET_PAGE_FIELDS})
    form.is_valid()
    html = str(form)
    assert "typed-secret" not in html
    assert set(SECRET_PAGE_FIELDS) == SECRET_FIELDS | {"inspector_token"}


@pytest.mark.django_db
def test_editing_shows_no_secret_field_filled_in():
    target = IntegrationFactory().targets.create(
        name="lab",
        kind="openbao",
        url="https://vault.example.com",
        auth_method="cert",
        auth_mount_path="cert",
        auth_role="web",
        credentials_ciphertext="vault:v1:opaque",
        plugin={"name": "p", "type": "secret", "probe": {"body": {"a": 1}, "expect": ["k"]}},
    )
    initial, _ = target_initial(target)
    assert not set(initial) & set(SECRET_PAGE_FIELDS)
    assert initial["auth_role"] == "web"
    assert initial["plugin_probe_body"] == '{"a": 1}'
    assert initial["plugin_probe_expect"] == "k"


def test_the_engine_logs_in_with_every_declared_method():
    assert set(auth.LOGINS) | {auth.NO_LOGIN} == set(LOGINS)


def test_a_mount_type_needs_each_declared_field():
    for kind, fields in MOUNTS.items():
        body = {"name": "lab", "kind": "openbao", "url": "https://vault.example.com"}
        body |= {"auth": {"method": "token", "token": "t"}}
        body["secret_mounts"] = [{"path": "apps", "type": kind}]
        with pytest.raises(targets.TargetError) as error:
            targets.clean_target(body)
        assert set(error.value.errors) == {f"secret_mounts.0.{f.name}" for f in fields}


def test_a_login_method_needs_each_declared_required_field():
    for method, fields in LOGINS.items():
        body = {"name": "lab", "kind": "openbao", "url": "https://vault.example.com"}
        body["auth"] = {"method": method}
        with pytest.raises(targets.TargetError) as error:
            targets.clean_target(body)
        required = {f"auth.{f.name}" for f in fields if f.required}
        assert required <= set(error.value.errors), method
        optional = {f"auth.{f.name}" for f in fields if not f.required}
        assert not optional & set(error.value.errors), method
