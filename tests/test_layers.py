"""The apps' layers (DEVELOPERS.md, "Layers"): pipeline > badges > reviews | support_sla >
integrations > accounts > config. An import upwards, or a cycle between apps, fails here, and
so does a module that cannot be imported first, on its own, in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "accounts", "integrations", "reviews", "support_sla", "badges", "pipeline")


def test_no_app_imports_an_app_above_it():
    """import-linter's contract in pyproject.toml ([tool.importlinter])."""
    result = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def modules() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "settings" in parts:
                continue
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


# Run in a fresh interpreter: set Django up once, then import every module first in a forked
# child of its own, so each is the first of its app to be imported after the apps' models.
PROBE = """
import os, sys, django
django.setup()
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            __import__(name)
        except BaseException as error:
            print(f"{name}: {error!r}", flush=True)
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        failed.append(name)
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_on_its_own():
    names = modules()
    assert "pipeline.guards" in names and "reviews.selectors" in names
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *names],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
