"""cffi builder for the C core (API mode, out-of-line), run by setup.py through `cffi_modules`.

The declarations cffi needs are the lines of tge.h between the CDEF markers, so the header stays the
single description of the ABI. Set TINYGRAD_EDU_SANITIZE=1 at install time for an
AddressSanitizer + UndefinedBehaviorSanitizer build (see scripts/sanitize.sh).
"""
import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = ["gemm.c", "optim.c", "elementwise.c", "peak.c"]


def read_cdef():
    with open(os.path.join(HERE, "tge.h")) as f:
        header = f.read()
    match = re.search(r"/\* CDEF-BEGIN \*/(.*)/\* CDEF-END \*/", header, re.S)
    return match.group(1)


def compile_flags():
    """Portable optimised flags: ISA-specific code is selected at run time, never by -march=native."""
    # -fno-math-errno: sqrt() that may set errno cannot be vectorised, and the C core never reads errno.
    # -fno-trapping-math: nothing reads the floating-point exception flags, so a product may be computed on both
    # sides of a select and the loop vectorised (ReLU's backward grad·[out > 0] stayed a branchy scalar loop);
    # results are unchanged, every operation is still IEEE-rounded in the written order.
    # -fopenmp: the GEMM's worker threads (split over output tiles, see csrc/gemm_driver.inc).
    cflags = ["-O3", "-std=c11", "-fno-strict-aliasing", "-fno-math-errno", "-fno-trapping-math", "-pthread",
              "-fopenmp"]
    ldflags = ["-pthread", "-fopenmp"]
    if os.environ.get("TINYGRAD_EDU_SANITIZE") == "1":
        san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-O1"]
        cflags += san
        ldflags += san
    return cflags, ldflags


ffibuilder = FFI()
ffibuilder.cdef(read_cdef())
_cflags, _ldflags = compile_flags()
ffibuilder.set_source(
    "tinygrad_edu._tge",
    '#include "tge.h"',
    sources=[os.path.relpath(os.path.join(HERE, s)) for s in SOURCES],
    include_dirs=[os.path.relpath(HERE)],
    depends=[os.path.relpath(os.path.join(HERE, f))
             for f in ("tge.h", "overlap.h", "parallel.h", "multiversion.h", "optim_kernels.inc",
                       "elementwise_kernels.inc", "gemm_driver.inc", "gemm_ukernel.inc", "gemm_isa_end.inc")],
    extra_compile_args=_cflags,
    extra_link_args=_ldflags,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
