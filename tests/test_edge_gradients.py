"""Gradients at the edges (0·∞ cases, ties, NaN, constant rows, too few samples) as PyTorch computes them, in float32
and float64; PyTorch is the oracle where it is installed, and the expected values are written out where it is not."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg

NAN, INF = math.nan, math.inf

# (name, function written once for both libraries through `lib`, input, the gradient of sum(f(x)) PyTorch gives)
CASES = [
    ("x**0 at 0", lambda x, lib: x ** 0, [0.0, 2.0], [0.0, 0.0]),
    ("x**0.5 at 0 and below", lambda x, lib: x ** 0.5, [0.0, -1.0, 4.0], [INF, NAN, 0.25]),
    ("x**-1 at 0", lambda x, lib: x ** -1, [0.0, -1.0, 2.0], [-INF, -1.0, -0.25]),
    ("x**x at 0", lambda x, lib: x ** x, [0.0, 2.0], [0.0, 4 + 4 * math.log(2)]),
    ("exponent of a negative base", lambda e, lib: _const(lib, [-2.0, -2.0, 0.0, 0.0]) ** e,
     [2.0, 0.5, 0.0, -1.0], [NAN, NAN, 0.0, -INF]),
    ("exponent of the number -2", lambda e, lib: (-2.0) ** e, [2.0, 0.0], [NAN, NAN]),
    ("exponent of the number 0", lambda e, lib: 0.0 ** e, [2.0, 0.0, -1.0], [0.0, 0.0, -INF]),
    ("std of a constant row", lambda x, lib: _reduce(lib, x, "std", axis=1), [[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]],
     [[0.0, 0.0, 0.0], [-0.5, 0.0, 0.5]]),
    ("std of a constant tensor", lambda x, lib: x.std(), [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]),
    ("std of one sample", lambda x, lib: _reduce(lib, x, "std", axis=1), [[1.0], [2.0]], [[NAN], [NAN]]),
    ("var of a constant row", lambda x, lib: _reduce(lib, x, "var", axis=1), [[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]],
     [[0.0, 0.0, 0.0], [-1.0, 0.0, 1.0]]),
    ("var with correction > n", lambda x, lib: _reduce(lib, x, "var", correction=5), [1.0, 2.0, 4.0], [INF] * 3),
    ("var with correction = n", lambda x, lib: _reduce(lib, x, "var", correction=3), [1.0, 2.0, 3.0],
     [INF, NAN, INF]),
    ("var along an axis with correction > n", lambda x, lib: _reduce(lib, x, "var", axis=0, correction=5),
     [1.0, 2.0, 4.0], [4 / 3, 1 / 3, -5 / 3]),
    ("var along an axis with correction = n", lambda x, lib: _reduce(lib, x, "var", axis=0, correction=3),
     [1.0, 2.0, 3.0], [-INF, NAN, INF]),
    ("max with ties", lambda x, lib: x.max(), [3.0, 1.0, 3.0], [0.5, 0.0, 0.5]),
    ("max over NaN", lambda x, lib: x.max(), [1.0, NAN, 3.0, NAN], [0.0, 0.5, 0.0, 0.5]),
    ("min over NaN", lambda x, lib: x.min(), [NAN, 1.0, 3.0], [1.0, 0.0, 0.0]),
    ("max along an axis over NaN", lambda x, lib: _reduce(lib, x, "max", axis=1), [[1.0, NAN, 3.0], [1.0, 3.0, 3.0]],
     [[NAN, NAN, NAN], [0.0, 0.5, 0.5]]),
    ("min along an axis over NaN", lambda x, lib: _reduce(lib, x, "min", axis=1), [[1.0, NAN, 3.0], [1.0, 1.0, 3.0]],
     [[NAN, NAN, NAN], [0.5, 0.5, 0.0]]),
    ("abs at 0", lambda x, lib: x.abs(), [0.0, -2.0], [0.0, -1.0]),
    ("relu at 0", lambda x, lib: x.relu(), [0.0, 2.0], [0.0, 1.0]),
    ("sqrt at 0", lambda x, lib: x.sqrt(), [0.0, 4.0], [INF, 0.25]),
    ("log at 0", lambda x, lib: x.log(), [0.0, 2.0], [INF, 0.5]),
    ("clip at its bounds", lambda x, lib: x.clip(-1.0, 1.0), [-1.0, 1.0, 2.0, NAN], [1.0, 1.0, 0.0, 0.0]),
]


def _const(lib, values):
    return tg.tensor(values, dtype="float64") if lib is tg else lib.tensor(values, dtype=lib.float64)


def _reduce(lib, x, name, axis=None, correction=None):
    """x.<name>(axis) in our spelling, or PyTorch's (dim=..., amax/amin for the values-only max/min)."""
    kwargs = {} if correction is None else {"correction": correction}
    if lib is tg:
        return getattr(x, name)(axis=axis, **kwargs)
    if name in ("max", "min"):
        return getattr(lib, "a" + name)(x, dim=axis)
    return getattr(x, name)(**kwargs) if axis is None else getattr(x, name)(dim=axis, **kwargs)


def _our_gradient(fn, values, dtype):
    x = tg.tensor(values, dtype=dtype, requires_grad=True)
    with np.errstate(all="ignore"):
        y = fn(x, tg)
        (y * tg.tensor(np.ones(y.shape), dtype=dtype)).sum().backward()
    return x.grad.data


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, values, expected", CASES, ids=[c[0] for c in CASES])
def test_edge_gradients_are_pytorchs(name, fn, values, expected, dtype):
    grad = _our_gradient(fn, values, dtype)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, np.array(expected, dtype=dtype), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, values, expected", CASES, ids=[c[0] for c in CASES])
def test_the_written_out_edge_gradients_are_what_pytorch_gives(name, fn, values, expected, dtype):
    torch = pytest.importorskip("torch")
    x = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    fn(x, torch).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.array(expected, dtype=dtype), rtol=1e-6, equal_nan=True)


def test_one_constant_feature_does_not_poison_a_standardised_batch():
    """(x − mean)/std per feature: a constant column has std 0, its output is NaN, the others' gradients are not."""
    rng = np.random.default_rng(0)
    data = rng.standard_normal((8, 3))
    data[:, 1] = 5.0
    x = tg.tensor(data, requires_grad=True)
    spread = x.std(axis=0, keepdims=True)
    (spread * tg.tensor(rng.standard_normal((1, 3)))).sum().backward()
    assert np.all(np.isfinite(x.grad.data)) and np.all(x.grad.data[:, 1] == 0)


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
def test_var_and_std_pass_gradcheck(axis, correction):
    x = tg.tensor(np.random.default_rng(3).standard_normal((4, 5)), requires_grad=True)
    for name in ("var", "std"):
        assert tg.gradcheck(lambda t: getattr(t, name)(axis=axis, correction=correction), x)
        expected = getattr(np, name)(x.data, axis=axis, ddof=correction)
        np.testing.assert_allclose(getattr(x, name)(axis=axis, correction=correction).data, expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_casting_to_an_integer_dtype_leaves_the_graph(dtype):
    x = tg.tensor([1.5, -2.0], requires_grad=True)
    cast = x.astype(dtype)
    assert not cast.requires_grad and cast.is_leaf and cast.dtype == dtype
    assert x.double().requires_grad and x.double().op is not None  # a float cast stays in the graph
