#!/usr/bin/env bash
# Install tinygrad_edu with its test dependencies, then run the whole suite on both backends:
# the C core, and the numpy reference backend that must be a full substitute for it.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet -e ".[test]"
# PyTorch is only the test oracle (CPU build, pinned); without it the oracle tests skip.
python -m pip install --quiet "torch==2.13.0" || echo "torch==2.13.0 not installable here: oracle tests will skip"
# Graphviz (dot renders the graph pictures) and Chromium (the HTML pages are tested in a headless browser) are
# system packages, about 150 with their dependencies. They are installed only when this runs as root on a system
# with apt-get and they are missing; TINYGRAD_EDU_SYSTEM_PACKAGES=0 leaves the system alone (those tests then skip).
if [ "${TINYGRAD_EDU_SYSTEM_PACKAGES:-1}" != 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
    && ! { command -v dot && command -v chromium; } >/dev/null 2>&1; then
  echo "installing graphviz and chromium with apt-get for the picture and browser tests" \
       "(TINYGRAD_EDU_SYSTEM_PACKAGES=0 to skip)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium >/dev/null) \
    || echo "graphviz/chromium not installable here: those tests will skip"
fi

status=0
echo "== tests on the C backend =="
TINYGRAD_EDU_BACKEND=c python -m pytest -q "$@" || status=1
echo "== tests on the numpy reference backend =="
TINYGRAD_EDU_BACKEND=numpy python -m pytest -q "$@" || status=1
exit $status
