"""Verification: end-to-end run time vs the same hvac calls made directly (target ≤ 1.3×,
issue 13; DESIGN.md §10 allows 2×), 50 runs queued at once vs worker concurrency (DESIGN.md
§10), and runs across a slow network in one thread-pool worker (issue 13).

    .venv/bin/python bench/verification.py [--runs 120] [--burst 50] [--pool prefork] [--slow 200]

Where a run's time went (measured on this 2-core VM, quiet, December 2026, median of 40 runs
timed phase by phase in one process; direct hvac calls ≈ 25 ms):
- the checks' own requests ≈ 19 ms (13 requests; the run's clients share one HTTP session, so
  one connection, where the direct calls open three);
- claiming the run and reading it with its target and its integration's category ≈ 1 ms in
  two plain SQL statements (it was ≈ 2.4 to 2.9 ms through the ORM, most of it building the
  queries), committed without waiting for the disk (the waivers only when the target has one);
- decrypting the credentials and the inspector token in one batch request ≈ 1.8 ms (the
  direct calls decrypt too);
- the results: one conditional INSERT per 0.25 s of checks, ≈ 1.3 ms;
- before the worker starts (queued → started ≈ 4.5–6 ms): the request's durable commit of the
  run ≈ 1.3 ms, publishing the task ≈ 0.6–1.8 ms, the broker to the worker ≈ 1.4 ms;
- after `finished_at`, outside the measure: the badges (≈ 1 ms unless it is the evidence
  target); the notice is the default queue's (`run_notify`): in the verification worker it
  cost ≈ 10 ms a run alone and ≈ 100–160 ms under (d)'s load, holding a thread all along.
The ratio moves by ±0.05 from one run of this script to the next on this VM.
The worker of the `verification` queue (a thread pool) closes each thread's database
connection after each run; that reconnect adds ≈ 6 ms a run on loopback (measured with
`--pool threads`), which (d) includes and (b) does not.

Starts two real OpenBao servers (the program Vault and a partner's test Vault with a namespace,
AppRole, KV v2 and transit), a throw-away PostgreSQL database, Redis, and real Celery workers.
(a) times the hvac calls of a standard runtime run made directly (the credentials' decryption
    by the program Vault, then the calls to the partner's Vault);
(b) times runs requested through the REST API, through the broker and a worker, from enqueue
    (the run's queued_at) to finished (its finished_at); (a) and (b) take turns, so a busy
    moment of the machine falls on both;
(c) queues `--burst` runs at once and times until all are finished, with 1 and 2 worker
    processes (two rounds, the faster burst of each counts), against (b)'s median × burst /
    concurrency. Here the partner's Vault, the program Vault, PostgreSQL and Redis share the
    machine's cores with the workers, so a second process can only go as much faster as the
    cores left idle by the first allow: the machine's busy time (/proc/stat) during each burst
    gives that ceiling, min(2, cores ÷ cores busy with one process), and the target is 80% of
    it. Run it on an otherwise quiet machine.
(d) `--slow` runs at once behind a proxy adding 50 ms to every request, served by one worker
    of the `verification` queue with a thread pool of VIP_VERIFY_CONCURRENCY (20), against
    (runs ÷ threads) × one run's median time through the same proxy (target ≤ 1.5×); prints
    the runs per second and the worker processes a program of 10,000 integrations needs.
Prints each figure and ratio, and the lines bench/REPORT.md collects.
"""

import argparse
import base64
import itertools
import os
import subprocess
import sys
import time

from _env import ROOT, bench_integration, configure, drop, median, report

DATABASE = "vip_bench_verification"
RATIO_TARGET = 1.3  # end to end ÷ direct on loopback (issue 13; DESIGN.md §10 allows 2)
LATENCY = 0.05  # seconds the proxy adds to each request in (d)


