"""The fused C update kernels against their numpy reference twins, and the checks at the C boundary."""
import numpy as np
import pytest

from tinygrad_edu.backend import reference

c = pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")

SIZES = [0, 1, 2, 7, 31, 97, 1024, 4099]
DTYPES = [np.float32, np.float64]

# rule -> (state buffers in call order, optional buffers, scalars); optional buffers are None when switched off
KERNELS = {
    "sgd": (["momentum_buffer"], {"momentum_buffer"},
            dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False, maximize=False,
                 lecture_style=False)),
    "adagrad": (["state_sum"], set(), dict(clr=0.1, eps=1e-10, weight_decay=0.01, maximize=False)),
    "rmsprop": (["square_avg", "grad_avg", "momentum_buffer"], {"grad_avg", "momentum_buffer"},
                dict(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.5, weight_decay=0.01, maximize=False)),
    "adadelta": (["square_avg", "acc_delta"], set(), dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.01, maximize=False)),
    "adam": (["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], {"max_exp_avg_sq"},
             dict(step_size=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                  param_decay=0.999, maximize=False)),
    "adamax": (["exp_avg", "exp_inf"], set(), dict(step_size=0.02, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01,
                                                   maximize=False)),
    "nadam": (["exp_avg", "exp_avg_sq"], set(), dict(grad_step=0.01, avg_step=0.02, beta1=0.9, beta2=0.999, eps=1e-8,
                                                     weight_decay=0.01, param_decay=1.0,
                                                     maximize=False)),
    "radam": (["exp_avg", "exp_avg_sq"], set(), dict(step_size=0.01, beta1=0.9, beta2=0.999, eps=1e-8, rectified=True,
                                                     weight_decay=0.0, param_decay=0.999, maximize=False)),
}

# "without" switches optional buffers off (each alone and all together: the kernels run one loop per combination)
VARIANTS = [{}, {"maximize": True}, {"nesterov": True}, {"lecture_style": True}, {"rectified": False},
            {"without": ("grad_avg",)}, {"without": ("momentum_buffer",)},
            {"without": ("grad_avg", "momentum_buffer", "max_exp_avg_sq")}]


def _run(module, rule, n, dtype, variant, steps):
    states, optional, scalars = KERNELS[rule]
    scalars = {**scalars, **{k: v for k, v in variant.items() if k in scalars}}
    rng = np.random.default_rng(n)
    param = rng.standard_normal(n).astype(dtype)
    # second-moment-like states start positive and above the square of the small running mean grad_avg
    start = {"grad_avg": 0.01 * rng.standard_normal(n)}
    buffers = [None if name in optional and name in variant.get("without", ()) else
               start.get(name, 0.05 + 0.1 * np.abs(rng.standard_normal(n))).astype(dtype) for name in states]
    for _ in range(steps):
        grad = (param - 0.5 + 0.1 * rng.standard_normal(n)).astype(dtype)
        getattr(module, f"{rule}_step")(param, grad, *buffers, **scalars)
    return param, buffers


