"""The only place that knows where kernels live.

`current` is the active kernel module (c or reference); ops call `backend.current.gemm(...)`.
TINYGRAD_EDU_BACKEND=numpy|c forces a choice; by default the C core is used when it was built.
"""
import os
import warnings

import numpy as np

from . import reference

_BUILD_HINT = "build it with `pip install .` (or `pip install -e .`) from the project root; a C compiler is needed"


def _load_c():
    """The C backend module, or the ImportError explaining why it is unavailable."""
    try:
        from . import c
    except ImportError as exc:  # the compiled module is missing or failed to load
        return exc
    return c


def _choose(requested):
    if requested not in ("", "c", "numpy"):
        raise ValueError(f"TINYGRAD_EDU_BACKEND must be 'c' or 'numpy', got {requested!r}")
    if requested == "numpy":
        return reference
    c_module = _load_c()
    if not isinstance(c_module, ImportError):
        return c_module
    if requested == "c":
        raise ImportError(f"TINYGRAD_EDU_BACKEND=c but the C core is not built ({c_module}); {_BUILD_HINT}")
    warnings.warn(f"tinygrad_edu: C core unavailable ({c_module}); using the numpy reference backend. "
                  f"To get the fast kernels, {_BUILD_HINT}.", RuntimeWarning, stacklevel=3)
    return reference


current = _choose(os.environ.get("TINYGRAD_EDU_BACKEND", "").strip().lower())


def use(name):
    """Switch every kernel to backend `name` ('c' or 'numpy') for the rest of the process."""
    global current
    if name not in ("c", "numpy"):
        raise ValueError(f"backend must be 'c' or 'numpy', got {name!r}")
    current = _choose(name)
    return current


def backend_info():
    """Which backend is active, the SIMD path the C core picked for this CPU, and its thread count."""
    c_module = _load_c()
    c_built = not isinstance(c_module, ImportError)
    return {
        "backend": current.NAME,
        "c_core_built": c_built,
        "simd": c_module.simd_path() if c_built else None,
        "num_threads": c_module.get_num_threads() if c_built else 1,
    }


def set_num_threads(n):
    """Set how many threads the C core's matrix products and big optimizer updates use (results are bit-identical
    for any count). A process forked (os.fork, multiprocessing's default on Linux) after the C core started stays
    on one thread: OpenMP's worker threads do not survive fork, and waiting for them would hang."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    c_module = _load_c()
    if not isinstance(c_module, ImportError) and c_module.set_num_threads(n) < n:
        warnings.warn(f"set_num_threads({n}): this process was forked after the C core started, so it stays on one "
                      f"thread (use the 'spawn' start method of multiprocessing for threaded workers)",
                      RuntimeWarning, stacklevel=2)


# The C core reads a weight matrix in place when only a few rows multiply it (dX = dY·W at small batches), and a row
# off a cache line splits its vector loads across two lines (CACHE_LINE in csrc/gemm.c; see docs/performance.md,
# empty_aligned). Weights are made once, so aligning them costs nothing during training.
CACHE_LINE = 64


def empty_aligned(shape, dtype):
    """An uninitialised C-contiguous array whose data starts on a 64-byte boundary (a cache line, an AVX-512 vector)."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    spare = np.empty(nbytes + CACHE_LINE, np.uint8)
    skip = -spare.__array_interface__["data"][0] % CACHE_LINE
    return spare[skip:skip + nbytes].view(dtype).reshape(shape)
