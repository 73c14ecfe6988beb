"""Tensor construction, dtypes, constructors, conversion and the grad-mode switches."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.errors import DTypeError, GraphError, ShapeError


def test_python_numbers_and_lists_default_to_float32():
    assert tg.tensor(3).dtype == np.float32
    assert tg.tensor([1, 2, 3]).dtype == np.float32
    assert tg.Tensor([[1.5, 2.5]]).shape == (1, 2)


def test_float64_arrays_keep_their_dtype_and_dtype_argument_forms():
    assert tg.tensor(np.zeros(3)).dtype == np.float64
    for spec in ("float64", np.float64, np.dtype("float64"), tg.float64):
        assert tg.tensor([1.0], dtype=spec).dtype == np.float64
    assert tg.tensor(np.zeros(2, dtype=np.float64), dtype="float32").dtype == np.float32


def test_integer_tensors_hold_labels_but_never_require_grad():
    labels = tg.tensor(np.array([0, 2, 1]))
    assert labels.dtype == np.int64
    with pytest.raises(DTypeError, match="int64"):
        tg.tensor(np.array([1, 2]), requires_grad=True)
    with pytest.raises(DTypeError):
        labels.requires_grad_()
    with pytest.raises(DTypeError, match="unknown dtype"):
        tg.tensor([1.0], dtype="float17")


@pytest.mark.parametrize("make", [tg.zeros, tg.ones, tg.randn, tg.rand])
def test_constructors_take_varargs_or_tuple_shapes(make):
    assert make(2, 3).shape == (2, 3)
    assert make((2, 3)).shape == (2, 3)
    assert make(4, dtype="float64").dtype == np.float64
    assert make(2, requires_grad=True).requires_grad


def test_other_constructors():
    np.testing.assert_array_equal(tg.full((2, 2), 7.0).data, np.full((2, 2), 7.0))
    np.testing.assert_array_equal(tg.arange(5).data, np.arange(5, dtype=np.float32))
    np.testing.assert_array_equal(tg.arange(1, 7, 2, dtype="int64").data, [1, 3, 5])
    np.testing.assert_array_equal(tg.eye(3).data, np.eye(3))
    like = tg.tensor(np.ones((2, 5)))
    assert tg.zeros_like(like).shape == (2, 5) and tg.zeros_like(like).dtype == np.float64
    assert tg.ones_like(like).data.sum() == 10
    array = np.arange(4.0)
    shared = tg.from_numpy(array)
    array[0] = 42
    assert shared.data[0] == 42 and shared.dtype == np.float64
    with pytest.raises(ShapeError):
        tg.zeros(-1)


def test_manual_seed_makes_draws_reproducible():
    tg.manual_seed(123)
    first = (tg.randn(3, 3).data.copy(), tg.rand(4).data.copy())
    tg.manual_seed(123)
    second = (tg.randn(3, 3).data, tg.rand(4).data)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_introspection_and_conversion():
    t = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], name="t")
    assert (t.shape, t.ndim, t.size, len(t)) == ((2, 3), 2, 6, 2)
    assert t.T.shape == (3, 2)
    assert tg.tensor(2.5).item() == 2.5
    with pytest.raises(ShapeError, match="one element"):
        t.item()
    assert t.numpy() is t.data
    assert "name='t'" in repr(t) and "tensor(" in repr(t)
    assert "requires_grad=True" in repr(tg.tensor([1.0], requires_grad=True))
    assert "op=Mul" in repr(tg.tensor([1.0], requires_grad=True) * 2)
    assert t.double().dtype == np.float64 and t.double().float().dtype == np.float32


def test_graph_is_recorded_on_results():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([3.0, 4.0])
    z = x * y
    assert z.op is not None and type(z.op).__name__ == "Mul"
    assert z.parents == (x, y)
    assert x.is_leaf and not z.is_leaf and x.parents == ()
    assert (y * 2).op is None, "ops on tensors that need no grad record no graph"


def test_no_grad_as_context_and_decorator():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert (x * 2).requires_grad
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def infer(t):
        return t * 3
    assert not infer(x).requires_grad and tg.is_grad_enabled()


def test_detach_shares_data_and_leaves_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert y.is_leaf and not y.requires_grad
    z = x * 2
    assert np.shares_memory(z.detach().data, z.data)
    with pytest.raises(GraphError):
        z.requires_grad_(False)


def test_scalar_operands_keep_the_tensor_dtype():
    x64 = tg.tensor(np.ones(3))
    x32 = tg.tensor([1.0, 2.0])
    assert (x64 * 2).dtype == np.float64 and (2 - x64).dtype == np.float64
    assert (x32 * 2.5).dtype == np.float32 and (1 / x32).dtype == np.float32
    assert (np.float64(2.0) * x32).dtype == np.float32, "a numpy float64 scalar is a Python float: a constant"


def test_comparisons_and_argmax_give_no_grad():
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    np.testing.assert_array_equal((x == 5.0).data, x.data == 5.0)
    np.testing.assert_array_equal((x != 5.0).data, x.data != 5.0)
    np.testing.assert_array_equal((x <= 1.0).data, x.data <= 1.0)
    np.testing.assert_array_equal((x >= 1.0).data, x.data >= 1.0)
    np.testing.assert_array_equal((x < 1.0).data, x.data < 1.0)
    np.testing.assert_array_equal(x.argmin().data, 4)


def test_numpy_of_a_tensor_that_requires_grad_is_a_read_only_view():
    w = tg.ones(3, requires_grad=True)
    view = w.numpy()
    assert np.shares_memory(view, w.data)
    with pytest.raises(ValueError, match="read-only"):
        view[0] = 5.0
    assert w.detach().numpy() is w.data  # outside the graph, the array itself
    with tg.no_grad():
        w -= 1.0  # the way to change it
    assert view.tolist() == [0.0, 0.0, 0.0]


def test_an_op_prints_as_itself_applied_to_its_inputs():
    d = tg.tensor(1.0, requires_grad=True, name="d")
    e = tg.tensor(2.0, requires_grad=True, name="e")
    assert repr((d + e).op) == "Add(d, e)"
    assert repr((d * 3).op) == "Mul(d, leaf () float32)"


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    array = np.array([1.0, 2.0], dtype=np.float32)
    copied, shared = tg.tensor(array), tg.from_numpy(array)
    array[0] = 5.0
    assert copied.tolist() == [1.0, 2.0] and shared.tolist() == [5.0, 2.0]
    assert tg.tensor(copied).data is not copied.data
    assert tg.tensor([1, 2]).dtype == tg.float32 and tg.tensor(np.arange(2)).dtype == np.int64  # dtypes as before
