"""Every differentiable op checked against central finite differences in float64.

Each case is (name, function of tensors, input shapes); inputs are drawn from a seeded RNG, with
positive values where the op needs them (log, sqrt, pow).
"""
import numpy as np
import pytest

import tinygrad_edu as tg

RNG_SEED = 1234


def inputs(*shapes, positive=False, away_from_zero=False):
    rng = np.random.default_rng(RNG_SEED)
    arrays = []
    for shape in shapes:
        a = rng.uniform(0.5, 2.0, size=shape) if positive else rng.standard_normal(shape)
        if away_from_zero:  # keep abs/relu/max kinks further than eps from the evaluation point
            a = np.where(np.abs(a) < 0.1, a + np.sign(a + 1e-12) * 0.3, a)
        arrays.append(tg.tensor(a, dtype="float64", requires_grad=True))
    return arrays


BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a ** b),
]
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (3,)), ((5,), ())]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name,fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_ops_with_broadcasting(name, fn, shapes):
    assert tg.gradcheck(fn, *inputs(*shapes, positive=True))


@pytest.mark.parametrize("fn", [lambda x: 2 - x, lambda x: 1 / x, lambda x: x ** 3, lambda x: 3.0 ** x,
                                lambda x: x * 0.5 + 1, lambda x: -x, lambda x: x / 4, lambda x: 2 ** x - x],
                         ids=["rsub", "rdiv", "pow_const", "rpow", "affine", "neg", "div_const", "mixed"])
def test_python_scalars_on_either_side(fn):
    assert tg.gradcheck(fn, *inputs((3, 2), positive=True))


UNARY = [
    ("exp", lambda x: x.exp(), False),
    ("log", lambda x: x.log(), True),
    ("sqrt", lambda x: x.sqrt(), True),
    ("abs", lambda x: x.abs(), False),
    ("tanh", lambda x: x.tanh(), False),
    ("sigmoid", lambda x: x.sigmoid(), False),
    ("relu", lambda x: x.relu(), False),
    ("leaky_relu", lambda x: x.leaky_relu(0.1), False),
    ("clip", lambda x: x.clip(-0.5, 0.7), False),
    ("clip_low", lambda x: x.clip(min=0.0), False),
    ("softmax", lambda x: x.softmax(axis=-1), False),
    ("softmax_axis0", lambda x: x.softmax(axis=0), False),
    ("log_softmax", lambda x: x.log_softmax(axis=-1), False),
]


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("name,fn,positive", UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops(name, fn, positive, shape):
    assert tg.gradcheck(fn, *inputs(shape, positive=positive, away_from_zero=True))


@pytest.mark.parametrize("axis", [None, 1, -2, (0, 2), (2, 0)], ids=str)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_over_any_axes(op, axis):
    """Over all axes (None), one inner axis or several at once: the formula along those axes, and its gradient."""
    (x,) = inputs((2, 3, 2))
    z = x.data
    shifted = z - z.max(axis=axis, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    expected = log_probs if op == "log_softmax" else np.exp(log_probs)
    np.testing.assert_allclose(getattr(x, op)(axis=axis).data, expected, rtol=1e-12, atol=1e-12)
    weights = tg.tensor(np.random.default_rng(1).standard_normal((2, 3, 2)))  # so the sum's gradient is not 0
    assert tg.gradcheck(lambda x: (getattr(x, op)(axis=axis) * weights).sum(), x)


REDUCTIONS = ["sum", "mean", "max", "min", "var", "std"]
AXES = [None, 0, 1, -1, (0, 2), (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_over_axes(name, axis, keepdims):
    fn = lambda x: getattr(x, name)(axis=axis, keepdims=keepdims)  # noqa: E731
    (x,) = inputs((3, 4, 2))
    out = fn(x)
    expected = getattr(np, name)(x.data, axis=axis, keepdims=keepdims, **({"ddof": 1} if name in ("var", "std") else {}))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert tg.gradcheck(fn, x)


def test_max_splits_the_gradient_between_ties():
    x = tg.tensor([1.0, 3.0, 3.0], requires_grad=True, dtype="float64")
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0.5, 0.5])


SHAPE_OPS = [
    ("reshape", lambda x: x.reshape(4, 6), (2, 3, 4)),
    ("reshape_tuple", lambda x: x.view((6, -1)), (2, 3, 4)),
    ("flatten", lambda x: x.flatten(), (2, 3, 4)),
    ("flatten_from_1", lambda x: x.flatten(1), (2, 3, 4)),
    ("transpose", lambda x: x.transpose(0, 2), (2, 3, 4)),
    ("permute", lambda x: x.permute(2, 0, 1), (2, 3, 4)),
    ("T", lambda x: x.T, (3, 4)),
    ("expand", lambda x: x.expand(5, 3, 4), (3, 1)),
    ("expand_keep", lambda x: x.expand(-1, 4), (3, 1)),
    ("squeeze", lambda x: x.squeeze(), (3, 1, 4)),
    ("squeeze_axis", lambda x: x.squeeze(1), (3, 1, 4)),
    ("unsqueeze", lambda x: x.unsqueeze(1), (3, 4)),
    ("slice", lambda x: x[1:, ::2], (3, 4)),
    ("int_index", lambda x: x[1], (3, 4)),
    ("negative_index", lambda x: x[-1, 2], (3, 4)),
    ("int_array_repeats", lambda x: x[[0, 2, 0, 0]], (3, 4)),
    ("pairs", lambda x: x[np.arange(3), np.array([1, 3, 1])], (3, 4)),
    ("bool_mask", lambda x: x[x.data > 0], (3, 4)),
    ("ellipsis", lambda x: x[..., 1], (2, 3, 4)),
    ("newaxis", lambda x: x[None, :, 1], (3, 4)),
    ("tensor_index", lambda x: x[tg.tensor(np.array([2, 2, 1]))], (3, 4)),
]


@pytest.mark.parametrize("name,fn,shape", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_and_indexing_ops(name, fn, shape):
    (x,) = inputs(shape)
    assert tg.gradcheck(fn, x)


def test_repeated_indices_add_up():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype="float64")
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat_and_stack(axis):
    a, b, c = inputs((2, 3), (2, 3), (2, 3))
    assert tg.gradcheck(lambda a, b, c: tg.cat([a, b, c], axis=axis), a, b, c)
    assert tg.gradcheck(lambda a, b, c: tg.stack([a, b, c], axis=axis), a, b, c)
    uneven = inputs((2, 3), (4, 3)) if axis == 0 else inputs((2, 3), (2, 5))
    if axis == 0:
        assert tg.gradcheck(lambda a, b: tg.concatenate([a, b], axis=0), *uneven)
    np.testing.assert_array_equal(tg.stack([a, b], axis=axis).data, np.stack([a.data, b.data], axis=axis))


MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (2, 4, 5)),
                 ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((1, 1), (1, 1)), ((5, 1), (1, 7)), ((2, 1, 3, 4), (3, 4, 2))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_shapes(shapes):
    a, b = inputs(*shapes)
    np.testing.assert_allclose((a @ b).data, np.matmul(a.data, b.data), rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(lambda a, b: a @ b, a, b)


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)], ids=str)
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear(x_shape, with_bias):
    x, w, b = inputs(x_shape, (4, 3), (4,))
    args = (x, w, b) if with_bias else (x, w)
    expected = x.data @ w.data.T + (b.data if with_bias else 0)
    np.testing.assert_allclose(x.linear(*args[1:]).data, expected, rtol=1e-12)
    assert tg.gradcheck(lambda *t: t[0].linear(*t[1:]), *args)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy(reduction):
    (logits,) = inputs((6, 4))
    target = np.array([0, 3, 1, 1, 2, 3])
    assert tg.gradcheck(lambda z: tg.nn.functional.cross_entropy(z, target, reduction=reduction), logits)
    manual = -(logits.log_softmax(axis=1)[np.arange(6), target])
    expected = {"mean": manual.mean(), "sum": manual.sum(), "none": manual}[reduction]
    np.testing.assert_allclose(tg.nn.functional.cross_entropy(logits, target, reduction=reduction).data, expected.data, rtol=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    logits = tg.tensor(np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), requires_grad=True)
    target = np.array([0, 1])
    tg.nn.functional.cross_entropy(logits, target).backward()
    p = np.exp(logits.data) / np.exp(logits.data).sum(1, keepdims=True)
    np.testing.assert_allclose(logits.grad.data, (p - np.eye(3)[target]) / 2, rtol=1e-12)


