"""In-place changes and the version counter: the manual update idioms, aliasing, and a differential suite in
which PyTorch and tinygrad_edu must both refuse the backward pass or both give the same gradient."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.errors import DTypeError, GraphError, ShapeError


# ---- the manual update idioms ------------------------------------------------------------------------------------
def _regression(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 3))
    y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3
    return tg.tensor(x, dtype="float32"), tg.tensor(y, dtype="float32")


@pytest.mark.parametrize("update", ["p -= lr * p.grad", "p.sub_(p.grad, alpha=lr)", "p.data -= lr * p.grad.data"])
def test_manual_sgd_on_a_sequential_model_learns_and_keeps_the_parameter_objects(update):
    tg.manual_seed(0)
    x, y = _regression()
    model = tg.nn.Sequential(tg.nn.Linear(3, 8), tg.nn.Tanh(), tg.nn.Linear(8, 1))
    params = list(model.parameters())
    originals = [id(p) for p in params]
    lr, losses = 0.05, []
    for _ in range(60):
        loss = ((model(x) - y) ** 2).mean()
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in params:
                exec(update, {}, {"p": p, "lr": lr})
    assert losses[-1] < 0.2 * losses[0]
    assert [id(p) for p in model.parameters()] == originals
    assert all(p.requires_grad and p.is_leaf for p in model.parameters())


def test_the_lecture_1d_gradient_descent_written_with_minus_equals():
    """f(x) = x⁴ + x + 2, x₀ = 1, γ = 0.2: the update x ← x − γ·f′(x) with f′(x) = 4x³ + 1."""
    w = tg.tensor(1.0, dtype="float64", requires_grad=True)
    expected = 1.0
    for _ in range(6):
        f = w ** 4 + w + 2
        w.grad = None
        f.backward()
        with tg.no_grad():
            w -= 0.2 * w.grad
        expected -= 0.2 * (4 * expected ** 3 + 1)
        assert w.item() == pytest.approx(expected, rel=1e-12)
    assert w.requires_grad and w.is_leaf and w._version == 6
    assert abs(w.item() - -2 ** (-2 / 3)) < 0.01  # next to the minimum x* = −1/2^(2/3)


def test_in_place_operators_keep_the_object_and_count_the_change():
    t = tg.tensor([1.0, 2.0])
    same = t
    t += 1
    t -= tg.tensor([0.5, 0.5])
    t *= 4
    t /= 2
    assert t is same and t._version == 4
    np.testing.assert_array_equal(t.data, [3.0, 5.0])
    t[0] = 7.0
    assert t._version == 5 and t.data[0] == 7.0


def test_in_place_on_a_leaf_that_requires_grad_names_the_fix():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    for edit in (lambda: w.__isub__(0.1), lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 1.0)):
        with pytest.raises(GraphError, match=r"no_grad\(\)"):
            edit()
    assert w._version == 0


def test_in_place_on_a_tensor_in_the_graph_is_refused_under_grad_mode():
    """Our choice (PyTorch records such edits instead): refuse, and say how to write it out of place."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    with pytest.raises(GraphError, match=r"part of the graph.*y = y \+ x"):
        y += 1
    with pytest.raises(GraphError, match="part of the graph"):
        w[0:1].mul_(3)  # a view of a leaf that requires grad is in the graph too


def test_in_place_by_a_tensor_that_requires_grad_would_lose_its_gradient():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    total = tg.zeros(2)
    with pytest.raises(GraphError, match="gradient would be lost"):
        total += w * 3
    total = total + w * 3  # out of place: joins the graph
    total.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0])


def test_in_place_dtype_shape_and_read_only_errors():
    counts = tg.tensor([1, 2, 3], dtype="int64")
    with pytest.raises(DTypeError, match="int64"):
        counts /= 2
    with pytest.raises(DTypeError, match="int64"):
        counts += 0.5
    counts += 1
    np.testing.assert_array_equal(counts.data, [2, 3, 4])
    with pytest.raises(ShapeError, match=r"\(2,\).*\(3,\)"):
        tg.zeros(3).add_(tg.ones(2))
    with pytest.raises(ShapeError):
        tg.zeros(2).copy_(np.ones(3))
    with pytest.raises(GraphError, match="read-only"):
        tg.zeros(3).expand(2, 3).add_(1)
    tg.zeros(2, 3).add_(tg.ones(3))  # broadcasting the operand is fine


