"""The backward engine: accumulation, retain_graph, freed graphs, deep chains, the lecture example."""
import gc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.engine import topological_order
from tinygrad_edu.errors import GraphError, ShapeError


def test_lecture_example_chain_rule():
    """f(x, y) = x² + xy + (x + y)²:  ∂f/∂x = 2x + y + 2(x + y),  ∂f/∂y = x + 2(x + y)."""
    for xv, yv in [(3.0, -2.0), (1.0, 2.0), (-0.5, 0.25)]:
        x = tg.tensor(xv, dtype="float64", requires_grad=True)
        y = tg.tensor(yv, dtype="float64", requires_grad=True)
        f = x ** 2 + x * y + (x + y) ** 2
        f.backward()
        assert f.item() == pytest.approx(xv ** 2 + xv * yv + (xv + yv) ** 2)
        assert x.grad.item() == pytest.approx(2 * xv + yv + 2 * (xv + yv))
        assert y.grad.item() == pytest.approx(xv + 2 * (xv + yv))


def test_gradients_accumulate_until_reset():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3 + 2, 3 + 4])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3, 3])
    assert isinstance(x.grad, tg.Tensor)


def test_a_tensor_used_twice_gets_both_contributions():
    x = tg.tensor(2.0, requires_grad=True, dtype="float64")
    y = x * x * x + x
    y.backward()
    assert x.grad.item() == pytest.approx(3 * 4 + 1)


def test_retain_graph_allows_a_second_backward_and_freed_graph_raises():
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first, rtol=1e-6)
    with pytest.raises(GraphError, match="freed"):
        y.backward()


def test_non_scalar_backward_needs_a_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(GraphError, match="scalar"):
        y.backward()
    with pytest.raises(ShapeError, match="shape"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, 20.0])


def test_backward_from_a_tensor_without_grad_raises():
    with pytest.raises(GraphError, match="does not require grad"):
        tg.tensor([1.0]).sum().backward()
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = (x * 2).sum()
    with pytest.raises(GraphError):
        y.backward()


def test_retain_grad_keeps_intermediate_gradients():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    other = x * 4
    (h * h + other).sum().backward()
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    assert other.grad is None


def test_only_leaves_that_require_grad_receive_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([5.0, 6.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad.data, [5.0, 6.0])


def test_leaf_gradients_never_share_memory():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    c = tg.tensor([[1.0, 2.0]], requires_grad=True)
    (a + b + c.reshape(2)).sum().backward()
    assert not np.shares_memory(a.grad.data, b.grad.data)
    assert not np.shares_memory(a.grad.data, c.grad.data)
    a.grad.data *= 10  # in-place edits of one .grad (e.g. clipping) must not leak into another
    np.testing.assert_allclose(b.grad.data, [1.0, 1.0])
    assert a.grad.data.flags.writeable and c.grad.data.flags.writeable


def test_mixed_precision_gradients_keep_each_leaf_dtype():
    a = tg.tensor([1.0, 2.0], requires_grad=True)  # float32
    b = tg.tensor(np.array([3.0, 4.0]), requires_grad=True)  # float64
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_deep_chain_of_100000_ops_without_recursion():
    x = tg.tensor(1.0, requires_grad=True, dtype="float64")
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_topological_order_puts_parents_first():
    x = tg.tensor(1.0, requires_grad=True)
    a = x * 2
    b = a + x
    c = b * a
    order = topological_order(c)
    position = {id(t): i for i, t in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if parent.requires_grad:  # constants such as the 2 in x * 2 are not part of the walk
                assert position[id(parent)] < position[id(node)]
    assert order[-1] is c and len(order) == 4


def test_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = tg.tensor(np.ones(3), requires_grad=True)
        y = (x * 2).exp().sum()
        hidden = weakref.ref(y.op.parents[0])
        y.backward()
        del y
        assert hidden() is None, "the graph must not keep itself alive through reference cycles"
    finally:
        gc.enable()


def test_saved_tensors_are_released_after_backward_unless_retained():
    x = tg.tensor(np.ones(3), requires_grad=True)
    y = (x * x).sum()
    mul = y.op.parents[0].op
    assert len(mul.saved) == 2
    y.backward()
    assert mul.saved is None
    z = (x * x).sum()
    z.backward(retain_graph=True)
    assert len(z.op.parents[0].op.saved) == 2


def test_a_graph_that_saved_nothing_can_be_differentiated_again_as_in_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_retain_grads_keeps_the_gradient_of_every_node_and_the_graph():
    x, y = tg.tensor(1.0, requires_grad=True), tg.tensor(2.0, requires_grad=True)
    a, b = x * x, x * y
    c = a + b
    f = c * c
    with tg.retain_grads():
        f.backward()
    assert [float(t.grad.data) for t in (f, c, a, b, x, y)] == [1.0, 6.0, 6.0, 6.0, 24.0, 6.0]
    f.backward()  # the graph was kept: a second pass accumulates
    assert float(x.grad.data) == 48.0
    g = x * y
    g.backward()  # outside the context, only leaves get .grad and the graph is freed
    assert g.grad is None
