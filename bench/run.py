"""`make bench`: runs every benchmark under bench/ one after another, shows their output, and
writes bench/REPORT.md with each figure, each ratio, its target (DESIGN.md §10) and pass/fail.
Exits non-zero when a benchmark fails or misses its target.

    .venv/bin/python bench/run.py [name …]     # e.g. `pages sla_sweep`; default: all
"""

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["pages", "badges", "verification", "sla_sweep", "overlap"]


def run(name: str) -> tuple[list[dict], int, float]:
    print(f"== bench/{name}.py", flush=True)
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(HERE / f"{name}.py")],
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    results = []
    for line in process.stdout:
        if line.startswith("REPORT "):
            results.append(json.loads(line.removeprefix("REPORT ")))
        else:
            print(line, end="", flush=True)
    return results, process.wait(), time.monotonic() - began


def verdict(passed: bool | None) -> str:
    return {True: "pass", False: "**FAIL**", None: "—"}[passed]


def write_report(sections: list[tuple[str, list[dict], int, float]]) -> Path:
    lines = [
        "# Performance report",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"{platform.python_implementation()} {platform.python_version()} · "
        f"{os.cpu_count()} cores · {platform.machine()}. Targets: DESIGN.md §10. "
        "Each script's docstring says how it measures; run one alone with "
        "`.venv/bin/python bench/<name>.py --help`.",
        "",
        "| benchmark | figures | ratio | target | result |",
        "|---|---|---|---|---|",
    ]
    for name, results, code, _seconds in sections:
        for result in results:
            lines.append(
                f"| {result['benchmark']} (`bench/{name}.py`) | "
                f"{'<br>'.join(result['figures'])} | {result['ratio']:.2f} | "
                f"{result['target']} | {verdict(result['passed'])} |"
            )
        if code != 0:
            lines.append(f"| `bench/{name}.py` | exited with status {code} | — | — | **FAIL** |")
    lines += ["", "Time per script: " + ", ".join(f"{n} {s:.0f} s" for n, _, _, s in sections)]
    report = HERE / "REPORT.md"
    report.write_text("\n".join(lines) + "\n")
    return report


def main() -> int:
    names = sys.argv[1:] or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    sections = [(name, *run(name)) for name in names]
    report = write_report(sections)
    failed = [
        name
        for name, results, code, _ in sections
        if code != 0 or any(result["passed"] is False for result in results)
    ]
    print(f"\n{report.relative_to(HERE.parent)} written", end="")
    print(f"; missed or failed: {', '.join(failed)}" if failed else "; every target met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
