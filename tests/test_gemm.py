"""The C GEMM against numpy: every transpose pair, both dtypes, awkward shapes, strides, alpha/beta, batches,
every SIMD path, and the same bits whatever the thread count."""
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.backend import empty_aligned
from tinygrad_edu.errors import DTypeError, ShapeError

c_backend = pytest.importorskip("tinygrad_edu.backend.c", reason="the C core is not built")

DTYPES = (np.float32, np.float64)
TRANSPOSES = list(itertools.product((False, True), repeat=2))
AWKWARD_SIZES = (0, 1, 2, 7, 13, 31, 33, 97)  # empty, single, below and just past the register tiles, primes
# Products of at most this many multiply-adds (M·N·K) read A in place; bigger ones pack it (SMALL_PRODUCT_MAX_VOLUME
# in csrc/gemm.c). 64x256x256 is right at the limit, 65x256x256 just past it.
SMALL_PRODUCT_MAX_VOLUME = 2**22
AT_THE_LIMIT, PAST_THE_LIMIT = (64, 256, 256), (65, 256, 256)
# X·Wᵀ products (trans_b only) with at most this many rows and more columns than rows are computed swapped, as
# Cᵀ = W·Xᵀ (SWAP_MAX_ROWS in csrc/gemm.c), unless Cᵀ's tiles would be emptier than C's; the bits never change.
SWAP_MAX_ROWS = 32
# an MLP's first two layers (X·Wᵀ with W 256x784 and 128x256), and N, K of 1, odd and prime
SWAP_COLUMNS_AND_SUMS = [(256, 784), (128, 256), (97, 1), (1, 13), (33, 97), (129, 7), (263, 300)]
# the three products of an MLP's 128->10 output layer at batch 32 and 256: X·Wᵀ, dY·W, dYᵀ·X
MLP_OUTPUT_LAYER = [(B, 10, 128, False, True) for B in (32, 256)] + [(B, 128, 10, False, False) for B in (32, 256)] + [
    (10, 128, B, True, False) for B in (32, 256)]


def operands(rng, M, N, K, dtype, trans_a, trans_b):
    a = rng.standard_normal((K, M) if trans_a else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if trans_b else (K, N)).astype(dtype)
    return a, b


def exact_product(a, b, trans_a, trans_b):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return np.matmul(np.swapaxes(a64, -1, -2) if trans_a else a64, np.swapaxes(b64, -1, -2) if trans_b else b64)


def assert_close(got, expected, a, b, K):
    # Each entry sums K products; float rounding grows at most like K·eps·Σ|a||b|, here bounded by
    # K·eps·max|a|·max|b| per entry, so that is the tolerance (a few ulps of the largest term, times K).
    eps = np.finfo(got.dtype).eps
    scale = max(1.0, float(np.abs(a).max(initial=0)) * float(np.abs(b).max(initial=0)))
    np.testing.assert_allclose(got, expected, rtol=0, atol=4 * max(K, 1) * eps * scale)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES)
def test_awkward_shapes_match_numpy(dtype, trans_a, trans_b):
    rng = np.random.default_rng(0)
    for M, N, K in itertools.product(AWKWARD_SIZES, repeat=3):
        if rng.random() > 0.25:  # a fixed quarter of the 512 combinations keeps the test fast
            continue
        a, b = operands(rng, M, N, K, dtype, trans_a, trans_b)
        got = c_backend.gemm(a, b, trans_a, trans_b)
        assert got.shape == (M, N) and got.dtype == dtype
        assert_close(got, exact_product(a, b, trans_a, trans_b), a, b, K)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("M, N, K", [(128, 256, 784), (300, 29, 1000), (3, 5, 3000), (1000, 3, 7), (257, 263, 269)])
def test_tall_skinny_and_large_shapes(dtype, M, N, K):
    rng = np.random.default_rng(1)
    for trans_a, trans_b in TRANSPOSES:
        a, b = operands(rng, M, N, K, dtype, trans_a, trans_b)
        assert_close(c_backend.gemm(a, b, trans_a, trans_b), exact_product(a, b, trans_a, trans_b), a, b, K)


@settings(deadline=None)
@given(M=st.integers(0, 70), N=st.integers(0, 70), K=st.integers(0, 300), trans=st.sampled_from(TRANSPOSES),
       dtype=st.sampled_from(DTYPES), alpha=st.sampled_from([1.0, -0.5, 2.0]), beta=st.sampled_from([0.0, 1.0, 0.25]),
       seed=st.integers(0, 2**32 - 1))
