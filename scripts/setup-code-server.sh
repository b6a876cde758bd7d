#!/usr/bin/env bash
# Installs VS Code for the browser (npm package code-server@4.100.3 = VS Code 1.100.3, the newest line
# that runs on Node 20) into .cache/code-server for the end-to-end tests. Idempotent: a stamp file
# records a finished install, so reruns take milliseconds. Works without network beyond the npm
# registry: code-server's postinstall (native builds + a ripgrep download from GitHub) is replaced by
# the steps below, using Debian's rg and the build deps installed by scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
DIR="$PWD/.cache/code-server"
STAMP="$DIR/.installed-$VERSION"
ENTRY="$DIR/node_modules/code-server/out/node/entry.js"
if [ -f "$STAMP" ] && [ -f "$ENTRY" ]; then exit 0; fi

log() { echo "setup-code-server: $*"; }
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{ "name": "code-server-cache", "private": true }' > package.json
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

if [ ! -f node_modules/code-server/package.json ]; then
  log "npm install --ignore-scripts code-server@$VERSION"
  npm install --ignore-scripts --no-save "code-server@$VERSION" >/dev/null
fi

VS="$DIR/node_modules/code-server/lib/vscode"
cd "$VS"
log "installing VS Code's production dependencies"
npm install --omit=dev --ignore-scripts >/dev/null
# @vscode/ripgrep's postinstall downloads rg from GitHub unless bin/rg already exists.
RG="$(command -v rg || true)"
if [ -z "$RG" ]; then echo "setup-code-server: ripgrep (rg) not found; run scripts/setup.sh" >&2; exit 1; fi
mkdir -p node_modules/@vscode/ripgrep/bin
cp -f "$RG" node_modules/@vscode/ripgrep/bin/rg
log "rebuilding VS Code's native modules"
npm_config_yes=true npm rebuild >/dev/null
[ -e node_modules.asar ] || ln -s node_modules node_modules.asar
log "installing built-in extensions' dependencies"
(cd extensions && npm install --omit=dev --ignore-scripts >/dev/null)

# code-server's own native module; npm hoists it to the cache root's node_modules.
cd "$DIR"
log "rebuilding argon2"
npm rebuild argon2 --foreground-scripts >/dev/null
for f in node_modules/argon2/lib/binding/napi-v3/argon2.node \
         "$VS/node_modules/@vscode/spdlog/build/Release/spdlog.node" \
         "$VS/node_modules/node-pty/build/Release/pty.node"; do
  [ -f "$f" ] || { echo "setup-code-server: native module missing after build: $f" >&2; exit 1; }
done
touch "$STAMP"
log "done ($ENTRY)"
