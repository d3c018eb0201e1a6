"""`vip-verify` (issue 14): the program's checks run by a partner, as a subprocess against a
real OpenBao, with the engine as a plain library; and `vip-verify submit` against the running
product, stored as partner-run evidence that never counts as a program run."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from reviews.verification.docs import TABLES, explain
from reviews.verification.registry import CATALOGUE_VERSION
from tests.vault import runtime_app

ROOT = Path(__file__).resolve().parents[2]
VIP_VERIFY = str(Path(sys.executable).parent / "vip-verify")


def target_file(tmp_path, body: dict, **extra) -> Path:
    """What a partner writes: the API's target body as YAML, secrets from the environment."""
    document = {**body, **extra}
    document["auth"] = {
        key: (f"${{APP_{key.upper()}}}" if key in ("role_id", "secret_id", "token") else value)
        for key, value in body["auth"].items()
    }
    if document.get("ca_cert"):
        (tmp_path / "ca.pem").write_text(document["ca_cert"])
        document["ca_cert"] = "ca.pem"  # a path, relative to the file
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def vip_verify(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    return subprocess.run(
        [VIP_VERIFY, *map(str, args)],
        env={**environment, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def secrets_env(body: dict) -> dict:
    auth = body["auth"]
    return {
        f"APP_{key.upper()}": auth[key] for key in ("role_id", "secret_id", "token") if key in auth
    }


def test_a_good_target_passes_and_writes_json_and_junit(bao_tls, namespace, tmp_path):
    body = runtime_app(bao_tls, namespace)
    path = target_file(tmp_path, body)
    assert body["auth"]["secret_id"] not in path.read_text()  # the file holds no secret
    done = vip_verify("run", path, "--out", tmp_path / "out", env=secrets_env(body))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✔ passed  auth.login" in done.stdout
    assert "Verdict: passed" in done.stdout
    results = json.loads((tmp_path / "out" / "vip-results.json").read_text())
    assert results["status"] == "passed"
    assert results["catalogue_version"] == CATALOGUE_VERSION
    assert results["engine_version"] and results["category"] == "runtime"
    assert results["detected"] == {"version": "2.7.2", "edition": "openbao"}
    ids = [check["id"] for check in results["checks"]]
    assert ids[:3] == ["server.health", "server.edition", "server.tls"]
    assert "namespace.access" in ids and "token.revoke" in ids
    suite = ET.parse(tmp_path / "out" / "vip-results.junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(results["checks"]) == int(suite.get("tests"))
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    assert cases[0].get("classname") == "vip-verify.server.health"
    assert body["auth"]["secret_id"] not in done.stdout + json.dumps(results)


@pytest.mark.parametrize(
    "change,failing",
    [
        ({"auth": {"method": "token", "token": "root"}}, "auth.short_lived_token"),
        ({"namespace": "admin/not-there"}, "auth.login"),
        ({"kind": "vault_enterprise"}, "server.edition"),
    ],
)
def test_a_misconfigured_target_fails_and_names_the_check(
    bao_tls, namespace, tmp_path, change, failing
):
    body = {**runtime_app(bao_tls, namespace), **change}
    done = vip_verify("run", target_file(tmp_path, body), "--out", tmp_path, env=secrets_env(body))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"✘ failed  {failing}" in done.stdout
    assert "Verdict: failed" in done.stdout
    suite = ET.parse(tmp_path / "vip-results.junit.xml").getroot().find("testsuite")
    failures = [
        case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None
    ]
    assert failing in failures


def test_a_subset_runs_with_what_it_needs(bao_tls, namespace, tmp_path):
    body = runtime_app(bao_tls, namespace)
    done = vip_verify(
        "run", target_file(tmp_path, body), "--check", "auth.least_privilege", "--out", tmp_path,
        env=secrets_env(body),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "vip-results.json").read_text())
    assert results["subset"] == ["auth.least_privilege"]
    assert [c["id"] for c in results["checks"]] == [
        "server.health", "server.edition", "server.tls", "auth.login", "auth.least_privilege",
        "token.revoke",
    ]  # fmt: skip


def test_a_missing_secret_is_named_and_nothing_runs(bao_tls, namespace, tmp_path):
    body = runtime_app(bao_tls, namespace)
    done = vip_verify("run", target_file(tmp_path, body), "--out", tmp_path, env={})
    assert done.returncode == 2
    assert "auth.role_id: the environment variable APP_ROLE_ID is not set." in done.stderr
    assert not (tmp_path / "vip-results.json").exists()


def test_an_invalid_target_file_gets_its_field_errors(tmp_path):
    path = tmp_path / "target.yaml"
    path.write_text("kind: cloud\nurl: ftp://vault\nauth: {method: approle}\n")
    done = vip_verify("run", path)
    assert done.returncode == 2
    assert "kind: Choose one of" in done.stderr and "url: Enter the Vault address" in done.stderr


def test_explain_prints_what_a_check_proves_and_its_least_policy():
    done = vip_verify("--explain", "plugin.registered")
    assert done.returncode == 0
    assert done.stdout.strip() == explain("plugin.registered")
    assert "sys/plugins/catalog/*" in done.stdout
    assert "Least policy for the app" in vip_verify("--explain", "secrets.kv-v2").stdout
    unknown = vip_verify("--explain", "no.such")
    assert unknown.returncode == 2 and "auth.login" in unknown.stderr


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_readme_tables_are_the_catalogues_own(name):
    readme = (ROOT / "README.md").read_text()
    block = readme.split(f"<!-- catalogue:{name} -->\n", 1)[1].split(f"<!-- /catalogue:{name} -->")[
        0
    ]
    assert block == TABLES[name](), f"regenerate with: vip-verify --readme-table {name}"


def test_the_engine_imports_without_django():
    code = (
        "import sys\n"
        "import reviews.verification.cli, reviews.verification.registry, reviews.targets\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.stdout.strip() == "ok", done.stderr