# ---- one version counter per piece of memory ----------------------------------------------------------------------
def test_views_and_detach_share_the_version_counter_and_copies_do_not():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    views = [x[0], x[:, 1:], x.reshape(6), x.T, x.transpose(0, 1), x.detach(), x.reshape(3, 2)[1:], x.detach().T]
    for i, view in enumerate(views):
        view.add_(1)
        assert x._version == i + 1 and all(v._version == i + 1 for v in views)
    before = x.data.copy()
    copies = [x * 1, x[[0, 1]], x[x > 3], x.astype("float32"), tg.tensor(x.data.copy())]
    for copy in copies:
        copy.add_(1)
    assert x._version == len(views)
    np.testing.assert_array_equal(x.data, before)


def test_the_refusal_names_the_op_and_the_input():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0], name="x")
    loss = (w * x).sum()
    x[0:1].add_(100)
    with pytest.raises(GraphError, match=r"saved input 1 of Mul \('x' \(2,\) float32\) was modified in place"):
        loss.backward()


def test_the_refusal_names_a_saved_output():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = w.exp()
    loss = y.sum()
    y.detach().zero_()
    with pytest.raises(GraphError, match=r"saved output of Exp .* modified in place"):
        loss.backward()


def test_an_optimizer_step_between_forward_and_backward_is_refused_through_a_transpose():
    w = tg.tensor(np.ones((2, 3)), requires_grad=True)
    a = tg.tensor(np.ones((4, 3)), requires_grad=True)
    loss = (a @ w.T).sum()
    opt = tg.optim.SGD([w], lr=0.1)
    w.grad = tg.ones(2, 3, dtype="float64")
    opt.step()
    with pytest.raises(GraphError, match="saved input 1 of MatMul"):
        loss.backward()


def test_a_numpy_class_target_is_copied_so_changing_it_later_changes_nothing():
    logits = tg.tensor(np.zeros((3, 4)), requires_grad=True)
    target = np.array([0, 1, 2])
    loss = tg.nn.functional.cross_entropy(logits, target)
    target[:] = 3
    loss.backward()
    expected = np.full((3, 4), 0.25)
    expected[[0, 1, 2], [0, 1, 2]] -= 1
    np.testing.assert_allclose(logits.grad.data, expected / 3)


def test_an_index_tensor_is_copied_so_changing_it_later_changes_nothing():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    index = tg.tensor([0, 0, 2], dtype="int64")
    picked = x[index].sum()
    index.fill_(1)
    picked.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, 1.0])


def test_retain_graph_backward_twice_is_fine_until_something_changes():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0])
    loss = (w * x).sum()
    loss.backward(retain_graph=True)
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(w.grad.data, [6.0, 8.0])
    x.mul_(2)
    with pytest.raises(GraphError, match="modified in place"):
        loss.backward()


# ---- differential suite against PyTorch ----------------------------------------------------------------------------
# Each scenario builds a small graph, then changes one tensor in place through one alias (under no_grad, the way
# an optimizer or a careful user does), then runs backward. PyTorch is the oracle: both libraries must refuse
# (at the same point), or both must give the same gradient.

class _Library:
    def __init__(self, name):
        self.name = name
        if name == "torch":
            import torch
            self.torch = torch

    def tensor(self, array, requires_grad=False):
        if self.name == "torch":
            return self.torch.tensor(np.array(array), requires_grad=requires_grad)
        return tg.tensor(np.array(array), requires_grad=requires_grad, dtype=np.array(array).dtype)

    def no_grad(self):
        return self.torch.no_grad() if self.name == "torch" else tg.no_grad()

    def cross_entropy(self, logits, target):
        if self.name == "torch":
            return self.torch.nn.functional.cross_entropy(logits, target)
        return tg.nn.functional.cross_entropy(logits, target)

    def sgd_step(self, param):
        param.grad = self.tensor(np.full(tuple(param.shape), 0.5))
        (self.torch.optim.SGD([param], lr=0.1) if self.name == "torch" else tg.optim.SGD([param], lr=0.1)).step()


RNG = np.random.default_rng(7)
W, X, A = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3))


def _product(lib):
    """Mul saves x (for ∂/∂w): the edited tensor is x, reached through each alias."""
    w, x = lib.tensor(W, True), lib.tensor(X)
    return (w * x).sum(), [w], x


def _unsaved(lib):
    """Add saves nothing: editing x afterwards changes no gradient."""
    w, x = lib.tensor(W, True), lib.tensor(X)
    return (w + x).sum(), [w], x


def _weight_of_a_constant_product(lib):
    """w·x with only w requiring grad: ∂/∂w = x does not read w, so w itself is not saved."""
    w, x = lib.tensor(W, True), lib.tensor(X)
    return (w * x).sum(), [w], w


def _weight_behind_a_transpose(lib):
    """a @ w.T with a requiring grad: ∂/∂a reads w.T, a view of w."""
    w, a = lib.tensor(W, True), lib.tensor(A, True)
    return (a @ w.T).sum(), [w, a], w


