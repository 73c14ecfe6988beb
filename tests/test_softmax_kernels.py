"""The C row-wise log softmax against its numpy twin: awkward shapes, strided inputs, special values, any thread
count, and its refusal of an output that overlaps the input."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backend import reference

c = pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")

DTYPES = [np.float32, np.float64]
ROWS = [0, 1, 2, 7, 31, 97]
CLASSES = [1, 2, 10, 17, 1000]


def assert_close(ours, numpy_line):
    """Within 4 ulp of the dtype, not bit for bit: exp and log are not IEEE-exact operations, and libm (the C core) and
    numpy's SIMD loops round them differently by an ulp or two. The ulp is that of max(1, |value|): log Σ e^(z − max)
    is the log of a sum of at least 1, known to a few ε in absolute terms, not relative to a result near 0.
    Infinities and NaNs must stand in the same places."""
    assert ours.dtype == numpy_line.dtype and ours.shape == numpy_line.shape
    four_ulp = 4 * np.finfo(ours.dtype).eps
    np.testing.assert_allclose(ours, numpy_line, rtol=four_ulp, atol=four_ulp)


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_matches_numpy(dtype):
    rng = np.random.default_rng(0)
    for rows in ROWS:
        for classes in CLASSES:
            z = (5 * rng.standard_normal((rows, classes))).astype(dtype)
            assert_close(c.log_softmax(z), reference.log_softmax(z))


@pytest.mark.parametrize("dtype", DTYPES)
def test_long_rows_stay_within_an_ulp_or_two_of_the_exact_value(dtype):
    """The terms are summed by halves: one after another, 100 000 of them drift hundreds of ulp (float32)."""
    z = (5 * np.random.default_rng(1).standard_normal((3, 100_000))).astype(dtype)
    exact = reference.log_softmax(z.astype(np.longdouble))
    two_ulp = 2 * np.finfo(dtype).eps
    np.testing.assert_allclose(c.log_softmax(z).astype(np.longdouble), exact, rtol=two_ulp, atol=two_ulp)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_inputs_give_empty_results(dtype):
    """No rows, or rows of no classes (on which np.max would raise): an empty result, from both backends."""
    for shape in [(0, 5), (3, 0), (0, 0)]:
        z = np.ones(shape, dtype)
        for backend in (c, reference):
            out = backend.log_softmax(z)
            assert out.shape == shape and out.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_and_transposed_inputs(dtype):
    base = np.random.default_rng(2).standard_normal((40, 30)).astype(dtype)
    for z in (base.T, base[:, ::2], base[::3, 1:], base[:, :1]):
        assert_close(c.log_softmax(z), reference.log_softmax(z))
        assert same_bits(c.log_softmax(z), c.log_softmax(np.ascontiguousarray(z)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_as_numpy_gives_them(dtype):
    """A NaN or +inf in a row, or a row of only −inf, makes the whole row NaN (inf − inf); a −inf among finite logits
    gives −inf; huge finite logits give finite results except where z − max overflows to −inf."""
    nan, inf, big = np.nan, np.inf, np.finfo(dtype).max
    z = np.array([[1, nan, 2], [inf, 1, 2], [inf, inf, 1], [-inf, -inf, -inf], [-inf, inf, 0],
                  [-inf, 1, 1], [big, big, -big], [big, -big, 0], [-big, -big, -big]], dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = reference.log_softmax(z)
        ours = c.log_softmax(z)
    assert np.isnan(expected[:5]).all()
    assert expected[5, 0] == -inf and expected[5, 1] == expected[5, 2] == -np.log(dtype(2))
    log2, log3 = np.log(dtype(2)), np.log(dtype(3))
    assert np.array_equal(expected[6:], [[-log2, -log2, -inf], [0, -inf, -big], [-log3, -log3, -log3]])
    assert_close(ours, expected)


# each above PARALLEL_MIN_ELEMENTS, with ragged thread shares
THREADED_SHAPES = [(4099, 17), (7001, 10), (67, 1000)]


def assert_same_bits_for_any_thread_count(compute):
    """compute() returns a list of arrays: they must be the same, bit for bit, with 1, 2 and 3 threads."""
    before = tg.backend_info()["num_threads"]
    try:
        results = []
        for threads in (1, 2, 3):
            tg.set_num_threads(threads)
            results.append(compute())
    finally:
        tg.set_num_threads(before)
    for other in results[1:]:
        assert all(same_bits(a, b) for a, b in zip(results[0], other))


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_bits_for_any_thread_count(dtype):
    rng = np.random.default_rng(3)
    inputs = [rng.standard_normal(shape).astype(dtype) for shape in THREADED_SHAPES]
    assert_same_bits_for_any_thread_count(lambda: [c.log_softmax(z) for z in inputs])


def test_an_output_overlapping_the_input_is_refused():
    """c.log_softmax always writes a fresh array, so the kernel is called directly with aliasing buffers."""
    from tinygrad_edu._tge import ffi, lib
    z = np.random.default_rng(4).standard_normal((6, 10)).astype(np.float32)
    untouched = z.copy()
    same = ffi.from_buffer("float *", z)
    assert lib.tge_log_softmax_rows_f32(6, 10, same, same) == -2
    assert lib.tge_log_softmax_rows_f32(5, 10, same, ffi.from_buffer("float *", z[1:])) == -2  # shifted by a row
    assert same_bits(z, untouched)
    apart = np.empty_like(z)
    assert lib.tge_log_softmax_rows_f32(6, 10, same, ffi.from_buffer("float *", apart)) == 0


def test_other_dtypes_and_ranks_take_the_numpy_line():
    ints = np.array([[1, 2, 3], [0, 0, 0]])
    assert same_bits(c.log_softmax(ints), reference.log_softmax(ints))
    halves = np.array([[1, 2, 3]], np.float16)
    assert same_bits(c.log_softmax(halves), reference.log_softmax(halves))
    cube = np.random.default_rng(5).standard_normal((3, 4, 5))
    assert_close(c.log_softmax(cube), reference.log_softmax(cube))  # over the last axis, like a stack of rows
    assert_close(c.log_softmax(cube[0, 0]), reference.log_softmax(cube[0, 0]))


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_softmax_ops_along_any_axis(axis):
    """Softmax and LogSoftmax hand the backend rows along their axis: every axis gives the numpy formula."""
    z = np.random.default_rng(6).standard_normal((3, 4, 5))
    shifted = z - z.max(axis=axis, keepdims=True)
    expected = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    np.testing.assert_allclose(tg.Tensor(z).log_softmax(axis=axis).data, expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(tg.Tensor(z).softmax(axis=axis).data, np.exp(expected), rtol=1e-14, atol=1e-14)


# ---- the fused cross-entropy: forward (log softmax, pick, index check) and backward (softmax − one-hot, scaled) ----
def _targets(rng, rows, classes, dtype=np.int64):
    return rng.integers(0, classes, rows).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_matches_numpy(dtype):
    rng = np.random.default_rng(7)
    for rows in [1, 2, 7, 31, 97]:
        for classes in CLASSES:
            z = (5 * rng.standard_normal((rows, classes))).astype(dtype)
            target = _targets(rng, rows, classes)
            probs, losses = c.cross_entropy(z, target)
            expected_probs, expected_losses = reference.cross_entropy(z, target)
            assert_close(probs, expected_probs)
            assert_close(losses, expected_losses)
            # the loss is the log softmax kernel's value at the target, bit for bit
            assert same_bits(losses, -c.log_softmax(z)[np.arange(rows), target])
            for scale in (1.0, dtype(1 / rows), dtype(-2.5)):  # the same operations as numpy's line, on the same probs
                assert same_bits(c.cross_entropy_backward(probs, target, scale),
                                 reference.cross_entropy_backward(probs, target, scale))


@pytest.mark.parametrize("index_dtype", [np.int32, np.uint8, np.int16, np.uint64])
def test_cross_entropy_takes_any_integer_indices(index_dtype):
    rng = np.random.default_rng(8)
    z = rng.standard_normal((9, 10)).astype(np.float32)
    target = _targets(rng, 9, 10)
    expected = c.cross_entropy(z, target)
    ours = c.cross_entropy(z, target.astype(index_dtype))
    assert all(same_bits(a, b) for a, b in zip(ours, expected))
    probs = expected[0]
    assert same_bits(c.cross_entropy_backward(probs, target.astype(index_dtype), 0.5),
                     c.cross_entropy_backward(probs, target, 0.5))


def test_cross_entropy_strided_inputs():
    rng = np.random.default_rng(9)
    base = rng.standard_normal((40, 30)).astype(np.float32)
    for z in (base.T, base[:, ::2], base[::3, 1:]):
        target = _targets(rng, z.shape[0], z.shape[1])
        strided_target = np.repeat(target, 2)[::2]  # a view with a stride of two elements
        ours = c.cross_entropy(z, strided_target)
        contiguous = c.cross_entropy(np.ascontiguousarray(z), target)
        assert all(same_bits(a, b) for a, b in zip(ours, contiguous))
        assert same_bits(c.cross_entropy_backward(ours[0].T.copy().T, strided_target, 2.0),
                         c.cross_entropy_backward(ours[0], target, 2.0))


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_cross_entropy_refuses_class_indices_out_of_range(backend):
    """Both backends name the range and the values; the C kernels check every index before they read with it, in the
    backward pass too (the target array may have been changed in place since the forward pass)."""
    kernels = c if backend == "c" else reference
    z = np.zeros((4, 3), np.float32)
    for bad in ([0, 1, 3, 2], [0, -1, 2, 2], [5, 0, 0, 0]):
        target = np.array(bad)
        with pytest.raises(tg.ShapeError, match=r"cross_entropy: class indices must lie in \[0, 3\), got values in"):
            kernels.cross_entropy(z, target)
        with pytest.raises(tg.ShapeError, match=r"\[0, 3\)"):
            kernels.cross_entropy_backward(z, target, 1.0)
    with pytest.raises(tg.ShapeError, match=r"\[0, 3\)"):  # 2**63 + 1 is -2**63 + 1 as an int64: still refused
        kernels.cross_entropy(z, np.array([0, 1, 2, 2**63 + 1], np.uint64))


def test_cross_entropy_index_changed_between_forward_and_backward_is_refused():
    logits = tg.Tensor(np.zeros((3, 4), np.float32), requires_grad=True)
    target = tg.Tensor(np.array([0, 1, 2]))
    loss = tg.nn.functional.cross_entropy(logits, target)
    target.data[1] = 4
    with pytest.raises(tg.ShapeError, match=r"\[0, 4\)"):
        loss.backward()


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_same_bits_for_any_thread_count(dtype):
    rng = np.random.default_rng(10)
    inputs = [(rng.standard_normal(shape).astype(dtype), _targets(rng, *shape)) for shape in THREADED_SHAPES]

    def forward_and_backward():
        arrays = []
        for z, target in inputs:
            probs, losses = c.cross_entropy(z, target)
            arrays += [probs, losses, c.cross_entropy_backward(probs, target, 0.25)]
        return arrays
    assert_same_bits_for_any_thread_count(forward_and_backward)


def test_cross_entropy_kernels_refuse_overlapping_buffers():
    """c.cross_entropy always writes fresh arrays, so the kernels are called directly with aliasing buffers."""
    from tinygrad_edu._tge import ffi, lib
    z = np.random.default_rng(11).standard_normal((6, 10)).astype(np.float32)
    target = np.arange(6, dtype=np.int64)
    untouched = z.copy()
    z_pointer, target_pointer = ffi.from_buffer("float *", z), ffi.from_buffer("int64_t *", target)
    losses = ffi.from_buffer("float *", np.empty(6, np.float32))
    assert lib.tge_cross_entropy_rows_f32(6, 10, z_pointer, target_pointer, z_pointer, losses) == -2
    assert lib.tge_cross_entropy_rows_f32(6, 10, z_pointer, target_pointer, losses, z_pointer) == -2
    assert lib.tge_cross_entropy_backward_rows_f32(6, 10, z_pointer, target_pointer, 1.0, z_pointer) == -2
    assert same_bits(z, untouched)


def test_cross_entropy_other_dtypes_and_shapes_take_the_numpy_line():
    target = np.array([0, 2])
    halves = np.array([[1, 2, 3], [0, 0, 0]], np.float16)
    assert all(same_bits(a, b) for a, b in zip(c.cross_entropy(halves, target), reference.cross_entropy(halves, target)))
    empty = np.zeros((0, 3), np.float32)
    probs, losses = c.cross_entropy(empty, np.zeros(0, np.int64))
    assert probs.shape == (0, 3) and losses.shape == (0,)


@pytest.mark.parametrize("axis", [0, 1, -2, (0, 2), (2, 0), None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_over_other_axes_matches_numpy(axis, dtype):
    """The C backend moves the softmax axes to the end for its row kernel; the result is numpy's along those axes."""
    z = np.random.default_rng(3).standard_normal((3, 4, 5)).astype(dtype) * 5
    assert_close(c.log_softmax(z, axis), reference.log_softmax(z, axis))
    x = tg.tensor(z.astype(np.float64), requires_grad=True)
    assert tg.gradcheck(lambda t: t.log_softmax(axis=axis), x)
    assert tg.gradcheck(lambda t: t.softmax(axis=axis), x)
