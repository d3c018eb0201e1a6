"""`vip-verify`: the program's own checks, run by a partner in its own network or CI.

    vip-verify run TARGET.yaml [--check ID ...] [--out DIR]
    vip-verify submit --integration ID [--results vip-results.json]
    vip-verify --explain ID
    vip-verify --readme-table checks|mount-policies

`run` reads a target file with the keys of the API's target body (`kind`, `url`, `namespace`,
`ca_cert` as a PEM or a path to one, `auth`, `inspector_token`, `secret_mounts`, `plugin`) plus
the integration's `category` (default `runtime`). Secrets are not written in the file: any
string value may be `${NAME}`, read from the environment. It runs the same engine as the
program's workers (reviews/verification/, plain Python: no Django, database or broker), prints
each check as it finishes, writes `vip-results.json` (the API's run detail, with the engine and
catalogue versions) and `vip-results.junit.xml` (one testcase per check), and exits 0 only when
the verdict is `passed` (1 otherwise; 2 for a target file or command line it cannot use).

`submit` uploads `vip-results.json` to the program (`VIP_URL`, a personal API token in
`VIP_TOKEN`) as partner-run evidence: shown beside the program's runs, never counted as one.
"""

import argparse
import json
import os
import re
import secrets
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import requests
import yaml
from rich.console import Console
from rich.markup import escape

from integrations.categories import CATEGORIES, RUNTIME
from reviews.targets import TargetError, clean_target
from reviews.verification.base import EngineSettings, context_for
from reviews.verification.docs import TABLES, explain
from reviews.verification.registry import CATALOGUE, CATALOGUE_VERSION
from reviews.verification.runner import PASSED, Result, Verdict, execute

RESULTS_JSON = "vip-results.json"
RESULTS_JUNIT = "vip-results.junit.xml"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
STYLES = {"passed": "green", "failed": "red", "error": "red", "skipped": "yellow"}
ICONS = {"passed": "✔", "failed": "✘", "error": "✘", "skipped": "-"}


class UsageError(Exception):
    """The target file or the command line cannot be used (exit status 2)."""


def engine_version() -> str:
    try:
        return metadata.version("vip-tracker")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- The target file -------------------------------------------------------------------------


