#!/usr/bin/env bash
# Tries the extension in VS Code for the browser: builds the .vsix, installs it into a local
# code-server (.cache/code-server, set up on first use), writes an example workspace with a snapshot
# of a small leaking Node server, and serves it on 127.0.0.1 (PORT, default 8080). Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8080}"
ROOT="$PWD"
TRY="$ROOT/.cache/try"
WS="$TRY/example"
ENTRY="$ROOT/.cache/code-server/node_modules/code-server/out/node/entry.js"

bash scripts/setup-code-server.sh
npm run --silent package >/dev/null 2>&1 || npm run package
mkdir -p "$WS/.vscode" "$TRY/user-data/User"
cp test/e2e/fixtures/leak-server.cjs "$WS/server.cjs"
if [ ! -f "$WS/leak.heapsnapshot" ]; then
  (cd "$WS" && node server.cjs leak.heapsnapshot >/dev/null)
fi
# the example opens snapshots in Retention Graph directly (VS Code's own association setting)
cat > "$WS/.vscode/settings.json" <<'JSON'
{ "workbench.editorAssociations": { "*.heapsnapshot": "retentionGraph.heapSnapshot" } }
JSON
[ -f "$TRY/user-data/User/settings.json" ] || echo '{ "workbench.startupEditor": "none" }' > "$TRY/user-data/User/settings.json"
echo 'auth: none' > "$TRY/config.yaml"
ARGS=(--config "$TRY/config.yaml" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust
  --user-data-dir "$TRY/user-data" --extensions-dir "$TRY/extensions")
node "$ENTRY" "${ARGS[@]}" --install-extension retention-graph.vsix --force >/dev/null
echo
echo "Retention Graph in VS Code for the browser:"
echo "  http://127.0.0.1:$PORT/?folder=$WS"
echo "When the workbench has finished loading, open leak.heapsnapshot in the explorer (server.cjs is the"
echo "program that leaked; the example's .vscode/settings.json makes Retention Graph its editor). Ctrl+C stops it."
echo
exec node "$ENTRY" "${ARGS[@]}" --bind-addr "127.0.0.1:$PORT" "$WS"
