"""Bad input gets a clear exception from one hierarchy, naming the op and the shapes/dtypes involved."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.errors import DTypeError, GraphError, ShapeError, TinygradEduError


def test_hierarchy_subclasses_the_matching_builtins():
    assert issubclass(ShapeError, ValueError) and issubclass(ShapeError, TinygradEduError)
    assert issubclass(DTypeError, TypeError) and issubclass(GraphError, RuntimeError)
    assert issubclass(tg.AnomalyError, TinygradEduError)


def test_incompatible_elementwise_shapes_name_op_and_shapes():
    with pytest.raises(ShapeError, match=r"Add.*\(2, 3\).*\(4,\)"):
        tg.ones(2, 3) + tg.ones(4)
    with pytest.raises(ShapeError, match="Mul"):
        tg.ones(2, 3) * tg.ones(3, 2)


@pytest.mark.parametrize("shapes", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 2, 3), (2, 4, 1))], ids=str)
def test_matmul_inner_dimensions(shapes):
    with pytest.raises(ShapeError, match="inner dimensions"):
        tg.ones(*shapes[0]) @ tg.ones(*shapes[1])


def test_matmul_of_scalars_and_linear_with_wrong_weight():
    with pytest.raises(ShapeError, match="at least 1 dimension"):
        tg.tensor(2.0) @ tg.ones(2)
    with pytest.raises(ShapeError, match="linear"):
        tg.ones(5, 3).linear(tg.ones(4, 2))
    with pytest.raises(ShapeError, match="bias"):
        tg.ones(5, 3).linear(tg.ones(4, 3), tg.ones(3))


def test_reshape_to_a_wrong_size_and_bad_axes():
    with pytest.raises(ShapeError, match=r"Reshape: cannot reshape array of size 6 into shape \(4,2\) \(input shapes \(2, 3\)\)"):
        tg.ones(2, 3).reshape(4, 2)
    with pytest.raises(ShapeError, match="axis"):
        tg.ones(2, 3).sum(axis=2)
    with pytest.raises(ShapeError):
        tg.ones(2, 3).max(axis=-3)
    with pytest.raises(ShapeError, match=r"Permute: repeated axis.*\(2, 3\)"):
        tg.ones(2, 3).permute(0, 0)
    with pytest.raises(ShapeError, match="squeeze"):
        tg.ones(2, 3).squeeze(0)
    with pytest.raises(ShapeError, match="broadcast"):
        tg.ones(2, 3).expand(4, 3)
    with pytest.raises(ShapeError, match="index"):
        tg.ones(2, 3)[5]


def test_integer_and_bool_tensors_cannot_require_grad():
    for array in (np.arange(3), np.array([True, False])):
        with pytest.raises(DTypeError, match="floating-point"):
            tg.tensor(array, requires_grad=True)


def test_float32_and_float64_promote_to_float64_like_numpy():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    for result in (a + b, b * a, a @ b, tg.cat([a, b]), tg.where([True, False], a, b)):
        assert result.dtype == np.float64
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32


def test_backward_misuse_is_a_graph_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="scalar"):
        (x * 2).backward()
    with pytest.raises(GraphError, match="does not require grad"):
        tg.tensor([1.0]).sum().backward()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(GraphError, match="freed"):
        y.backward()
    with pytest.raises(GraphError, match="retain_grad"):
        tg.tensor([1.0]).retain_grad()


def test_leaf_modified_in_place_after_being_saved_is_detected():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0])
    loss = (w * x).sum()
    x.add_(1.0)  # Mul saved x for ∂/∂w; its values are now stale
    with pytest.raises(GraphError, match=r"saved input 1 of Mul .* modified in place"):
        loss.backward()


def test_an_edit_to_another_tensor_does_not_trip_the_check():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x, other = tg.tensor([3.0, 4.0]), tg.tensor([5.0])
    loss = (w * x).sum()
    other.add_(1.0)  # another piece of memory: nothing Mul saved was touched
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])


def test_in_place_edits_that_do_not_matter_are_allowed():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0])
    loss = (w + x).sum()  # Add saves nothing
    x.mul_(10)
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_in_place_change_of_a_leaf_that_requires_grad_needs_no_grad():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="no_grad"):
        w.sub_(0.1)
    with pytest.raises(GraphError, match="part of the graph"):
        (w * 2).zero_()
    with tg.no_grad():
        w.sub_(tg.tensor([0.5, 0.5]), alpha=2).mul_(2)
    np.testing.assert_array_equal(w.data, [0.0, 2.0])
    with tg.no_grad():
        w.copy_(np.array([7.0, 8.0]))
        w.fill_(3.0).div_(3)
    np.testing.assert_array_equal(w.data, [1.0, 1.0])
    with pytest.raises(ShapeError):
        tg.zeros(2).copy_(np.ones(3))


def test_detect_anomaly_names_the_first_op_producing_nan_in_forward():
    x = tg.tensor([1.0, -1.0], requires_grad=True, name="x")
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError, match=r"Log produced NaN/Inf .*'x'"):
            (x * 1.0).log()
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().data[1]), "outside detect_anomaly NaN flows silently, like numpy"


def test_detect_anomaly_names_the_op_whose_backward_produces_inf():
    x = tg.tensor([0.0, 1.0], requires_grad=True, name="x")
    y = x.sqrt().sum()  # finite forward, but d√x/dx = ∞ at 0
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(tg.AnomalyError, match=r"Sqrt\('x'.*NaN/Inf gradient"):
            y.backward()


def test_bad_constructor_input():
    with pytest.raises(DTypeError, match="numeric"):
        tg.tensor(["a", "b"])
    with pytest.raises(DTypeError):
        tg.tensor([1.0], dtype="complex")
    with pytest.raises(ValueError, match="seed"):
        tg.manual_seed(-1)
    with pytest.raises(TypeError, match="numpy array"):
        tg.from_numpy([1.0])


def test_cat_and_stack_of_nothing_and_reductions_of_nothing():
    for join in (tg.cat, tg.stack):
        with pytest.raises(ValueError, match="at least one tensor"):
            join([])
    with pytest.raises(ShapeError, match=r"Max: zero-size array.*\(input shapes \(0, 3\)\)"):
        tg.ones(0, 3).max()
    assert tg.ones(0, 3).max(axis=1).shape == (0,)  # no row is empty of classes: an empty result, as PyTorch's amax
    assert np.isnan(tg.ones(0, 3).mean().item())