@pytest.mark.parametrize("rule", sorted(KERNELS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_c_kernel_matches_reference_for_all_sizes(rule, dtype):
    for n in SIZES:
        for variant in VARIANTS:
            if not set(variant) - {"without"} <= set(KERNELS[rule][2]):
                continue
            c_param, c_states = _run(c, rule, n, dtype, variant, steps=5)
            ref_param, ref_states = _run(reference, rule, n, dtype, variant, steps=5)
            tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-14, atol=1e-15)
            np.testing.assert_allclose(c_param, ref_param, **tol, err_msg=f"{rule} n={n} {variant}")
            for c_state, ref_state in zip(c_states, ref_states):
                if ref_state is not None:
                    np.testing.assert_allclose(c_state, ref_state, **tol, err_msg=f"{rule} state n={n} {variant}")


@pytest.mark.parametrize("rule", sorted(KERNELS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_updates_big_enough_to_be_threaded_give_the_same_bits_for_any_thread_count(rule, dtype):
    import tinygrad_edu as tg
    n = 2 * 65536 + 3  # above the kernels' threading threshold, and not a multiple of the thread count
    before = tg.backend_info()["num_threads"]
    try:
        runs = []
        for threads in (1, 2, 3):
            tg.set_num_threads(threads)
            runs.append(_run(c, rule, n, dtype, {}, steps=3))
    finally:
        tg.set_num_threads(before)
    ref_param, _ = _run(reference, rule, n, dtype, {}, steps=3)
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(runs[0][0], ref_param, **tol)
    for param, states in runs[1:]:
        assert np.array_equal(param, runs[0][0])
        for state, first in zip(states, runs[0][1]):
            assert np.array_equal(state, first)


@pytest.mark.parametrize("rule", sorted(KERNELS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_states_of_a_zero_gradient_decay_to_zero_not_to_subnormals(rule, dtype):
    # A state decaying with no gradient would get stuck a few ulps above 0 (0.9·x rounds back to x) and make every
    # later step slow; the kernels store anything below the smallest normal number as 0 instead, both backends alike.
    states, _, scalars = KERNELS[rule]
    scalars = {**scalars, "weight_decay": 0.0}  # else the gradient would not be 0
    if "param_decay" in scalars:
        scalars["param_decay"] = 1.0
    tiny = np.finfo(dtype).tiny
    results = []
    for module in (c, reference):
        param = np.linspace(-1, 1, 16).astype(dtype)
        buffers = [np.full(16, 2 * tiny, dtype=dtype) for _ in states]
        for _ in range(1000):  # 0.999^1000 < 1/2: every decaying state crosses below tiny
            getattr(module, f"{rule}_step")(param, np.zeros(16, dtype), *buffers, **scalars)
        for name, buffer in zip(states, buffers):
            assert not np.any((buffer != 0) & (np.abs(buffer) < tiny)), f"{module.NAME} {rule} {name}: {buffer}"
        results.append([param] + buffers)
    for c_array, ref_array in zip(*results):
        np.testing.assert_array_equal(c_array, ref_array)


@pytest.mark.parametrize("module", [c, reference], ids=["c", "numpy"])
def test_lookahead_kernel_moves_slow_weights_towards_fast_and_copies_back(module):
    param = np.array([1.0, 2.0, 3.0])
    slow = np.zeros(3)
    module.lookahead_step(param, slow, alpha=0.5)
    np.testing.assert_array_equal(slow, [0.5, 1.0, 1.5])
    np.testing.assert_array_equal(param, slow)


def test_strided_param_and_grad_are_updated_like_contiguous_ones():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    param = base[:, ::2]  # a strided view: must be updated in place, through the view
    grad = np.ones((3, 4)).T  # a transposed (Fortran-ordered) gradient
    expected = param.copy()
    reference.sgd_step(expected, np.ascontiguousarray(grad), None, lr=0.5, momentum=0.0, dampening=0.0,
                       weight_decay=0.0, nesterov=False, maximize=False, lecture_style=False)
    c.sgd_step(param, grad, None, lr=0.5, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
               maximize=False, lecture_style=False)
    np.testing.assert_array_equal(base[:, ::2], expected)
    np.testing.assert_array_equal(base[:, 1::2], np.arange(24.0).reshape(4, 6)[:, 1::2])


ADAM_SCALARS = dict(step_size=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                    param_decay=1.0, maximize=False)


def _adam_buffers(n=8, dtype=np.float32):
    return [np.zeros(n, dtype) for _ in range(4)]


@pytest.mark.parametrize("make_bad, error, message", [
    (lambda b: [b[0], b[1].astype(np.float64), b[2], b[3]], TypeError, "grad is float64 but param is float32"),
    (lambda b: [b[0], b[1], b[2].astype(np.float64), b[3]], TypeError, "exp_avg is float64"),
    (lambda b: [b[0].astype(np.float16), b[1], b[2], b[3]], TypeError, "float32 or float64"),
    (lambda b: [b[0], b[1][:5], b[2], b[3]], ValueError, "grad has shape (5,) but param has shape (8,)"),
    (lambda b: [b[0], b[1], b[2], np.zeros((2, 4), np.float32)], ValueError, "exp_avg_sq has shape (2, 4)"),
    (lambda b: [b[0], b[1], b[0], b[3]], ValueError, "param and exp_avg overlap"),
    (lambda b: [b[0], b[1], b[2], b[2]], ValueError, "exp_avg and exp_avg_sq overlap"),
    (lambda b: [b[0], b[0], b[2], b[3]], ValueError, "param and grad overlap"),
    (lambda b: [b[0], b[1], [0.0] * 8, b[3]], TypeError, "exp_avg must be a numpy array"),
])
def test_bad_buffers_raise_clear_errors(make_bad, error, message):
    param, grad, exp_avg, exp_avg_sq = make_bad(_adam_buffers())
    with pytest.raises(error) as info:
        c.adam_step(param, grad, exp_avg, exp_avg_sq, None, **ADAM_SCALARS)
    assert message in str(info.value)


def test_overlapping_views_of_one_array_are_rejected():
    storage = np.zeros(16, np.float64)
    with pytest.raises(ValueError, match="overlap"):
        c.adam_step(storage[:8], np.zeros(8), storage[4:12], np.zeros(8), None, **ADAM_SCALARS)


def test_read_only_param_and_non_contiguous_state_are_rejected():
    param, grad, exp_avg, exp_avg_sq = _adam_buffers()
    param.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        c.adam_step(param, grad, exp_avg, exp_avg_sq, None, **ADAM_SCALARS)
    param, grad, exp_avg, _ = _adam_buffers()
    strided_state = np.zeros(16, np.float32)[::2]
    with pytest.raises(ValueError, match="C-contiguous"):
        c.adam_step(param, grad, exp_avg, strided_state, None, **ADAM_SCALARS)
