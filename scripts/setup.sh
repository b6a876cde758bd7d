#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine: apt packages (browser, Python
# and aiohttp for the Python tests, Graphviz, code-server's build deps) and npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(chromium python3 python3-aiohttp graphviz libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev pkg-config ripgrep)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# memlab depends on puppeteer; never let it download a browser (we use Debian's chromium).
export PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# VS Code for the browser (code-server) for the end-to-end tests; cached in .cache/code-server.
bash scripts/setup-code-server.sh
