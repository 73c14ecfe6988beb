#!/usr/bin/env bash
# Install tinygrad_edu with its test dependencies, then run the whole suite on both backends:
# the C core, and the numpy reference backend that must be a full substitute for it.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet -e ".[test]"
# PyTorch is only the test oracle (CPU build, pinned); without it the oracle tests skip.
python -m pip install --quiet "torch==2.13.0" || echo "torch==2.13.0 not installable here: oracle tests will skip"
# Graphviz and a headless browser for the graph-rendering and explorer tests, when we may install them.
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && ! { command -v dot && command -v chromium; } >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium >/dev/null) \
    || echo "graphviz/chromium not installable here: those tests will skip"
fi

status=0
echo "== tests on the C backend =="
TINYGRAD_EDU_BACKEND=c python -m pytest -q "$@" || status=1
echo "== tests on the numpy reference backend =="
TINYGRAD_EDU_BACKEND=numpy python -m pytest -q "$@" || status=1
exit $status
