"""Before the suite: are PostgreSQL and Redis answering? One clear line if not."""

import os
import socket
import sys
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


def answers(url: str) -> bool:
    parts = urlparse(url)
    port = parts.port or {"postgres": 5432, "postgresql": 5432, "redis": 6379}[parts.scheme]
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    down = []
    for variable, default in DEFAULTS.items():
        url = os.environ.get(variable, default)
        if not answers(url):
            down.append(
                f"{NAMES[variable]} is not answering at {urlparse(url).netloc} ({variable}); "
                f"start it with: {HOW_TO_START[variable]}"
            )
    for line in down:
        print(line, file=sys.stderr)
    return 1 if down else 0


if __name__ == "__main__":
    sys.exit(main())