def direct_run(server, body, program, ciphertext) -> float:
    """The hvac calls of a standard runtime run, made directly: decrypting the credentials
    with the program Vault, then the calls to the partner's Vault."""
    import hvac

    began = time.perf_counter()
    hvac.Client(url=program.url, token="root").secrets.transit.decrypt_data(
        name="vip-credentials", ciphertext=ciphertext
    )
    root = hvac.Client(url=server.url)
    root.sys.read_health_status(method="GET", standby_ok=True, sealed_code=200, uninit_code=200)
    root.sys.read_seal_status()
    app = hvac.Client(url=server.url, namespace=body["namespace"])
    app.auth.approle.login(role_id=body["auth"]["role_id"], secret_id=body["auth"]["secret_id"])
    app.auth.token.lookup_self()  # namespace.access and auth.short_lived_token
    roots = ("sys/mounts", "sys/auth", "sys/policies/acl", "sys/policy", "sys/audit")
    app.sys.get_capabilities(paths=[p for root in roots for p in (root, f"{root}/vip-leaf")])
    kv = app.secrets.kv.v2
    kv.create_or_update_secret(path="vip/direct", secret={"probe": "x"}, mount_point="apps-kv")
    kv.read_secret_version(path="vip/direct", mount_point="apps-kv", raise_on_deleted_version=True)
    kv.delete_metadata_and_all_versions(path="vip/direct", mount_point="apps-kv")
    plaintext = base64.b64encode(b"probe").decode()
    ciphertext = app.secrets.transit.encrypt_data(
        name="app-key", plaintext=plaintext, mount_point="apps-transit"
    )["data"]["ciphertext"]
    app.secrets.transit.decrypt_data(
        name="app-key", ciphertext=ciphertext, mount_point="apps-transit"
    )
    root.sys.read_seal_status()
    app.auth.token.revoke_self()
    return time.perf_counter() - began


def busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return total - idle, total


def start_worker(env: dict, concurrency: int, pool: str, queues: str = "") -> subprocess.Popen:
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            "--prefetch-multiplier=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *([f"--queues={queues}"] if queues else []),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)  # let the pool start before timing
    return worker