def test_random_shapes_alpha_beta(M, N, K, trans, dtype, alpha, beta, seed):
    rng = np.random.default_rng(seed)
    a, b = operands(rng, M, N, K, dtype, *trans)
    c0 = rng.standard_normal((M, N)).astype(dtype)
    out = c0.copy()
    c_backend.gemm(a, b, *trans, alpha=alpha, beta=beta, out=out)
    expected = alpha * exact_product(a, b, *trans) + beta * c0.astype(np.float64)
    assert_close(out, expected, a, b, K + 2)


def rows_of_op_a(a, trans_a, first, end):
    """The operand whose op() is rows first..end of op(a)."""
    return a[:, first:end] if trans_a else a[first:end]


@settings(deadline=None, max_examples=40)
@given(M=st.integers(1, 200), N=st.integers(1, 200), K=st.integers(1, 300), trans=st.sampled_from(TRANSPOSES),
       dtype=st.sampled_from(DTYPES), alpha=st.sampled_from([1.0, -0.7]), beta=st.sampled_from([0.0, 0.3]),
       seed=st.integers(0, 2**32 - 1))
def test_row_slices_get_the_bits_of_the_whole_product(M, N, K, trans, dtype, alpha, beta, seed):
    # Each element of C is summed the same way whatever tile it falls in (whole or cut by the edge), whether the
    # product is small enough to read A in place or packs it, and whether it is computed swapped (few rows, trans_b
    # only): shapes up to 200x200x300 fall on both sides of both limits, and any slice of op(A)'s rows gives exactly
    # those rows of C.
    rng = np.random.default_rng(seed)
    a, b = operands(rng, M, N, K, dtype, *trans)
    c0 = rng.standard_normal((M, N)).astype(dtype)
    whole = c_backend.gemm(a, b, *trans, alpha=alpha, beta=beta, out=c0.copy())
    first = int(rng.integers(0, M))
    end = int(rng.integers(first + 1, M + 1))
    part = c_backend.gemm(rows_of_op_a(a, trans[0], first, end), b, *trans, alpha=alpha, beta=beta,
                          out=c0[first:end].copy())
    assert np.array_equal(part, whole[first:end])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES)
