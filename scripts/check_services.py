"""Before the suite: are PostgreSQL and Redis answering, and is Chromium there for the browser
tests? One clear line for each that is not, saying how to get it."""

import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/vip_tracker",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
HOW_TO_START = {
    "DATABASE_URL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "REDIS_URL": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" '
    "--appendonly no",
}
NAMES = {"DATABASE_URL": "PostgreSQL", "REDIS_URL": "Redis"}
# The browser tests (tests/e2e/) drive Debian's Chromium; .ci/run installs it when missing.
CHROMIUM = "/usr/bin/chromium"


def answers(url: str) -> bool:
    parts = urlparse(url)
    port = parts.port or {"postgres": 5432, "postgresql": 5432, "redis": 6379}[parts.scheme]
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def chromium_missing(path: str = CHROMIUM) -> str | None:
    """The line that says Chromium is missing and how to install it, or None when it is there."""
    if os.access(path, os.X_OK) and Path(path).is_file():
        return None
    return (
        f"Chromium is missing at {path} (the browser tests, tests/e2e/, need it); "
        "install it with: apt-get install chromium"
    )


def problems(
    *, environ: dict | None = None, browser: bool = True, chromium: str = CHROMIUM
) -> list[str]:
    """One line per service the suite needs that is not there: PostgreSQL and Redis (at
    DATABASE_URL and REDIS_URL, or their local defaults) and, with `browser`, Chromium."""
    environ = os.environ if environ is None else environ
    lines = []
    for variable, default in DEFAULTS.items():
        url = environ.get(variable, default)
        if not answers(url):
            lines.append(
                f"{NAMES[variable]} is not answering at {urlparse(url).netloc} ({variable}); "
                f"start it with: {HOW_TO_START[variable]}"
            )
    if browser and (line := chromium_missing(chromium)):
        lines.append(line)
    return lines


def main(*, browser: bool = True) -> int:
    """Print what is missing to stderr; 1 if anything is. `make test` checks everything; the
    test session itself (tests/conftest.py) only the databases, so a run without the browser
    tests works without Chromium (tests/e2e/ reports the same line when it is missing)."""
    lines = problems(browser=browser)
    for line in lines:
        print(line, file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
