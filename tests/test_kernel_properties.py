"""Property tests: every C kernel against its numpy twin on random sizes, dtypes and awkward values —
zeros, huge, tiny (subnormal) and non-finite — where both must give the same numbers, NaNs and infinities."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.backend import reference
from test_optim_kernels import KERNELS

c = pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")

DTYPES = (np.float32, np.float64)


def special_values(dtype):
    info = np.finfo(dtype)
    return [0.0, -0.0, 1.0, -2.5, float(info.max) / 4, -float(info.max) / 4, float(info.tiny) / 8, float(info.eps),
            np.inf, -np.inf, np.nan]


def awkward_values(rng, dtype, n, with_specials):
    """n values: ordinary ones, and with_specials some huge, subnormal, zero and non-finite entries among them."""
    values = rng.standard_normal(n).astype(dtype)
    if n and with_specials:
        specials = special_values(dtype)
        chosen = rng.integers(0, n, size=max(1, n // 4))
        values[chosen] = rng.choice(np.array(specials, dtype=dtype), size=len(chosen))
    return values


@st.composite
def awkward_arrays(draw, dtype, n):
    """An array of n values: mostly ordinary, with some huge, subnormal, zero and non-finite entries."""
    return awkward_values(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), dtype, n, draw(st.booleans()))


def assert_same_numbers(got, expected, dtype, context, atol=None):
    assert np.array_equal(np.isnan(got), np.isnan(expected)), f"{context}: NaNs differ"
    assert np.array_equal(np.isposinf(got), np.isposinf(expected)), f"{context}: +inf differs"
    assert np.array_equal(np.isneginf(got), np.isneginf(expected)), f"{context}: -inf differs"
    finite = np.isfinite(got)
    rtol, default_atol = (1e-5, 1e-30) if dtype == np.float32 else (1e-12, 1e-300)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=rtol, atol=default_atol if atol is None else atol,
                               err_msg=context)


@settings(deadline=None, max_examples=60)
@given(data=st.data(), rule=st.sampled_from(sorted(KERNELS)), dtype=st.sampled_from(DTYPES),
       n=st.sampled_from([0, 1, 2, 3, 7, 16, 31, 67]))
def test_update_kernels_agree_on_awkward_values(data, rule, dtype, n):
    states, optional, scalars = KERNELS[rule]
    param = data.draw(awkward_arrays(dtype, n))
    grad = data.draw(awkward_arrays(dtype, n))
    # second-moment states are non-negative by construction; first moments may be anything
    buffers = [np.abs(data.draw(awkward_arrays(dtype, n))) if ("sq" in name or name in ("state_sum", "square_avg",
               "acc_delta", "exp_inf")) else data.draw(awkward_arrays(dtype, n)) for name in states]
    results = {}
    for module in (c, reference):
        p, bs = param.copy(), [b.copy() for b in buffers]
        with np.errstate(all="ignore"):
            getattr(module, f"{rule}_step")(p, grad.copy(), *bs, **scalars)
        results[module.NAME] = (p, bs)
    (c_param, c_states), (ref_param, ref_states) = results["c"], results["numpy"]
    assert_same_numbers(c_param, ref_param, dtype, f"{rule} param")
    for name, c_state, ref_state in zip(states, c_states, ref_states):
        assert_same_numbers(c_state, ref_state, dtype, f"{rule} {name}")


def check_gemm_on_awkward_values(a, b, trans_a, trans_b, non_finite):
    """The C GEMM against numpy on a and b (awkward values); non_finite puts NaN, inf and -inf into a as well."""
    dtype = a.dtype
    # values stay below sqrt(max) / K so no finite sum can overflow in one summation order and not another
    limit = np.sqrt(np.finfo(dtype).max) / 64
    a, b = np.clip(a, -limit, limit), np.clip(b, -limit, limit)
    if non_finite:  # non-finite entries survive the clip only when put back afterwards
        count = max(1, a.size // 5) if a.size else 0
        a.flat[:count] = np.array([np.nan, np.inf, -np.inf], dtype)[np.arange(count) % 3]
    with np.errstate(all="ignore"):
        expected = reference.gemm(a, b, trans_a, trans_b)
        got = c.gemm(a, b, trans_a, trans_b)
    K = a.shape[0] if trans_a else a.shape[1]
    # sums in another order differ by rounding: up to about K·eps·max|a|·max|b| per entry (see test_gemm.py)
    largest = [float(np.abs(x[np.isfinite(x)]).max(initial=0)) for x in (a, b)]
    atol = 4 * max(K, 1) * float(np.finfo(dtype).eps) * largest[0] * largest[1]
    assert_same_numbers(got, expected, dtype, f"gemm {got.shape} K={K} trans=({trans_a}, {trans_b})", atol=atol)


@settings(deadline=None, max_examples=60)
@given(data=st.data(), dtype=st.sampled_from(DTYPES), M=st.integers(0, 20), N=st.integers(0, 40),
       K=st.integers(0, 40), trans_a=st.booleans(), trans_b=st.booleans())
def test_gemm_agrees_with_numpy_on_awkward_values(data, dtype, M, N, K, trans_a, trans_b):
    # products this small read A in place (csrc/gemm_driver.inc); the test below covers packed ones
    a = data.draw(awkward_arrays(dtype, M * K)).reshape((K, M) if trans_a else (M, K))
    b = data.draw(awkward_arrays(dtype, K * N)).reshape((N, K) if trans_b else (K, N))
    check_gemm_on_awkward_values(a, b, trans_a, trans_b, data.draw(st.booleans()))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (False, True), (True, False), (True, True)])
def test_packed_gemm_agrees_with_numpy_on_awkward_values(dtype, trans_a, trans_b):
    M, N, K = 300, 50, 301  # M·N·K above 2^22: A is packed (SMALL_PRODUCT_MAX_VOLUME in csrc/gemm.c)
    rng = np.random.default_rng(9)
    a = awkward_values(rng, dtype, M * K, True).reshape((K, M) if trans_a else (M, K))
    b = awkward_values(rng, dtype, K * N, True).reshape((N, K) if trans_b else (K, N))
    check_gemm_on_awkward_values(a, b, trans_a, trans_b, non_finite=False)
    check_gemm_on_awkward_values(a, b, trans_a, trans_b, non_finite=True)