def test_products_at_and_past_the_small_product_limit(dtype, trans_a, trans_b):
    assert np.prod(AT_THE_LIMIT) == SMALL_PRODUCT_MAX_VOLUME < np.prod(PAST_THE_LIMIT)
    rng = np.random.default_rng(7)
    a, b = operands(rng, *PAST_THE_LIMIT, dtype, trans_a, trans_b)  # packed
    packed = c_backend.gemm(a, b, trans_a, trans_b)
    assert_close(packed, exact_product(a, b, trans_a, trans_b), a, b, PAST_THE_LIMIT[2])
    in_place = c_backend.gemm(rows_of_op_a(a, trans_a, 0, AT_THE_LIMIT[0]), b, trans_a, trans_b)
    assert np.array_equal(in_place, packed[: AT_THE_LIMIT[0]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("N, K", SWAP_COLUMNS_AND_SUMS)
def test_swapped_products_match_numpy(dtype, N, K):
    rng = np.random.default_rng(9)
    for M in (1, 5, 8, 16, 17, SWAP_MAX_ROWS - 1, SWAP_MAX_ROWS, SWAP_MAX_ROWS + 1):
        x, w = operands(rng, M, N, K, dtype, False, True)
        assert_close(c_backend.gemm(x, w, False, True), exact_product(x, w, False, True), x, w, K)
        c0 = rng.standard_normal((M, N)).astype(dtype)
        out = c_backend.gemm(x, w, False, True, alpha=-0.5, beta=0.25, out=c0.copy())
        expected = -0.5 * exact_product(x, w, False, True) + 0.25 * c0.astype(np.float64)
        assert_close(out, expected, x, w, K + 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("N, K", SWAP_COLUMNS_AND_SUMS)
def test_swapped_products_have_the_bits_of_unswapped_ones(dtype, N, K):
    # Rows of X taken from a product just past the limit (not swapped) give exactly its rows, swapped or not; and
    # X·Wᵀ is bit for bit (W·Xᵀ)ᵀ, W·Xᵀ having more rows than the limit.
    rng = np.random.default_rng(10)
    x, w = operands(rng, SWAP_MAX_ROWS + 1, N, K, dtype, False, True)
    c0 = rng.standard_normal((SWAP_MAX_ROWS + 1, N)).astype(dtype)
    plain = c_backend.gemm(x, w, False, True)
    accumulated = c_backend.gemm(x, w, False, True, alpha=0.7, beta=0.3, out=c0.copy())
    for rows in (1, 5, 8, 16, 17, SWAP_MAX_ROWS):
        assert np.array_equal(c_backend.gemm(x[:rows], w, False, True), plain[:rows])
        part = c_backend.gemm(x[:rows], w, False, True, alpha=0.7, beta=0.3, out=c0[:rows].copy())
        assert np.array_equal(part, accumulated[:rows])
        assert np.array_equal(c_backend.gemm(x[:rows], w, False, True), c_backend.gemm(w, x[:rows], False, True).T)


@pytest.mark.parametrize("dtype", DTYPES)
def test_swapped_batched_products(dtype):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, SWAP_MAX_ROWS, 300)).astype(dtype)
    w = rng.standard_normal((3, 97, 300)).astype(dtype)
    c0 = rng.standard_normal((3, SWAP_MAX_ROWS, 97)).astype(dtype)
    got = c_backend.gemm(x, w, False, True, alpha=2.0, beta=0.5, out=c0.copy())
    assert_close(got, 2.0 * exact_product(x, w, False, True) + 0.5 * c0.astype(np.float64), x, w, 302)
    for b in range(3):
        one = c_backend.gemm(x[b], w[b], False, True, alpha=2.0, beta=0.5, out=c0[b].copy())
        assert np.array_equal(got[b], one)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("M, N, K, trans_a, trans_b", MLP_OUTPUT_LAYER)
def test_mlp_output_layer_products(dtype, M, N, K, trans_a, trans_b):
    rng = np.random.default_rng(8)
    a, b = operands(rng, M, N, K, dtype, trans_a, trans_b)
    c0 = rng.standard_normal((M, N)).astype(dtype)
    out = c_backend.gemm(a, b, trans_a, trans_b, alpha=0.5, beta=2.0, out=c0.copy())
    assert_close(out, 0.5 * exact_product(a, b, trans_a, trans_b) + 2.0 * c0.astype(np.float64), a, b, K + 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_beta_zero_never_reads_c(dtype):
    rng = np.random.default_rng(2)
    for M, N, K in [(9, 33, 17), (64, 64, 64), (5, 3, 0)]:
        a, b = operands(rng, M, N, K, dtype, False, False)
        out = np.full((M, N), np.nan, dtype=dtype)
        c_backend.gemm(a, b, beta=0.0, out=out)
        assert not np.isnan(out).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_non_contiguous_operands(dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 60)).astype(dtype)
    w = rng.standard_normal((30, 60)).astype(dtype)
    cases = [
        (x, w.T),                      # a transposed view: read through the flag, no copy
        (x[:, ::2], w[:, ::2].T),      # stepped slices
        (x[::-1], w.T[:, ::-1]),       # negative strides
        (x[5:25, 10:50], w.T[10:50]),  # windows of bigger arrays
        (np.asfortranarray(x), np.asfortranarray(w.T)),
    ]
    for a, b in cases:
        assert_close(c_backend.gemm(a, b), exact_product(a, b, False, False), a, b, a.shape[1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_batched_products(dtype):
    rng = np.random.default_rng(4)
    for trans_a, trans_b in TRANSPOSES:
        a = rng.standard_normal((5, 19, 11) if trans_a else (5, 11, 19)).astype(dtype)
        b = rng.standard_normal((5, 23, 19) if trans_b else (5, 19, 23)).astype(dtype)
        got = c_backend.gemm(a, b, trans_a, trans_b)
        assert got.shape == (5, 11, 23)
        assert_close(got, exact_product(a, b, trans_a, trans_b), a, b, 19)


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_bits_for_any_thread_count_and_repeated_calls(dtype):
    rng = np.random.default_rng(5)
    before = tg.backend_info()["num_threads"]
    try:
        # column bands (N >= M), row bands (1000x33, and the narrow tile at 600x10), one product too small to split,
        # products that read A in place (all but the first two) on either side of the small-product limit, and
        # products computed swapped when trans_b alone (the last three: bands of Cᵀ's tiles)
        for M, N, K in [(256, 300, 700), (37, 513, 129), (128, 10, 128), (1000, 33, 65), (600, 10, 200),
                        AT_THE_LIMIT, PAST_THE_LIMIT, (10, 128, 256), (32, 256, 784), (16, 263, 300), (7, 97, 31)]:
            for trans_a, trans_b in TRANSPOSES:
                a, b = operands(rng, M, N, K, dtype, trans_a, trans_b)
                c0 = rng.standard_normal((M, N)).astype(dtype)
                plain, accumulated = [], []
                for threads in (1, 2, 3, 1):
                    tg.set_num_threads(threads)
                    plain.append(c_backend.gemm(a, b, trans_a, trans_b))
                    accumulated.append(c_backend.gemm(a, b, trans_a, trans_b, alpha=0.7, beta=0.3, out=c0.copy()))
                for results in (plain, accumulated):
                    for other in results[1:]:
                        assert np.array_equal(results[0], other)
    finally:
        tg.set_num_threads(before)


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_bits_when_threads_share_a_product_in_pieces(dtype):
    """Products with enough tile columns or rows are shared out in pieces that the threads take as they get free
    (csrc/gemm_driver.inc): whoever computes which piece, C gets the bits of the one-thread product."""
    rng = np.random.default_rng(11)
    before = tg.backend_info()["num_threads"]
    try:
        # pieces of columns over several K chunks (a partial last piece), pieces of rows (packed A; A read in place in
        # the small 600x40x100), and with trans_b alone 24x1100x300 is computed swapped: pieces of Cᵀ's rows
        for M, N, K in [(100, 700, 1000), (1300, 90, 300), (600, 40, 100), (24, 1100, 300)]:
            for trans_a, trans_b in TRANSPOSES:
                a, b = operands(rng, M, N, K, dtype, trans_a, trans_b)
                c0 = rng.standard_normal((M, N)).astype(dtype)
                tg.set_num_threads(1)
                plain = c_backend.gemm(a, b, trans_a, trans_b)
                accumulated = c_backend.gemm(a, b, trans_a, trans_b, alpha=0.7, beta=0.3, out=c0.copy())
                assert_close(plain, exact_product(a, b, trans_a, trans_b), a, b, K)
                for threads in (2, 3, 4):
                    tg.set_num_threads(threads)
                    assert np.array_equal(c_backend.gemm(a, b, trans_a, trans_b), plain), (M, N, K, threads)
                    out = c_backend.gemm(a, b, trans_a, trans_b, alpha=0.7, beta=0.3, out=c0.copy())
                    assert np.array_equal(out, accumulated), (M, N, K, trans_a, trans_b, threads)
    finally:
        tg.set_num_threads(before)


def array_at_offset(shape, dtype, offset):
    """An uninitialised C-contiguous array whose data starts `offset` bytes past a cache line."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return empty_aligned(offset + nbytes, np.uint8)[offset:].view(dtype).reshape(shape)


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_bits_whichever_way_the_threads_split_c(dtype):
    """Threads split C into bands of rows instead of columns when column bands would share cache lines of C (C off a
    line, one K chunk): an output on a line and one 16 or 8 bytes past it take different splits, with the same bits."""
    rng = np.random.default_rng(9)
    before = tg.backend_info()["num_threads"]
    try:
        # weight gradients of an MLP at batch 32 (dYᵀ·X), a narrow and a swapped product, and one of several K chunks
        for M, N, K, trans_a, trans_b in [(256, 784, 32, True, False), (128, 256, 128, True, False),
                                          (200, 300, 64, False, False), (96, 10, 64, False, True),
                                          (24, 300, 100, False, True), (130, 260, 1000, False, False)]:
            a, b = operands(rng, M, N, K, dtype, trans_a, trans_b)
            c0 = rng.standard_normal((M, N)).astype(dtype)
            tg.set_num_threads(1)
            expected = c_backend.gemm(a, b, trans_a, trans_b, alpha=0.7, beta=0.3, out=c0.copy())
            for threads, offset in itertools.product((2, 3), (0, 8, 16)):
                tg.set_num_threads(threads)
                out = array_at_offset((M, N), dtype, offset)
                out[...] = c0
                c_backend.gemm(a, b, trans_a, trans_b, alpha=0.7, beta=0.3, out=out)
                assert np.array_equal(out, expected), (M, N, K, trans_a, trans_b, threads, offset)
    finally:
        tg.set_num_threads(before)


# Small products (A read in place: the MLP output layer, 70x90x300, 64x256x256 at the limit) and packed ones
# (65x256x256 just past it, 300x200x100); the first 64 rows of the one past the limit must have the bits of the
# one at it. With trans_b alone, 33x256x784 is past the swap limit and its first 32, 16 and 8 rows are not (whether
# they are swapped depends on the path's tiles); they too must have its bits.
CHECK_PATH = """
import numpy as np, itertools, tinygrad_edu as tg
from tinygrad_edu.backend import c
print(tg.backend_info()["simd"])
rng = np.random.default_rng(0)
shapes = [(1, 1, 1), (13, 37, 29), (70, 90, 300), (45, 10, 300), (256, 10, 128), (10, 128, 256), (256, 128, 10),
          (64, 256, 256), (65, 256, 256), (300, 200, 100), (33, 256, 784)]
for dtype, (M, N, K), (ta, tb) in itertools.product((np.float32, np.float64), shapes,
                                                   itertools.product((False, True), repeat=2)):
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
    ref = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
    got = c.gemm(a, b, ta, tb)
    err = np.abs(got - ref).max()
    assert err < 4 * K * np.finfo(dtype).eps * np.abs(a).max() * np.abs(b).max(), (dtype, M, N, K, ta, tb, err)
    if (M, N, K) == (65, 256, 256):
        assert np.array_equal(c.gemm(a[:, :64] if ta else a[:64], b, ta, tb), got[:64]), (dtype, ta, tb)
    if (M, N, K) == (33, 256, 784) and (ta, tb) == (False, True):
        for rows in (8, 16, 32):
            assert np.array_equal(c.gemm(a[:rows], b, ta, tb), got[:rows]), (dtype, rows)
print("ok")
"""


@pytest.mark.parametrize("path", ["avx512", "avx2", "portable"])
def test_every_simd_path(path):
    env = dict(os.environ, TINYGRAD_EDU_SIMD=path, TINYGRAD_EDU_BACKEND="c")
    result = subprocess.run([sys.executable, "-c", CHECK_PATH], check=False, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    chosen, status = result.stdout.split()
    if chosen != path:
        pytest.skip(f"this CPU has no {path}; it ran {chosen}")
    assert status == "ok"


def test_boundary_errors_name_shapes_and_dtypes():
    a32, b64 = np.ones((2, 3), np.float32), np.ones((3, 4), np.float64)
    with pytest.raises(DTypeError, match="float32 and float64"):
        c_backend.gemm(a32, b64)
    with pytest.raises(DTypeError):
        c_backend.gemm(np.ones((2, 3), np.int64), np.ones((3, 4), np.int64))
    with pytest.raises(ShapeError, match="inner dimensions differ"):
        c_backend.gemm(a32, np.ones((4, 4), np.float32))
    with pytest.raises(ShapeError, match="2-D or both 3-D"):
        c_backend.gemm(np.ones(3, np.float32), np.ones(3, np.float32))
    with pytest.raises(ShapeError, match="batch sizes differ"):
        c_backend.gemm(np.ones((2, 2, 3), np.float32), np.ones((3, 3, 4), np.float32))
    with pytest.raises(ShapeError, match="out must be"):
        c_backend.gemm(a32, np.ones((3, 4), np.float32), out=np.empty((4, 2), np.float32))
    with pytest.raises(ValueError, match="overlap"):
        square = np.ones((3, 3), np.float32)
        c_backend.gemm(square, square, out=square)
    with pytest.raises(ShapeError, match=r"writeable C-contiguous array, got a \(2, 4\) array with strides"):
        c_backend.gemm(a32, np.ones((3, 4), np.float32), out=np.empty((4, 2), np.float32).T)
    read_only = np.empty((2, 4), np.float32)
    read_only.flags.writeable = False
    with pytest.raises(ShapeError, match="writeable=False"):
        c_backend.gemm(a32, np.ones((3, 4), np.float32), out=read_only)


def test_tensor_matmul_and_linear_use_the_kernel_both_ways():
    rng = np.random.default_rng(6)
    x = tg.tensor(rng.standard_normal((16, 20)), dtype="float64", requires_grad=True)
    w = tg.tensor(rng.standard_normal((20, 12)), dtype="float64", requires_grad=True)
    (x @ w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones((16, 12)) @ w.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), x.numpy().T @ np.ones((16, 12)), rtol=1e-12)
