"""Arrays whose data is not aligned to their element size (np.frombuffer at an odd offset, a slice of raw bytes), at
every entry of the C backend: inputs give what the numpy reference gives, because they are copied before a pointer
crosses (a C load from them is undefined behaviour, which the sanitizer run, scripts/sanitize.sh, reports); outputs
that C writes in place are updated through an aligned copy or refused by name, as backend/c.py's docstrings say."""
import itertools

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend, nn, optim
from tinygrad_edu.backend import reference
from tinygrad_edu.errors import ShapeError
from test_elementwise_kernels import SIZES as PASS_SIZES, same_bits, same_sums, values
from test_gemm import TRANSPOSES, array_at_offset, exact_product, operands
from test_gemm import assert_close as assert_product_close
from test_optim_kernels import KERNELS, SIZES as UPDATE_SIZES, VARIANTS, _run
from test_softmax_kernels import _targets, assert_close as assert_softmax_close

c = pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")

DTYPES = [np.float32, np.float64]


def at_offset(array, offset=1):
    """A copy of `array` in memory `offset` bytes past a cache line: with the default 1, aligned to no element size."""
    moved = array_at_offset(array.shape, array.dtype, offset)
    moved[...] = array
    assert moved.flags.aligned == (offset % array.itemsize == 0 or moved.size == 0)
    return moved


class OnMisalignedMemory:
    """The C backend, each kernel called with its first two arguments (the layer passes' inputs, add_bias's y, an
    optimizer's param and grad) moved to misaligned memory; they are copied back after the call, so what a kernel
    writes in place into a misaligned buffer is what the caller sees."""

    def __getattr__(self, name):
        kernel = getattr(c, name)

        def call(*args, **kwargs):
            moved = [at_offset(a) for a in args[:2]] + list(args[2:])
            result = kernel(*moved, **kwargs)
            for original, copy in zip(args[:2], moved):
                original[...] = copy
            return result
        return call


misaligned = OnMisalignedMemory()


# ---- matrix products ----------------------------------------------------------------------------------------
GEMM_SIZES = (0, 1, 7, 13)
PACKED = (67, 131, 509)  # past the small-product limit (test_gemm.SMALL_PRODUCT_MAX_VOLUME): A is packed
LAYOUTS = ("row-major", "transposed view")


def handed_over(x, layout, offset):
    """x at `offset` bytes past a cache line: a C-contiguous array, or the transposed view of one, which the backend
    hands to C as the array it views, with the transpose flag flipped (w.T in a Linear layer's products)."""
    if layout == "row-major":
        return at_offset(x, offset)
    return at_offset(np.swapaxes(x, -1, -2), offset).swapaxes(-1, -2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES)
@pytest.mark.parametrize("layout_a, layout_b", itertools.product(LAYOUTS, repeat=2))
def test_gemm_of_misaligned_operands(dtype, trans_a, trans_b, layout_a, layout_b):
    rng = np.random.default_rng(0)
    for M, N, K in [*itertools.product(GEMM_SIZES, repeat=3), PACKED]:
        a, b = operands(rng, M, N, K, dtype, trans_a, trans_b)
        got = c.gemm(handed_over(a, layout_a, 1), handed_over(b, layout_b, 1), trans_a, trans_b)
        assert_product_close(got, exact_product(a, b, trans_a, trans_b), a, b, K)
        aligned = c.gemm(handed_over(a, layout_a, 0), handed_over(b, layout_b, 0), trans_a, trans_b)
        assert same_bits(got, aligned), (M, N, K)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batched_gemm_of_misaligned_operands_into_an_aligned_out(dtype):
    rng = np.random.default_rng(1)
    for (batch, M, N, K), (trans_a, trans_b) in itertools.product([(3, 7, 13, 1), (2, 13, 7, 31)], TRANSPOSES):
        a = rng.standard_normal((batch, K, M) if trans_a else (batch, M, K)).astype(dtype)
        b = rng.standard_normal((batch, N, K) if trans_b else (batch, K, N)).astype(dtype)
        start = rng.standard_normal((batch, M, N)).astype(dtype)
        out = c.gemm(handed_over(a, "transposed view", 1), at_offset(b), trans_a, trans_b, alpha=0.5, beta=0.25,
                     out=start.copy())
        expected = 0.5 * exact_product(a, b, trans_a, trans_b) + 0.25 * start.astype(np.float64)
        assert_product_close(out, expected, a, b, K)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_refuses_a_misaligned_out_and_leaves_it_untouched(dtype):
    a, b = np.ones((7, 13), dtype), np.ones((13, 5), dtype)
    out = at_offset(np.full((7, 5), 2.0, dtype))
    size = np.dtype(dtype).itemsize
    with pytest.raises(ShapeError, match=rf"gemm: out is not aligned to its element size \({size} bytes\)"):
        c.gemm(a, b, beta=1.0, out=out)
    assert np.array_equal(out, np.full((7, 5), 2.0, dtype))


