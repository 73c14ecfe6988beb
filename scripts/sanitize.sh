#!/usr/bin/env bash
# Run the C-kernel tests against an AddressSanitizer + UndefinedBehaviorSanitizer build of the C core.
#
#   bash scripts/sanitize.sh [pytest args]      (default: the kernel test files)
#
# The instrumented core is built in a scratch copy of the project (TINYGRAD_EDU_SANITIZE=1 makes
# csrc/build_ffi.py add -fsanitize=address,undefined), so the normal build is left untouched. Python itself
# is not instrumented, hence libasan is preloaded and leak checking (which would report the interpreter's
# own allocations) is off; any out-of-bounds access or undefined behaviour in our kernels aborts the run
# (test_alignment.py sends arrays not aligned to their element size through every kernel entry: a C load from
# one is undefined behaviour that UBSan reports).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$root/csrc" "$root/tinygrad_edu" "$root/tests" "$root/setup.py" "$root/pyproject.toml" "$scratch/"
rm -f "$scratch"/tinygrad_edu/_tge*.so
cd "$scratch"
TINYGRAD_EDU_SANITIZE=1 python setup.py -q build_ext --inplace >/dev/null 2>&1 \
  || { echo "sanitizer build failed"; TINYGRAD_EDU_SANITIZE=1 python setup.py build_ext --inplace; exit 1; }

source "$root/scripts/kernel_tests.sh"
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${KERNEL_TESTS[@]}")
# --capture=sys: a sanitizer writes its report to file descriptor 2 and ends the process at once, so pytest's default
# capture of that descriptor would swallow the report along with the test's output
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
TINYGRAD_EDU_BACKEND=c PYTHONPATH="$scratch" \
  python -m pytest -q -p no:cacheprovider --capture=sys "${tests[@]}"
echo "sanitizer run clean"