def wait_finished(run_ids, timeout=300.0):
    from reviews.models import VerificationRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = VerificationRun.objects.filter(pk__in=run_ids, finished_at__isnull=False).count()
        if done == len(run_ids):
            return
        time.sleep(0.05)  # durations come from the run's own timestamps, not from polling
    raise SystemExit("runs did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=120)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--pool", default="prefork", help="the worker's pool (prefork, threads)")
    parser.add_argument("--slow", type=int, default=200, help="runs at once behind the latency")
    parser.add_argument("--slow-singles", type=int, default=7)
    parser.add_argument("--verify-concurrency", type=int, default=20)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from tests.vault import BaoServer, enable_engine, runtime_app

    program = BaoServer().start()
    partner = BaoServer().start()
    enable_engine(program.client(), "transit", "transit")
    env = configure(DATABASE, extra={"VIP_VAULT_ADDR": program.url, "VIP_VAULT_TOKEN": "root"})
    workers = []
    try:
        from django.test import Client

        from accounts.models import User
        from reviews import services
        from reviews.models import VerificationRun

        body = runtime_app(partner, "admin/bench")
        owner = User.objects.create_user("bench@partner.example", "x")
        integration = bench_integration(owner=owner)

        target = services.target_create(integration=integration, actor=owner, data=body)

        # (a) and (b), taken in turns so that both see the same machine: the same hvac calls
        # made directly, then one run end to end through the API, the broker and one worker.
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(owner)
        workers.append(start_worker(env, 1, args.pool))
        url = f"/api/v1/integrations/{integration.pk}/verifications/"
        direct, end_to_end, waiting, working, checks_ms = [], [], [], [], []
        for index in range(args.runs + 3):
            took = direct_run(partner, body, program, target.credentials_ciphertext)
            response = client.post(url, {"target": target.pk}, content_type="application/json")
            assert response.status_code == 202, response.content
            run_id = response.json()["id"]
            wait_finished([run_id])
            run = VerificationRun.objects.get(pk=run_id)
            assert run.status == "passed", run.reason
            if index >= 3:  # warm-up
                direct.append(took)
                end_to_end.append((run.finished_at - run.queued_at).total_seconds())
                waiting.append((run.started_at - run.queued_at).total_seconds())
                working.append((run.finished_at - run.started_at).total_seconds())
                checks_ms.append(sum(r.duration_ms for r in run.results.all()))

        # (c) a burst of runs queued at once, with 1 and 2 worker processes.
        targets = [
            services.target_create(
                integration=integration, actor=owner, data={**body, "name": f"burst {n}"}
            )
            for n in range(args.burst)
        ]
        # Two rounds of 1 then 2 processes; each keeps its faster burst (a busy moment of the
        # machine is noise, not the workers).
        bursts, busy_cores = {}, {}
        for _round, concurrency in itertools.product(range(2), (1, 2)):
            for worker in workers:
                worker.terminate()
                worker.wait()
            workers = [start_worker(env, concurrency, args.pool)]
            began, (busy_before, total_before) = time.perf_counter(), busy_jiffies()
            ids = [services.run_request(target=t, actor=owner).pk for t in targets]
            wait_finished(ids)
            took = time.perf_counter() - began
            busy_after, total_after = busy_jiffies()
            failed = VerificationRun.objects.filter(pk__in=ids).exclude(status="passed").count()
            assert failed == 0, f"{failed} burst runs did not pass"
            if took < bursts.get(concurrency, float("inf")):
                bursts[concurrency] = took
                busy = (busy_after - busy_before) / (total_after - total_before)
                busy_cores[concurrency] = os.cpu_count() * busy

        direct_ms, e2e_ms = median(direct) * 1000, median(end_to_end) * 1000
        ratio = e2e_ms / direct_ms
        print(f"direct hvac calls of a runtime run: median {direct_ms:.1f} ms ({args.runs} runs)")
        print(
            f"end to end (API → broker → worker → finished): median {e2e_ms:.1f} ms "
            f"(queued → started {median(waiting) * 1000:.1f} ms; started → finished "
            f"{median(working) * 1000:.1f} ms, of which the checks themselves "
            f"{median(checks_ms):.0f} ms)"
        )
        print(
            f"ratio end-to-end / direct: {ratio:.2f} (target ≤ {RATIO_TARGET:.2f}) "
            f"{'PASS' if ratio <= RATIO_TARGET else 'FAIL'}"
        )
        for concurrency, seconds in bursts.items():
            ideal = args.burst * median(end_to_end) / concurrency
            print(
                f"{args.burst} runs queued at once, {concurrency} worker process(es): "
                f"{seconds:.2f} s (one after another at the median would take {ideal:.2f} s); "
                f"machine busy {busy_cores[concurrency]:.2f} of {os.cpu_count()} cores"
            )
        speedup = bursts[1] / bursts[2]
        ceiling = min(2.0, os.cpu_count() / busy_cores[1])
        print(
            f"speed-up from 1 to 2 worker processes: {speedup:.2f}× (proportional would be "
            f"2.00×; the idle cores allow {ceiling:.2f}×; target ≥ {0.8 * ceiling:.2f}×) "
            f"{'PASS' if speedup >= 0.8 * ceiling else 'FAIL'}"
        )
        report(
            "verification end to end vs direct hvac calls",
            figures=[f"direct: {direct_ms:.1f} ms", f"end to end: {e2e_ms:.1f} ms"],
            ratio=ratio,
            target=f"≤ {RATIO_TARGET:.2f}",
            passed=ratio <= RATIO_TARGET,
        )
        report(
            f"{args.burst} runs queued at once, 1 → 2 worker processes (speed-up)",
            figures=[
                f"{n} process(es): {seconds:.2f} s, {busy_cores[n]:.2f} cores busy"
                for n, seconds in bursts.items()
            ],
            ratio=speedup,
            target=f"≥ 80% of min(2, cores ÷ cores busy with 1 process) = {0.8 * ceiling:.2f}",
            passed=speedup >= 0.8 * ceiling,
        )
        for worker in workers:
            worker.terminate()
            worker.wait()
        workers = []
        # (d) across a slow network: every request through a proxy that adds LATENCY.
        latency_runs(args, env, partner, body, integration, owner, services)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()
        program.stop()
        partner.stop()
        drop(DATABASE)


