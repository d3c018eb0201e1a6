"""Badge SVG throughput against a minimal Django view, under the same gunicorn settings
(target ≥ 0.7, DESIGN.md §10).

    .venv/bin/python bench/badges.py [--seconds 10] [--connections 16] [--workers 2]

Starts gunicorn (production settings: DEBUG off, Redis cache) on a throw-away database with one
issued badge, warms the cache, and drives both URLs with wrk (Debian package `wrk`; installed
with apt-get when missing). Prints requests per second for each and the ratio.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

from _env import ROOT, bench_integration, configure, drop, report

DATABASE = "vip_bench_badges"
PORT = 18765


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk")


def requests_per_second(wrk: str, url: str, seconds: int, connections: int) -> float:
    output = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url} answered errors:\n{output}")
    return float(match.group(1))


def make_badge() -> str:
    """One issued badge, created directly (its evidence run is recorded as passed)."""
    from django.utils import timezone

    from accounts.models import User
    from badges.models import Badge
    from reviews.models import VerificationRun, VerificationTarget

    integration = bench_integration()
    target = VerificationTarget.objects.create(
        integration=integration,
        name="t",
        kind="hcp_vault",
        url="https://x.hashicorp.cloud",
        namespace="admin",
    )
    now = timezone.now()
    run = VerificationRun.objects.create(
        integration=integration,
        target=target,
        status="passed",
        finished_at=now,
        detected_version="1.17.3+ent",
        detected_edition="hcp_vault",
    )
    admin = User.objects.create_user("bench-admin@vip.example", "x", is_superuser=True)
    return Badge.objects.create(
        integration=integration,
        kind="hcp_vault_verified",
        run=run,
        issued_by=admin,
        verified_at=now,
    ).public_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    wrk = ensure_wrk()
    env = configure(
        DATABASE,
        redis_db=13,
        extra={
            "ROOT_URLCONF": "bench_urls",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
        },
    )
    server = None
    try:
        public_id = make_badge()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                **env,
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-0123456789",
                "SECURE_SSL_REDIRECT": "false",
            },
        )
        base = f"http://127.0.0.1:{PORT}"
        badge_url, minimal_url = f"{base}/badges/{public_id}.svg", f"{base}/bench/minimal"
        for _ in range(100):
            try:
                urllib.request.urlopen(minimal_url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        body = urllib.request.urlopen(badge_url, timeout=5).read()  # warms the cache
        assert body.startswith(b"<svg"), body[:100]
        requests_per_second(wrk, badge_url, 2, args.connections)  # warm every worker
        minimal = requests_per_second(wrk, minimal_url, args.seconds, args.connections)
        badge = requests_per_second(wrk, badge_url, args.seconds, args.connections)
        ratio = badge / minimal
        print(
            f"gunicorn, {args.workers} workers, wrk {args.connections} connections, "
            f"{args.seconds} s each"
        )
        print(f"minimal Django view: {minimal:.0f} requests/s")
        print(f"badge SVG (warm cache): {badge:.0f} requests/s")
        print(
            f"ratio badge / minimal: {ratio:.2f} (target ≥ 0.70) "
            f"{'PASS' if ratio >= 0.7 else 'FAIL'}"
        )
        report(
            "badge SVG vs a minimal Django view (requests/s)",
            figures=[f"minimal view: {minimal:.0f}/s", f"badge SVG, warm cache: {badge:.0f}/s"],
            ratio=ratio,
            target="≥ 0.70",
            passed=ratio >= 0.7,
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        drop(DATABASE)


if __name__ == "__main__":
    main()
