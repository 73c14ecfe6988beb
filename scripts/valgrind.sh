#!/usr/bin/env bash
# Run the C-kernel tests under valgrind memcheck; any invalid read/write or use of uninitialised memory
# in the process fails the run.
#
#   bash scripts/valgrind.sh [pytest args]      (default: the kernel test files, few hypothesis examples)
#
# PYTHONMALLOC=malloc makes Python allocate through malloc so valgrind sees every block; leak checking is
# off because the interpreter keeps its allocations until exit. scripts/valgrind.supp silences reports raised
# inside CPython itself (never ones in our module). Slow (tens of times slower than native).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/kernel_tests.sh
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${KERNEL_TESTS[@]}")
# the interpreter binary itself: a `python` wrapper script (pyenv shim, venv launcher) would be all valgrind saw
python_binary="$(python -c 'import sys; print(sys.executable)')"
# Unlike the sanitizers (see sanitize.sh), valgrind writes its reports through its own copy of the original standard
# error, taken before pytest starts, so pytest's capture of file descriptor 2 does not hide them. Child processes
# (test_gemm's runs of the other SIMD paths, test_backend's interpreters) run natively: valgrind checks this one.
PYTHONMALLOC=malloc TINYGRAD_EDU_BACKEND=c HYPOTHESIS_PROFILE=valgrind \
  valgrind --tool=memcheck --error-exitcode=99 --suppressions=scripts/valgrind.supp --leak-check=no --track-origins=no --quiet \
  "$python_binary" -m pytest -q -p no:cacheprovider "${tests[@]}"
echo "valgrind run clean"