def test_log_softmax_and_cross_entropy_are_stable_for_large_logits():
    z = tg.tensor(np.array([[1000.0, 0.0, -1000.0]]), requires_grad=True)
    out = z.log_softmax()
    assert np.all(np.isfinite(out.data)) and out.data[0, 0] == 0.0
    loss = tg.nn.functional.cross_entropy(z, np.array([2]))
    loss.backward()
    assert np.isclose(loss.item(), 2000.0) and np.all(np.isfinite(z.grad.data))
    assert np.all(np.isfinite(tg.tensor(np.array([-1000.0, 1000.0])).sigmoid().data))


def test_where():
    a, b = inputs((3, 4), (4,))
    condition = a.data > 0
    assert tg.gradcheck(lambda a, b: tg.where(condition, a, b), a, b)
    assert tg.gradcheck(lambda a: tg.where(condition, a, 0.0), a)


def test_composite_expression():
    a, b, c = inputs((4, 3), (3, 2), (2,))
    fn = lambda a, b, c: ((a @ b + c).tanh() * (a @ b).sigmoid()).log_softmax(axis=1).mean()  # noqa: E731
    assert tg.gradcheck(fn, a, b, c)


@pytest.mark.parametrize("op", [lambda x: x.sum(), lambda x: x * 2, lambda x: x.exp(), lambda x: x.reshape(0, 3),
                                lambda x: x.mean(axis=0), lambda x: x @ tg.ones(3, 2, dtype="float64")])
def test_empty_tensors_flow_through(op):
    x = tg.tensor(np.zeros((0, 3)), requires_grad=True)
    out = op(x)
    out.backward(np.ones(out.shape))
    assert x.grad.shape == (0, 3)


def test_forward_differences_are_first_order_and_central_second_order():
    (x,) = inputs((4,))
    exact = 3 * x.data ** 2
    fwd = tg.numerical_grad(lambda t: t ** 3, x, eps=1e-4, method="forward")[0]
    cen = tg.numerical_grad(lambda t: t ** 3, x, eps=1e-4, method="central")[0]
    assert np.max(np.abs(cen - exact)) < np.max(np.abs(fwd - exact)) / 100


def test_gradcheck_reports_the_worst_entries_of_a_wrong_gradient():
    class WrongSquare(tg.function.Function):
        """∂(a²)/∂a = 2a  (deliberately wrong below)"""

        def forward(self, a):
            self.save_for_backward(a)
            return a * a

        def backward(self, grad):
            (a,) = self.saved
            return (grad * 3 * a,)

    (x,) = inputs((3,))
    with pytest.raises(tg.GradcheckError, match="index"):
        tg.gradcheck(lambda t: WrongSquare.apply(t), x)
    with pytest.raises(ValueError, match="requires_grad"):
        tg.gradcheck(lambda t: t * 2, tg.tensor([1.0], dtype="float64"))