# ---- layer passes -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_and_its_backward_of_misaligned_arrays(dtype):
    rng = np.random.default_rng(2)
    for n in PASS_SIZES:
        x, grad = values(rng, n, dtype), values(rng, n, dtype)
        out = reference.relu(x)
        assert same_bits(misaligned.relu(x), out), n
        with np.errstate(invalid="ignore"):  # inf·0 is NaN in both, as intended
            assert same_bits(misaligned.relu_backward(grad, out), reference.relu_backward(grad, out)), n


@pytest.mark.parametrize("dtype", DTYPES)
def test_read_only_and_transposed_misaligned_inputs(dtype):
    x = np.random.default_rng(3).standard_normal((7, 13)).astype(dtype)
    read_only = np.frombuffer(b"\0" + x.tobytes(), dtype, offset=1).reshape(7, 13)
    assert not read_only.flags.aligned and not read_only.flags.writeable
    transposed = at_offset(x.T).T
    for view in (read_only, transposed):
        assert same_bits(c.relu(view), reference.relu(x))
        assert same_bits(c.relu_backward(view, view), reference.relu_backward(x, x))
        assert same_sums(c.sum_rows(view), reference.sum_rows(x))
        assert_softmax_close(c.log_softmax(view), reference.log_softmax(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_bias_into_a_misaligned_y_and_from_a_misaligned_bias(dtype):
    """A misaligned y is written by numpy's line, as a strided one is: in place, with the same sums."""
    rng = np.random.default_rng(4)
    for rows, cols in [(0, 5), (5, 0), (1, 1), (7, 13), (97, 31)]:
        y, bias = values(rng, rows * cols, dtype).reshape(rows, cols), values(rng, cols, dtype)
        expected = y.copy()
        reference.add_bias(expected, bias)
        for y_offset, bias_offset in [(1, 0), (0, 1), (1, 1)]:
            moved = at_offset(y, y_offset)
            c.add_bias(moved, at_offset(bias, bias_offset))
            assert same_sums(moved, expected), (rows, cols, y_offset, bias_offset)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_rows_of_a_misaligned_array(dtype):
    rng = np.random.default_rng(5)
    for rows, cols in [(0, 5), (1, 1), (1, 7), (6, 1), (2, 2), (7, 13), (97, 31), (3, 65536 + 5)]:
        x = values(rng, rows * cols, dtype).reshape(rows, cols)
        # numpy's sum starts from +0 and the C kernel from the first row, so a column of only −0 (one row holding a −0)
        # gives zeros of different signs, aligned or not
        x[x == 0] = 0
        with np.errstate(invalid="ignore", over="ignore"):
            assert same_sums(misaligned.sum_rows(x), reference.sum_rows(x)), (rows, cols)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_of_a_misaligned_array(dtype):
    rng = np.random.default_rng(6)
    for rows, classes in itertools.product([0, 1, 7, 31], [1, 2, 13, 97]):
        z = (5 * rng.standard_normal((rows, classes))).astype(dtype)
        assert_softmax_close(misaligned.log_softmax(z), reference.log_softmax(z))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("index_dtype", [np.int64, np.int32])
def test_cross_entropy_of_misaligned_logits_targets_and_probabilities(dtype, index_dtype):
    rng = np.random.default_rng(7)
    for rows, classes in itertools.product([1, 7, 31], [1, 2, 13, 97]):
        z = (5 * rng.standard_normal((rows, classes))).astype(dtype)
        target = _targets(rng, rows, classes, index_dtype)
        probs, losses = misaligned.cross_entropy(z, target)
        expected_probs, expected_losses = reference.cross_entropy(z, target)
        assert_softmax_close(probs, expected_probs)
        assert_softmax_close(losses, expected_losses)
        for scale in (1.0, dtype(-2.5)):
            assert same_bits(misaligned.cross_entropy_backward(probs, target, scale),
                             reference.cross_entropy_backward(probs, target, scale))


# ---- optimizer updates --------------------------------------------------------------------------------------
UPDATES = {**KERNELS, "lookahead": (["slow"], set(), dict(alpha=0.5))}  # rule -> (state buffers, optional, scalars)

@pytest.mark.parametrize("rule", sorted(KERNELS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_updates_of_a_misaligned_param_and_grad(rule, dtype):
    """The param is updated through an aligned copy that is written back: the same bits as aligned buffers give."""
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-14, atol=1e-15)
    for n, variant in itertools.product(UPDATE_SIZES, VARIANTS):
        if not set(variant) - {"without"} <= set(KERNELS[rule][2]):
            continue
        param, states = _run(misaligned, rule, n, dtype, variant, steps=3)
        aligned_param, aligned_states = _run(c, rule, n, dtype, variant, steps=3)
        ref_param, ref_states = _run(reference, rule, n, dtype, variant, steps=3)
        np.testing.assert_allclose(param, ref_param, **tol, err_msg=f"{rule} n={n} {variant}")
        assert same_bits(param, aligned_param), (rule, n, variant)
        for state, aligned, ref in zip(states, aligned_states, ref_states):
            if ref is not None:
                np.testing.assert_allclose(state, ref, **tol, err_msg=f"{rule} state n={n} {variant}")
                assert same_bits(state, aligned), (rule, n, variant)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lookahead_of_a_misaligned_param(dtype):
    for n in (0, 1, 7, 97):
        param, slow = np.linspace(-1, 1, n).astype(dtype), np.linspace(2, 3, n).astype(dtype)
        expected_param, expected_slow = param.copy(), slow.copy()
        reference.lookahead_step(expected_param, expected_slow, alpha=0.25)
        moved = at_offset(param)
        c.lookahead_step(moved, slow, alpha=0.25)
        assert same_bits(moved, expected_param) and same_bits(slow, expected_slow), n


@pytest.mark.parametrize("rule", sorted(UPDATES))
def test_a_misaligned_state_buffer_is_refused_by_name_and_nothing_changes(rule):
    """C writes the states in place, and no copy of them would reach the optimizer: they are refused, as strided ones
    are (the optimizers make their states with np.zeros, which is always aligned)."""
    states, _, scalars = UPDATES[rule]
    grad = [] if rule == "lookahead" else [np.full(8, 0.5)]
    for i, name in enumerate(states):
        param = at_offset(np.linspace(-1, 1, 8))  # misaligned as well: its copy must not be written back either
        buffers = [np.full(8, 0.25) for _ in states]
        buffers[i] = at_offset(buffers[i])
        with pytest.raises(ValueError, match=rf"{rule}: state buffer {name} is not aligned to its element size "
                                             rf"\(8 bytes\)"):
            getattr(c, f"{rule}_step")(param, *grad, *buffers, **scalars)
        assert np.array_equal(param, np.linspace(-1, 1, 8)), name
        assert all(np.array_equal(buffer, np.full(8, 0.25)) for buffer in buffers), name


# ---- end to end ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend_name", ["c", "numpy"])
@pytest.mark.parametrize("make_optimizer", [lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
                                            lambda params: optim.Lookahead(optim.Adam(params, lr=0.01), k=2)],
                         ids=["SGD", "Lookahead(Adam)"])
def test_a_model_on_misaligned_arrays_trains_as_on_aligned_ones(backend_name, make_optimizer):
    """Inputs, class targets and weights from tg.from_numpy / nn.Parameter over misaligned memory: training steps
    run, update the caller's arrays in place, and give the bits an aligned copy of everything gives."""
    rng = np.random.default_rng(8)
    x, target = rng.standard_normal((13, 7)).astype(np.float32), rng.integers(0, 3, 13)
    weights = [rng.standard_normal(shape).astype(np.float32) for shape in [(5, 7), (5,), (3, 5), (3,)]]
    previous = backend.current.NAME
    try:
        backend.use(backend_name)
        trained = {}
        for offset in (0, 1):
            model = nn.Sequential(nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 3))
            arrays = [at_offset(w, offset) for w in weights]
            for layer, (weight, bias) in zip((model[0], model[2]), zip(arrays[::2], arrays[1::2])):
                layer.weight, layer.bias = nn.Parameter(weight), nn.Parameter(bias)
            optimizer = make_optimizer(model.parameters())
            inputs, labels = tg.from_numpy(at_offset(x, offset)), tg.from_numpy(at_offset(target, offset))
            for _ in range(4):
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(inputs), labels)
                loss.backward()
                optimizer.step()
            assert np.isfinite(loss.item())
            assert all(np.shares_memory(p.data, a) for p, a in zip(model.parameters(), arrays))
            trained[offset] = arrays
    finally:
        backend.use(previous)
    assert not any(np.array_equal(a, w) for a, w in zip(trained[1], weights))
    assert all(same_bits(a, b) for a, b in zip(trained[1], trained[0]))
