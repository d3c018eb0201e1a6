"""Dependency audit for CI: pip-audit over the project's virtualenv. Fails when a known
vulnerability has a fixed release to upgrade to; reports (and does not fail on) those without
a fix. pip-audit asks a vulnerability service over the network (PyPI's JSON API, then OSV);
when neither answers for any package it says so loudly instead of claiming a clean result.

    .venv/bin/python scripts/audit_dependencies.py
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def audit(service: str) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        result = subprocess.run(
            [
                str(VENV_BIN / "pip-audit"),
                "--skip-editable",
                "--progress-spinner",
                "off",
                "--vulnerability-service",
                service,
                "--format",
                "json",
                "--output",
                output.name,
            ],
            capture_output=True,
            text=True,
        )
        text = Path(output.name).read_text()
    if not text:
        print(f"pip-audit ({service}) gave no report: {result.stderr.strip()[-300:]}")
        return None
    return json.loads(text)


def main() -> int:
    for service in ("pypi", "osv"):
        report = audit(service)
        if report is None:
            continue
        dependencies = report["dependencies"]
        audited = [d for d in dependencies if "skip_reason" not in d]
        if not audited:
            print(f"{service}: no package could be looked up (service unreachable from here)")
            continue
        fixable, unfixable = [], []
        for dependency in audited:
            for vulnerability in dependency.get("vulns", []):
                line = f"{dependency['name']} {dependency['version']}: {vulnerability['id']}"
                if vulnerability.get("fix_versions"):
                    fixable.append(f"{line} (fixed in {', '.join(vulnerability['fix_versions'])})")
                else:
                    unfixable.append(f"{line} (no fixed release yet)")
        print(f"audited {len(audited)} packages against {service}")
        for line in unfixable:
            print(f"  known, no fix available: {line}")
        for line in fixable:
            print(f"  VULNERABLE, upgrade: {line}")
        return 1 if fixable else 0
    print(
        "DEPENDENCY AUDIT NOT DONE: no vulnerability service answered (this machine reaches "
        "only the package registries). Run `make audit` where pypi.org's JSON API or "
        "api.osv.dev is reachable."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
