#!/usr/bin/env bash
# The steps of docs/ci/github-actions.yml, run here against a local OpenBao, so the example a
# partner copies is proven by this project's CI: start and configure OpenBao with the same
# script, run `vip-verify run` on the same target file, and check its verdict and JUnit file.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'kill "$(cat "$work/openbao/openbao.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OUT="$work/openbao" PORT="$port" BAO=.venv/bin/bao bash docs/ci/setup-openbao.sh
set -a
. "$work/openbao/env"
set +a
.venv/bin/vip-verify run docs/ci/target.yaml --out "$work/vip-results"
.venv/bin/python - "$work/vip-results/vip-results.junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
assert suite.get("failures") == "0" and suite.get("errors") == "0", ET.tostring(suite)
print(f"vip-verify example: {suite.get('tests')} checks, JUnit file valid")
PY
