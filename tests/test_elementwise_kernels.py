"""The C layer passes (ReLU forward and backward, bias add, bias gradient) against their numpy twins: the same bits, special values
included, for awkward sizes, strided inputs and any thread count."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backend import reference

c = pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")

DTYPES = [np.float32, np.float64]
SIZES = [0, 1, 2, 7, 31, 97, 1024, 4099, 2 * 65536 + 3]  # the last is above the threading threshold
SPECIAL = [0.0, -0.0, 1.0, -1.0, np.nan, -np.nan, np.inf, -np.inf, 1e-45, -1e-45, 5e-324, 3.0e38]


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def same_sums(a, b):
    """Same bits, except that a NaN may carry either sign: with two NaN terms IEEE 754 leaves open which one a sum
    passes on, and compilers swap the operands of an addition freely (numpy's own SIMD loops included)."""
    nan = np.isnan(a)
    return np.array_equal(nan, np.isnan(b)) and same_bits(np.where(nan, 0, a), np.where(nan, 0, b))


def values(rng, n, dtype):
    """Normal values with the special ones (signed zeros, NaNs, infinities, subnormals) sprinkled in."""
    x = rng.standard_normal(n).astype(dtype)
    if n:
        picks = rng.integers(0, n, size=min(n, 3 * len(SPECIAL)))
        x[picks] = np.array(SPECIAL * 3, dtype=dtype)[:len(picks)]
    return x


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_and_its_backward_match_numpy_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    for n in SIZES:
        x, grad = values(rng, n, dtype), values(rng, n, dtype)
        with np.errstate(invalid="ignore"):  # inf·0 is NaN in both, as intended
            out = c.relu(x)
            assert same_bits(out, reference.relu(x)), n
            assert same_bits(c.relu_backward(grad, out), reference.relu_backward(grad, out)), n


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_bias_matches_numpy_bit_for_bit(dtype):
    rng = np.random.default_rng(1)
    for rows, cols in [(0, 5), (5, 0), (1, 1), (7, 13), (300, 257), (1000, 131)]:
        y, bias = values(rng, rows * cols, dtype).reshape(rows, cols), values(rng, cols, dtype)
        expected = y.copy()
        reference.add_bias(expected, bias)
        c.add_bias(y, bias)
        assert same_bits(y, expected), (rows, cols)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_rows_matches_numpy_bit_for_bit(dtype):
    rng = np.random.default_rng(4)
    shapes = [(0, 5), (5, 0), (1, 1), (1, 7), (6, 1), (2, 2), (7, 13), (37, 17), (300, 257), (1000, 131),
              (512, 10), (3, 65536 + 5)]  # the last ones above the threading threshold, with ragged cache lines
    for rows, cols in shapes:
        x = values(rng, rows * cols, dtype).reshape(rows, cols)
        with np.errstate(invalid="ignore", over="ignore"):
            assert same_sums(c.sum_rows(x), reference.sum_rows(x)), (rows, cols)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_rows_of_sums_that_depend_on_the_order(dtype):
    """Terms of wildly different sizes: any other order than numpy's row by row would change the result."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((257, 19)) * 10.0 ** rng.integers(-8, 9, (257, 19))).astype(dtype)
    assert same_bits(c.sum_rows(x), reference.sum_rows(x))
    assert not same_bits(c.sum_rows(x), reference.sum_rows(x[::-1]))  # the order does show in these sums


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_rows_of_negative_zeros_is_positive_zero_as_in_numpy(dtype):
    """numpy's sum starts from its identity, +0, so a column of −0 sums to +0 (−0 + −0 alone would stay −0); no rows
    at all sum to +0 too."""
    for rows, cols in [(0, 5), (1, 2), (2, 3), (5, 17), (300, 257), (3, 65536 + 5)]:
        x = np.full((rows, cols), -0.0, dtype)
        x[:, ::3] = 1.5  # columns that are not all −0 keep their sums
        assert same_bits(c.sum_rows(x), reference.sum_rows(x)), (rows, cols)
        assert not np.signbit(c.sum_rows(x)).any(), (rows, cols)


def nan_with_payload(dtype, payload, negative):
    """A quiet NaN whose low bits are `payload`, with the sign bit set when `negative`."""
    bits = np.dtype(f"u{np.dtype(dtype).itemsize}")
    sign, quiet = (1 << 31, 0x7FC00000) if dtype == np.float32 else (1 << 63, 0x7FF8000000000000)
    return np.array(quiet | payload | (sign if negative else 0), bits).view(dtype)[()]


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_bias_keeps_the_nan_of_y_where_both_are_nan(dtype):
    """IEEE leaves open which of two NaNs a sum passes on, and numpy's answer depends on the column (its vector loop and
    its scalar tail differ): the kernel gives y's NaN in every column, for rows short and long, on any thread count."""
    y_nan, bias_nan = nan_with_payload(dtype, 1, False), nan_with_payload(dtype, 2, True)
    before = tg.backend_info()["num_threads"]
    try:
        for threads in (1, 2):
            tg.set_num_threads(threads)
            for rows, cols in [(1, 1), (3, 7), (4, 33), (2, 100), (1100, 130)]:
                y, bias = np.full((rows, cols), y_nan, dtype), np.full(cols, bias_nan, dtype)
                y[:, 1::2] = 2.0  # and a NaN bias where y is not NaN gives bias's NaN
                c.add_bias(y, bias)
                assert same_bits(y[:, ::2], np.full_like(y[:, ::2], y_nan)), (rows, cols)
                assert same_bits(y[:, 1::2], np.full_like(y[:, 1::2], bias_nan)), (rows, cols)
    finally:
        tg.set_num_threads(before)


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_and_transposed_inputs(dtype):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((40, 30)).astype(dtype)
    for x in (base[:, ::2], base.T, base[::3, 1:]):
        out = c.relu(x)
        assert same_bits(out, reference.relu(np.ascontiguousarray(x)))
        grad = rng.standard_normal(x.shape).astype(dtype)
        assert same_bits(c.relu_backward(grad.T.copy().T, out), reference.relu_backward(grad, out))
    y = np.zeros((30, 40), dtype)[:, ::2]  # not contiguous: numpy's in-place add does it
    c.add_bias(y, base[0, :20])
    assert np.array_equal(y, np.broadcast_to(base[0, :20], y.shape))
    for x in (base[:, ::2], base.T, base[::3, 1:]):
        assert same_bits(c.sum_rows(x), reference.sum_rows(np.ascontiguousarray(x)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_read_only_arrays(dtype):
    """The passes read a read-only input in place; add_bias into a read-only y raises, as numpy's += does."""
    x = np.arange(-6, 6, dtype=dtype).reshape(3, 4)
    x.flags.writeable = False
    assert same_bits(c.relu(x), reference.relu(x))
    assert same_bits(c.sum_rows(x), reference.sum_rows(x))
    assert same_bits(c.relu_backward(x, x), reference.relu_backward(x, x))
    with pytest.raises(ValueError, match="read-only"):
        c.add_bias(x, np.ones(4, dtype))


def test_other_dtypes_take_the_numpy_line():
    ints = np.array([-2, 0, 3])
    assert np.array_equal(c.relu(ints), [0, 0, 3]) and c.relu(ints).dtype == ints.dtype
    assert np.array_equal(c.relu_backward(np.array([1.0, 2.0, 3.0], np.float32), ints), [0, 0, 3])
    y = np.ones((2, 3), np.float32)
    c.add_bias(y, np.arange(3, dtype=np.float64))  # mixed dtypes: numpy's casting rules decide, as in reference
    assert np.array_equal(y, [[1, 2, 3], [1, 2, 3]])
    assert np.array_equal(c.sum_rows(np.arange(6).reshape(3, 2)), [6, 9])
    assert np.array_equal(c.sum_rows(np.ones((2, 3, 4), np.float32)), np.full((3, 4), 2))


def test_a_bias_inside_y_is_refused():
    y = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="shares memory"):
        c.add_bias(y, y[1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_bits_for_any_thread_count(dtype):
    rng = np.random.default_rng(3)
    x, grad = values(rng, 3 * 65536 + 1, dtype), values(rng, 3 * 65536 + 1, dtype)
    before = tg.backend_info()["num_threads"]
    try:
        results = []
        for threads in (1, 2, 3):
            tg.set_num_threads(threads)
            y = x.reshape(-1, 1)[:-1].reshape(-1, 64).copy()
            c.add_bias(y, x[:64])
            with np.errstate(invalid="ignore"):
                results.append((c.relu(x), c.relu_backward(grad, c.relu(x)), y, c.sum_rows(y), c.sum_rows(y[:, :50])))
    finally:
        tg.set_num_threads(before)
    for other in results[1:]:
        assert all(same_bits(a, b) for a, b in zip(results[0][:3], other[:3]))
        assert all(same_sums(a, b) for a, b in zip(results[0][3:], other[3:]))
