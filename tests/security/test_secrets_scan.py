"""A full journey with a distinct, recognisable value in every credential field, then a scan of
everything the journey produced for any of them (or their base64): log output at DEBUG, history
and audit rows, every table, admin pages, API responses, pages, e-mails and notifications.

The journey: the partner saves targets (AppRole with an inspector token on the page; userpass,
token, JWT and cert, and a userpass with a wrong password, through the API), runs each against a
real OpenBao, moves the integration to review; a reviewer and an admin look at the pages, the
API and the Django admin. tests/reviews/test_secrets_stay_secret.py checks one target's table
rows, pages and logs; this test covers every method and every place at once."""

import base64
import logging
import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail

from accounts.models import Notification
from integrations.models import Integration, Stage, StageTransition
from reviews.models import CheckResult, VerificationRun, VerificationTarget
from tests.pki import client_ca_and_cert, jwt_signer
from tests.reviews.test_secrets_stay_secret import all_rows_as_text
from tests.vault import jwt_login, runtime_app, target_form

pytestmark = pytest.mark.django_db


def encodings(value: str) -> set[str]:
    """The value and its base64 forms (a leak could be encoded: a JWT segment, a log of a
    request body)."""
    raw = value.encode()
    return {
        value,
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def leaks(place: str, text: str, secrets: dict[str, str]) -> list[str]:
    return [
        f"{name} in {place}"
        for name, value in secrets.items()
        if any(form in text for form in encodings(value))
    ]


def partner_vault(bao, namespace) -> tuple[dict, dict]:
    """Set up the partner's test Vault for every login method; return the AppRole target body
    and the secrets for the other methods."""
    tag = uuid.uuid4().hex[:8]
    approle = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    client.sys.enable_auth_method("userpass")
    username, password = f"scan-user-{tag}", f"scan-userpass-password-{tag}"
    client.write(
        f"auth/userpass/users/{username}",
        password=password,
        token_policies=["app"],
        token_ttl="30m",
    )
    token = client.auth.token.create(policies=["app"], ttl="1h")["auth"]["client_token"]
    inspector = client.auth.token.create(policies=["default"], ttl="1h")["auth"]["client_token"]
    public, sign = jwt_signer()
    jwt_auth = jwt_login(client, public)
    jwt = sign({"iss": "partner-ci", "aud": "vault", "sub": f"pipeline-{tag}"})
    pki = client_ca_and_cert()
    secrets = {
        "approle role_id": approle["auth"]["role_id"],
        "approle secret_id": approle["auth"]["secret_id"],
        "inspector token": inspector,
        "userpass username": username,
        "userpass password": password,
        "wrong userpass password": f"scan-wrong-password-{tag}",
        "token": token,
        "jwt": jwt,
        "cert key": pki["key"],
        "cert key body": pki["key"].splitlines()[1],  # one line of the key's base64
    }
    others = {
        "userpass": {"method": "userpass", "username": username, "password": password},
        "wrong userpass": {
            "method": "userpass",
            "username": username,
            "password": secrets["wrong userpass password"],
        },
        "token": {"method": "token", "token": token},
        "jwt": {**jwt_auth, "jwt": jwt},
        "cert": {
            "method": "cert",
            "role": "app",
            "client_cert": pki["cert"],
            "client_key": pki["key"],
        },
    }
    return {**approle, "inspector_token": inspector}, {"others": others, "secrets": secrets}


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG into caplog (also the ones that do not propagate)."""
    caplog.set_level(logging.DEBUG)
    quiet = [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if isinstance(logging.root.manager.loggerDict[name], logging.Logger)
    ]
    saved = [(logger, logger.level, logger.propagate) for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.DEBUG)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    yield caplog
    for logger, level, _ in saved:
        logger.setLevel(level)
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def test_no_credential_of_a_full_journey_shows_up_anywhere(
    bao,
    namespace,
    integration,
    owner,
    reviewer,
    admin,
    api,
    client,
    everything_logged,
    capfd,
    django_capture_on_commit_callbacks,
):
    Integration.objects.filter(pk=integration.pk).update(stage=Stage.DEVELOP)
    approle_body, rest = partner_vault(bao, namespace)
    secrets = rest["secrets"]
    everything_logged.clear()  # the operator's setup is not the program's output
    capfd.readouterr()

    # The partner saves the targets: one on the page, the others through the API.
    client.force_login(owner)
    response = client.post(
        f"/integrations/{integration.pk}/targets/new/",
        target_form(approle_body, name="page target"),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    api.as_user(owner)
    for name, auth in rest["others"].items():
        body = {**approle_body, "name": name, "auth": auth, "inspector_token": ""}
        response = api.post(f"/api/v1/integrations/{integration.pk}/targets/", body, format="json")
        assert response.status_code == 201, response.json()

    # Each target is verified against the real OpenBao (the eager task runs at commit).
    targets = list(VerificationTarget.objects.filter(integration=integration))
    for target in targets:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/integrations/{integration.pk}/verifications/",
                {"target": target.pk},
                format="json",
            )
        assert response.status_code == 202, response.json()
    outcomes = {run.target.name: run.status for run in VerificationRun.objects.all()}
    assert outcomes["page target"] == "passed", outcomes
    assert outcomes["userpass"] == "passed", outcomes
    assert outcomes["wrong userpass"] == "failed", outcomes

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/integrations/{integration.pk}/transition/",
            {"to": "review", "note": "ready"},
            format="json",
        )
    assert response.status_code == 200, response.json()

    # What people look at afterwards.
    runs = list(VerificationRun.objects.all())
    pages = {}
    for who in (owner, reviewer, admin):
        client.force_login(who)
        api.as_user(who)
        for path in [
            f"/integrations/{integration.pk}/",
            f"/integrations/{integration.pk}/runs/",
            *(["/review/queue/", "/review/board/"] if who != owner else []),
            *(f"/verifications/{run.pk}/" for run in runs),
            *(f"/verifications/{run.pk}/progress/" for run in runs),
            *(f"/targets/{target.pk}/edit/" for target in targets),
        ]:
            pages[f"{who.email} {path}"] = client.get(path, HTTP_HX_REQUEST="true")
        for path in [
            f"/api/v1/integrations/{integration.pk}/",
            f"/api/v1/integrations/{integration.pk}/history/",
            f"/api/v1/integrations/{integration.pk}/targets/",
            f"/api/v1/integrations/{integration.pk}/verifications/",
            *(f"/api/v1/targets/{target.pk}/" for target in targets),
            *(f"/api/v1/verifications/{run.pk}/" for run in runs),
        ]:
            pages[f"{who.email} API {path}"] = api.get(path)
    client.force_login(admin)
    for model, objects in [
        ("reviews/verificationtarget", targets),
        ("reviews/verificationrun", runs),
        ("integrations/stagetransition", StageTransition.objects.all()),
        ("integrations/integration", [integration]),
        ("accounts/notification", Notification.objects.all()),
    ]:
        pages[f"admin {model} list"] = client.get(f"/admin/{model}/")
        for obj in objects:
            pages[f"admin {model} {obj.pk}"] = client.get(f"/admin/{model}/{obj.pk}/change/")
    failed = {where: r.status_code for where, r in pages.items() if r.status_code not in (200, 204)}
    assert not failed, failed  # every page answered (staff pages included)
    assert mail.outbox, "the journey sent no e-mail"
    assert Notification.objects.exists()

    # The scan.
    history = [
        repr(list(model.objects.values()))
        for model in (StageTransition, VerificationRun, CheckResult, Notification, LogEntry)
    ]
    out, err = capfd.readouterr()
    found = [
        *leaks("the log records", everything_logged.text, secrets),
        *leaks("stdout/stderr", out + err, secrets),
        *leaks("history and audit rows", "\n".join(history), secrets),
        *leaks("the database", all_rows_as_text(), secrets),
        *(
            leak
            for where, response in pages.items()
            for leak in leaks(where, response.content.decode(), secrets)
        ),
        *(
            leak
            for message in mail.outbox
            for leak in leaks(
                f"e-mail “{message.subject}”",
                "\n".join([message.subject, message.body, *(a[0] for a in message.alternatives)]),
                secrets,
            )
        ),
    ]
    assert not found, found
    assert everything_logged.records  # the scan read real log output
    assert "/v1/auth/userpass/login/*** " in everything_logged.text  # urllib3's line, masked
    assert any("vault:v1:" in t.credentials_ciphertext for t in VerificationTarget.objects.all())