def latency_runs(args, env, partner, body, integration, owner, services) -> None:
    """(d) `--slow` runs queued at once, each of whose requests is held back LATENCY by a proxy
    in front of OpenBao, served by one worker process of the `verification` queue with a thread
    pool of VIP_VERIFY_CONCURRENCY: within 1.5× of (runs ÷ concurrency) × one run's median
    time through the same proxy? Also prints the runs per second one such process sustains,
    and how many a program of 10,000 integrations needs."""
    from tests.faults.proxy import FaultyProxy

    if not args.slow:
        return
    concurrency = args.verify_concurrency
    proxy = FaultyProxy(partner.port).__enter__()
    proxy.delay = LATENCY
    worker = start_worker(
        {**env, "VIP_VERIFY_CONCURRENCY": str(concurrency)}, concurrency, "threads", "verification"
    )
    try:
        _latency_runs(args, proxy, concurrency, body, integration, owner, services)
    finally:  # the caller's cleanup never sees this worker if the runs fail
        worker.terminate()
        worker.wait()
        proxy.__exit__(None, None, None)


def _latency_runs(args, proxy, concurrency, body, integration, owner, services) -> None:
    from reviews.models import VerificationRun

    slow = {**body, "url": proxy.url}
    singles = []
    single_target = services.target_create(
        integration=integration, actor=owner, data={**slow, "name": "slow single"}
    )
    for _ in range(args.slow_singles):
        run = services.run_request(target=single_target, actor=owner)
        wait_finished([run.pk])
        run = VerificationRun.objects.get(pk=run.pk)
        assert run.status == "passed", run.reason
        singles.append((run.finished_at - run.queued_at).total_seconds())
    one = median(singles)
    targets = [
        services.target_create(integration=integration, actor=owner, data={**slow, "name": f"s{n}"})
        for n in range(args.slow)
    ]
    began = time.perf_counter()
    ids = [services.run_request(target=t, actor=owner).pk for t in targets]
    wait_finished(ids, timeout=600)
    took = time.perf_counter() - began
    failed = VerificationRun.objects.filter(pk__in=ids).exclude(status="passed").count()
    assert failed == 0, f"{failed} slow runs did not pass"
    ideal = args.slow / concurrency * one
    ratio = took / ideal
    per_second = args.slow / took
    # Sizing: 10,000 integrations; a backlog of one run each (after an outage, or a new check
    # everyone must pass) cleared within an hour, besides the steady re-verification of every
    # evidence target every 30 days (10,000 ÷ 30 days: 0.004 runs a second).
    needed = 10_000 / 3600
    processes = max(1, -(-needed // per_second))
    print(
        f"{args.slow} runs at once through a proxy adding {LATENCY * 1000:.0f} ms a request, one "
        f"worker process with {concurrency} threads: {took:.2f} s ({per_second:.1f} runs/s); "
        f"one run alone takes {one:.2f} s, so (runs ÷ threads) × one run = {ideal:.2f} s; "
        f"ratio {ratio:.2f} (target ≤ 1.50) {'PASS' if ratio <= 1.5 else 'FAIL'}"
    )
    print(
        f"a program of 10,000 integrations (a backlog of one run each cleared within an hour: "
        f"{needed:.1f} runs/s) needs {processes:.0f} such worker process(es)"
    )
    report(
        f"{args.slow} runs at once, {LATENCY * 1000:.0f} ms a request, one process × "
        f"{concurrency} threads",
        figures=[
            f"all: {took:.2f} s ({per_second:.1f} runs/s)",
            f"one run alone: {one:.2f} s",
            f"10,000 integrations need {processes:.0f} verification worker process(es)",
        ],
        ratio=ratio,
        target="≤ 1.50 × (runs ÷ threads) × one run",
        passed=ratio <= 1.5,
    )


if __name__ == "__main__":
    main()