def _weight_of_a_square(lib):
    """(w²): ∂/∂w = 2w reads w."""
    w = lib.tensor(W, True)
    return (w ** 2).sum(), [w], w


def _saved_output(function):
    def scenario(lib):
        w = lib.tensor(W, True)
        y = getattr(w, function)()
        return (y * y).sum(), [w], y
    scenario.__name__ = f"_output_of_{function}"
    return scenario


def _class_target(lib):
    """Cross-entropy reads the class indices again in backward."""
    w = lib.tensor(W, True)
    target = lib.tensor(np.array([2, 0]))
    return lib.cross_entropy(w, target), [w], target


SCENARIOS = [_product, _unsaved, _weight_of_a_constant_product, _weight_behind_a_transpose, _weight_of_a_square,
             _class_target] + [_saved_output(f) for f in ("exp", "tanh", "sigmoid", "relu")]

ALIASES = {
    "itself": lambda t: t,
    "slice": lambda t: t[0:1],
    "reshape view": lambda t: t.reshape(-1),
    "transpose": lambda t: t.T,
    "detach": lambda t: t.detach(),
}


def _iadd(t):
    t += 1


def _isub(t):
    t -= 1


def _imul(t):
    t *= 2


def _idiv(t):
    t /= 2


EDITS = {
    "+=": _iadd, "-=": _isub, "*=": _imul, "/=": _idiv,
    "add_": lambda t: t.add_(1), "sub_": lambda t: t.sub_(1), "mul_": lambda t: t.mul_(3),
    "div_": lambda t: t.div_(4), "zero_": lambda t: t.zero_(), "fill_": lambda t: t.fill_(2),
    "copy_": lambda t: t.copy_(t * 0 + 5),
}


def _outcome(lib, scenario, alias, edit):
    """("refused at edit" | "refused at backward" | gradients) for one library."""
    loss, leaves, target = scenario(lib)
    try:
        with lib.no_grad():
            edit(ALIASES[alias](target))
    except (RuntimeError, TypeError, ValueError):
        return "refused at edit"
    try:
        loss.backward()
    except RuntimeError:
        return "refused at backward"
    return [np.array(leaf.grad.detach().numpy() if lib.name == "torch" else leaf.grad.data) for leaf in leaves]


def _same_outcome(scenario, alias, edit):
    ours, theirs = _outcome(_Library("tinygrad_edu"), scenario, alias, edit), _outcome(_Library("torch"),
                                                                                        scenario, alias, edit)
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
    else:
        for g_ours, g_theirs in zip(ours, theirs):
            np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-12, atol=1e-12)
    return theirs


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__.strip("_"))
@pytest.mark.parametrize("alias", list(ALIASES))
@pytest.mark.parametrize("edit", list(EDITS))
def test_in_place_edits_through_every_alias_agree_with_pytorch(scenario, alias, edit):
    pytest.importorskip("torch")
    _same_outcome(scenario, alias, EDITS[edit])


@pytest.mark.parametrize("scenario", [_weight_of_a_constant_product, _weight_behind_a_transpose, _weight_of_a_square],
                         ids=lambda s: s.__name__.strip("_"))
def test_an_optimizer_step_between_forward_and_backward_agrees_with_pytorch(scenario):
    pytest.importorskip("torch")
    outcomes = []
    for lib in (_Library("tinygrad_edu"), _Library("torch")):
        loss, leaves, target = scenario(lib)
        lib.sgd_step(target)
        try:
            loss.backward()
            outcomes.append([np.array(leaf.grad.detach().numpy() if lib.name == "torch" else leaf.grad.data)
                             for leaf in leaves])
        except RuntimeError:
            outcomes.append("refused")
    ours, theirs = outcomes
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
    else:
        for g_ours, g_theirs in zip(ours, theirs):
            np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-12)


def test_the_differential_suite_covers_both_outcomes():
    """A guard on the suite itself: its scenarios include refusals and accepted edits on both sides."""
    pytest.importorskip("torch")
    outcomes = {str(type(_same_outcome(s, "itself", _iadd))) for s in SCENARIOS}
    assert outcomes == {str(str), str(list)}


def test_loading_a_state_dict_and_re_initialising_count_as_in_place_changes():
    layer = tg.nn.Linear(3, 2)
    x = tg.tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    loss = layer(x).sum()
    version = layer.weight._version
    layer.load_state_dict({k: np.asarray(v) * 2 for k, v in layer.state_dict().items()})
    assert layer.weight._version == version + 1
    with pytest.raises(GraphError, match="saved input 1 of Linear"):
        loss.backward()
    tg.nn.init.xavier_uniform_(layer.weight)
    assert layer.weight._version == version + 2
