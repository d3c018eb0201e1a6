"""scripts/check_services.py, which `make test` runs first: one clear line for each service
the suite needs that is not there, saying how to get it."""

import os
import socket
import subprocess
import sys

from scripts import check_services
from tests.processes import ROOT


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_missing_chromium_gets_one_line_like_the_databases(tmp_path):
    port = unused_port()
    lines = check_services.problems(
        environ={
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/x",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        },
        chromium=str(tmp_path / "chromium"),
    )
    assert lines == [
        f"PostgreSQL is not answering at postgres@127.0.0.1:{port} (DATABASE_URL); start it with: "
        + check_services.HOW_TO_START["DATABASE_URL"],
        f"Chromium is missing at {tmp_path / 'chromium'} (the browser tests, tests/e2e/, need "
        "it); install it with: apt-get install chromium",
    ]


def test_a_file_that_is_not_executable_is_no_chromium(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("not a browser")
    assert check_services.chromium_missing(str(fake))
    fake.chmod(0o755)
    assert check_services.chromium_missing(str(fake)) is None


def test_the_suite_itself_checks_only_the_databases(tmp_path):
    """The test session (tests/conftest.py) runs without Chromium: only the browser tests need
    it, and they say so with the same line."""
    assert check_services.problems(browser=False, chromium=str(tmp_path / "none")) == []


def test_make_tests_check_passes_here_and_says_nothing():
    result = subprocess.run(
        [sys.executable, "scripts/check_services.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stderr) == (0, "")
