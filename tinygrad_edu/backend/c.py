"""The C core behind a validating boundary.

Python checks dtype, shape, contiguity and aliasing here; the C kernels (csrc/) trust what they get.
Every function has the same signature and meaning as its twin in reference.py.
"""
import numpy as np

from .._tge import ffi, lib

NAME = "c"

_FLOAT_TYPES = {np.dtype(np.float32): ("float *", lib.tge_sgemm), np.dtype(np.float64): ("double *", lib.tge_dgemm)}


def simd_path():
    return ffi.string(lib.tge_simd_path()).decode()


def get_num_threads():
    return lib.tge_get_num_threads()


def set_num_threads(n):
    lib.tge_set_num_threads(int(n))


def _as_c_operand(x, name):
    """A C-contiguous view of x, or a contiguous copy when x is strided in a way C cannot describe."""
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    return x


def gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None):
    """out = alpha·op(a)·op(b) + beta·out for 2-D or batched 3-D arrays (op = transpose of the last two axes)."""
    if a.dtype != b.dtype or a.dtype not in _FLOAT_TYPES:
        raise TypeError(f"gemm: operands must both be float32 or both float64, got {a.dtype} and {b.dtype}")
    if a.ndim != b.ndim or a.ndim not in (2, 3):
        raise ValueError(f"gemm: operands must both be 2-D or both 3-D, got shapes {a.shape} and {b.shape}")
    a = _as_c_operand(a, "a")
    b = _as_c_operand(b, "b")
    batch = a.shape[0] if a.ndim == 3 else 1
    if a.ndim == 3 and b.shape[0] != batch:
        raise ValueError(f"gemm: batch sizes differ, shapes {a.shape} and {b.shape}")
    M, K = (a.shape[-1], a.shape[-2]) if trans_a else (a.shape[-2], a.shape[-1])
    Kb, N = (b.shape[-1], b.shape[-2]) if trans_b else (b.shape[-2], b.shape[-1])
    if K != Kb:
        raise ValueError(
            f"gemm: inner dimensions differ: op(a) is {M}x{K}, op(b) is {Kb}x{N} "
            f"(shapes {a.shape}{'ᵀ' if trans_a else ''} and {b.shape}{'ᵀ' if trans_b else ''})")
    out_shape = (batch, M, N) if a.ndim == 3 else (M, N)
    if out is None:
        out = np.empty(out_shape, dtype=a.dtype)
        beta = 0.0
    elif out.shape != out_shape or out.dtype != a.dtype or not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError(f"gemm: out must be a writeable C-contiguous {a.dtype} array of shape {out_shape}, "
                         f"got {out.dtype} {out.shape}")
    elif np.shares_memory(out, a) or np.shares_memory(out, b):
        raise ValueError("gemm: out must not overlap the operands")
    ctype, kernel = _FLOAT_TYPES[a.dtype]
    kernel(int(trans_a), int(trans_b), M, N, K, alpha,
           ffi.from_buffer(ctype, a), a.shape[-1], ffi.from_buffer(ctype, b), b.shape[-1], beta,
           ffi.from_buffer(ctype, out, require_writable=True), N,
           batch, M * K, K * N, M * N)
    return out
