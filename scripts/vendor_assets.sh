#!/usr/bin/env bash
# Copies the pinned front-end libraries from the npm registry into static/vendor/.
# No CDN: the product serves every script and stylesheet itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "npm is needed to install the front-end libraries (apt-get install nodejs npm)." >&2
  exit 1
fi
npm ci --no-audit --no-fund --silent
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/bootstrap-icons/fonts" "$dest/chartjs"
cp node_modules/bootstrap/dist/css/bootstrap.min.css* "$dest/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* "$dest/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$dest/bootstrap-icons/"
cp node_modules/bootstrap-icons/font/fonts/* "$dest/bootstrap-icons/fonts/"
cp node_modules/chart.js/dist/chart.umd.min.js* "$dest/chartjs/"
echo "front-end libraries copied to $dest"