def _substitute(value, where: str):
    """`${NAME}` in any string of the file, from the environment; a missing one is named."""
    if isinstance(value, dict):
        return {
            key: _substitute(item, f"{where}.{key}" if where else key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_substitute(item, f"{where}.{index}") for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value

    def read(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise UsageError(f"{where}: the environment variable {name} is not set.")
        return os.environ[name]

    return _VARIABLE.sub(read, value)


def load_target(path: Path) -> tuple[dict, str]:
    """The target body and the integration's category from a YAML file."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}.") from error
    except yaml.YAMLError as error:
        raise UsageError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a target file is a mapping of the target's keys.")
    data = _substitute(data, "")
    category = str(data.pop("category", RUNTIME))
    if category not in CATEGORIES:
        raise UsageError(f"category: choose one of {', '.join(CATEGORIES)}.")
    data.setdefault("name", path.stem)
    ca = data.get("ca_cert")
    if isinstance(ca, str) and ca.strip() and "-----BEGIN" not in ca:
        ca_path = (path.parent / ca).resolve()
        try:
            data["ca_cert"] = ca_path.read_text()
        except OSError as error:
            raise UsageError(f"ca_cert: cannot read {ca_path}: {error.strerror}.") from error
    return data, category


# --- Running ---------------------------------------------------------------------------------


def _result_json(result: Result) -> dict:
    return {
        "id": result.check_id,
        "title": result.title,
        "status": result.status,
        "required": result.required,
        "waived": False,
        "subject": result.subject,
        "message": result.message,
        "duration_ms": result.duration_ms,
        "details": result.details,
    }


def results_document(
    *, fields: dict, category: str, verdict: Verdict, results: list[Result], began, ended, only
) -> dict:
    """The API's run detail for a partner-run, with what ran it."""
    return {
        "engine_version": engine_version(),
        "catalogue_version": CATALOGUE_VERSION,
        "category": category,
        "subset": sorted(only) if only else None,
        "status": verdict.status,
        "reason": verdict.reason,
        "started_at": began.isoformat(),
        "finished_at": ended.isoformat(),
        "target": {key: fields.get(key, "") for key in ("name", "kind", "url", "namespace")},
        "detected": {"version": verdict.version, "edition": verdict.edition},
        "checks": [_result_json(result) for result in results],
    }


def junit_document(document: dict, seconds: float) -> ET.ElementTree:
    """One testcase per check: a required check that failed is a failure, an error an error,
    a skipped check skipped; informational results pass and say what they found."""
    checks = document["checks"]
    suite = ET.Element(
        "testsuite",
        name="vip-verify",
        tests=str(len(checks)),
        failures=str(sum(c["required"] and c["status"] == "failed" for c in checks)),
        errors=str(sum(c["required"] and c["status"] == "error" for c in checks)),
        skipped=str(sum(c["status"] == "skipped" for c in checks)),
        time=f"{seconds:.3f}",
    )
    for check in checks:
        name = f"{check['id']} {check['subject']}".strip()
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"vip-verify.{check['id']}",
            name=name,
            time=f"{check['duration_ms'] / 1000:.3f}",
        )
        if check["status"] == "skipped":
            ET.SubElement(case, "skipped", message=check["message"])
        elif check["required"] and check["status"] == "failed":
            ET.SubElement(case, "failure", message=check["message"]).text = check["message"]
        elif check["required"] and check["status"] == "error":
            ET.SubElement(case, "error", message=check["message"]).text = check["message"]
        else:
            ET.SubElement(case, "system-out").text = check["message"]
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.ElementTree(root)


def run(path: Path, *, only: set[str] | None, out: Path, console: Console) -> int:
    body, category = load_target(path)
    try:
        cleaned = clean_target(body)  # the partner's own network: its addresses are its own
    except TargetError as error:
        details = "; ".join(f"{field}: {' '.join(m)}" for field, m in error.errors.items())
        raise UsageError(f"{path}: {details or error.message}") from error
    unknown = sorted((only or set()) - {check.id for check in CATALOGUE})
    if unknown:
        raise UsageError(f"--check: no such check: {', '.join(unknown)}.")
    fields = cleaned.fields
    ctx = context_for(
        fields,
        run_id=secrets.randbelow(10**9) + 1,  # names what the run writes on the cluster
        category=category,
        credentials=cleaned.credentials,
        inspector_token=cleaned.inspector_token,
        settings=EngineSettings(egress_proxy=os.environ.get("VIP_EGRESS_PROXY", "")),
    )
    console.print(f"[bold]vip-verify[/bold] {fields['url']} ({fields['kind']}, {category})")
    results: list[Result] = []

    def record(result: Result) -> None:
        results.append(result)
        style, icon = STYLES.get(result.status, "white"), ICONS.get(result.status, "?")
        subject = f" {escape(result.subject)}" if result.subject else ""
        role = "" if result.required else " [dim](informational)[/dim]"
        console.print(  # what the server said is text, never markup
            f"[{style}]{icon} {result.status:<7}[/{style}] {result.check_id}{subject}{role}: "
            f"{escape(result.message)}"
        )

    began, started = datetime.now(UTC), time.perf_counter()
    verdict = execute(ctx, record, only=only)
    ended, seconds = datetime.now(UTC), time.perf_counter() - started
    document = results_document(
        fields=fields,
        category=category,
        verdict=verdict,
        results=results,
        began=began,
        ended=ended,
        only=only,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / RESULTS_JSON).write_text(json.dumps(document, indent=2) + "\n")
    junit_document(document, seconds).write(
        out / RESULTS_JUNIT, encoding="utf-8", xml_declaration=True
    )
    style = STYLES.get(verdict.status, "white")
    why = f": {escape(verdict.reason)}" if verdict.reason else ""
    console.print(f"[bold {style}]Verdict: {verdict.status}[/bold {style}]{why}")
    console.print(f"Wrote {out / RESULTS_JSON} and {out / RESULTS_JUNIT}.")
    return 0 if verdict.status == PASSED else 1


# --- Submitting ------------------------------------------------------------------------------


def submit(*, integration: int, results: Path, url: str, token: str, console: Console) -> int:
    try:
        document = json.loads(results.read_text())
    except OSError as error:
        raise UsageError(f"{results}: {error.strerror or error}.") from error
    except ValueError as error:
        raise UsageError(f"{results} is not JSON: {error}.") from error
    if not url or not token:
        raise UsageError("Set VIP_URL (the program's address) and VIP_TOKEN (your API token).")
    endpoint = f"{url.rstrip('/')}/api/v1/integrations/{integration}/evidence/"
    try:
        response = requests.post(
            endpoint,
            json=document,
            headers={"Authorization": f"Token {token}"},
            timeout=(10, 60),
        )
    except requests.RequestException as error:
        console.print(f"[red]Could not reach {url}: {error.__class__.__name__}.[/red]")
        return 1
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 201:
        console.print(
            f"Submitted as partner-run evidence {answer.get('id')} of integration {integration}. "
            "It is shown beside the program's runs and never counts as one."
        )
        return 0
    message = escape(str(answer.get("message") or response.reason))
    console.print(
        f"[red]The program refused the evidence (HTTP {response.status_code}): {message}[/red]"
    )
    for field, problems in (answer.get("errors") or {}).items():
        console.print(f"  {field}: {' '.join(map(str, problems))}", markup=False)
    return 1


# --- The command -----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="vip-verify",
        description="Run the HashiCorp Vault Integration Program's checks against your cluster.",
    )
    command.add_argument(
        "--explain", metavar="ID", help="what a check proves and the policy it needs"
    )
    command.add_argument("--readme-table", choices=sorted(TABLES), help=argparse.SUPPRESS)
    actions = command.add_subparsers(dest="action")
    run_command = actions.add_parser("run", help="run the checks against a target file")
    run_command.add_argument("target", type=Path, help="the target file (YAML)")
    run_command.add_argument(
        "--check", action="append", metavar="ID", help="run only this check (and what it needs)"
    )
    run_command.add_argument("--out", type=Path, default=Path("."), help="where to write results")
    submit_command = actions.add_parser("submit", help="upload vip-results.json to the program")
    submit_command.add_argument("--integration", type=int, required=True)
    submit_command.add_argument("--results", type=Path, default=Path(RESULTS_JSON))
    return command


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.explain:
            try:
                console.print(explain(args.explain), markup=False)
            except KeyError:
                raise UsageError(
                    f"No check {args.explain}; `vip-verify --explain` takes one of: "
                    f"{', '.join(sorted({c.id for c in CATALOGUE}))}."
                ) from None
            return 0
        if args.readme_table:
            sys.stdout.write(TABLES[args.readme_table]())
            return 0
        if args.action == "run":
            return run(
                args.target, only=set(args.check or []) or None, out=args.out, console=console
            )
        if args.action == "submit":
            return submit(
                integration=args.integration,
                results=args.results,
                url=os.environ.get("VIP_URL", ""),
                token=os.environ.get("VIP_TOKEN", ""),
                console=console,
            )
    except UsageError as error:
        errors.print(f"vip-verify: {error}", markup=False)
        return 2
    parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
