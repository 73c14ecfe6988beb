"""numpy versions of every kernel: the oracle the C core is tested against, and the fallback backend.

Each function takes and returns plain numpy arrays and has the same signature as its twin in c.py.
"""
import numpy as np

NAME = "numpy"


def simd_path():
    return "none (numpy reference)"


def get_num_threads():
    return 1


def set_num_threads(n):
    """The reference backend is single-threaded from our side (numpy's BLAS manages its own threads)."""


def gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None):
    """out = alpha·op(a)·op(b) + beta·out for 2-D or batched 3-D arrays (op = transpose of the last two axes)."""
    a_op = np.swapaxes(a, -1, -2) if trans_a else a
    b_op = np.swapaxes(b, -1, -2) if trans_b else b
    product = np.matmul(a_op, b_op)
    if alpha != 1.0:
        product *= alpha
    if out is None:
        return product
    if beta == 0.0:
        out[...] = product
    else:
        out *= beta
        out += product
    return out
