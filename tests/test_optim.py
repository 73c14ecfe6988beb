"""Optimizers: every option combination on both backends follows the reference trajectory; state_dict resume;
parameter groups; the lecture variants; Lookahead; the LR range test; errors for bad input."""
import itertools
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend, optim
from tinygrad_edu.optim.lr_scheduler import StepLR

try:
    from tinygrad_edu.backend import c as c_backend  # noqa: F401
    BACKENDS = ["numpy", "c"]
except ImportError:
    BACKENDS = ["numpy"]


@pytest.fixture
def restore_backend():
    before = backend.current
    yield
    backend.current = before


def _grid(**options):
    """Every combination of the listed option values, as kwargs dicts."""
    names = list(options)
    return [dict(zip(names, values)) for values in itertools.product(*options.values())]


def _sgd_grid():
    combos = _grid(momentum=[0.0, 0.9], dampening=[0.0, 0.3], nesterov=[False, True], weight_decay=[0.0, 0.1],
                   maximize=[False, True], momentum_style=["pytorch", "lecture"])
    valid = [kw for kw in combos
             if not (kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0))
             and not (kw["momentum"] == 0 and kw["dampening"] != 0)]
    return [dict(lr=0.01, **kw) for kw in valid]


CONFIGS = (
    [("SGD", kw) for kw in _sgd_grid()]
    + [("Adagrad", dict(lr=0.05, **kw)) for kw in _grid(lr_decay=[0.0, 0.01], weight_decay=[0.0, 0.1],
                                                        initial_accumulator_value=[0.0, 0.1], maximize=[False, True])]
    + [("RMSprop", dict(lr=0.005, **kw)) for kw in _grid(momentum=[0.0, 0.5], centered=[False, True],
                                                         weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Adadelta", kw) for kw in _grid(weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Adam", dict(lr=0.01, **kw)) for kw in _grid(amsgrad=[False, True], weight_decay=[0.0, 0.1],
                                                     decoupled_weight_decay=[False, True], maximize=[False, True],
                                                     bias_correction=[True, False])]
    + [("AdamW", dict(lr=0.01, **kw)) for kw in _grid(amsgrad=[False, True], weight_decay=[0.0, 0.1],
                                                      maximize=[False, True], bias_correction=[True, False])]
    + [("Adamax", dict(lr=0.01, **kw)) for kw in _grid(weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("NAdam", dict(lr=0.01, **kw)) for kw in _grid(weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                                                      maximize=[False, True])]
    + [("RAdam", dict(lr=0.01, **kw)) for kw in _grid(weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                                                      maximize=[False, True])]
)


def _make_params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [tg.Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True) for shape in [(3, 5), (7,), ()]]


def _set_grads(params, maximize):
    """The gradient of a smooth non-quadratic bowl (or of a hill, when the optimizer maximizes)."""
    for i, p in enumerate(params):
        g = (i + 1) * (p.data - 0.5) + 0.3 * np.sin(3 * p.data)
        p.grad = tg.Tensor((-g if maximize else g).astype(p.data.dtype))


def _trajectory(name, kwargs, dtype, backend_name, steps=100):
    backend.use(backend_name)
    params = _make_params(dtype)
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": kwargs["lr"] / 2 if "lr" in kwargs else 0.5}]
    opt = getattr(optim, name)(groups, **kwargs)
    for _ in range(steps):
        _set_grads(params, kwargs.get("maximize", False))
        opt.step()
    return [p.data.copy() for p in params]


def _ids(configs):
    return [f"{name}-" + "-".join(f"{k}={v}" for k, v in kw.items() if k != "lr") for name, kw in configs]


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=_ids(CONFIGS))
def test_every_option_combination_follows_the_reference_trajectory_on_both_backends(name, kwargs, restore_backend):
    for dtype in (np.float32, np.float64):
        expected = _trajectory(name, kwargs, dtype, "numpy")
        assert all(np.isfinite(e).all() for e in expected)
        for backend_name in BACKENDS[1:]:
            got = _trajectory(name, kwargs, dtype, backend_name)
            tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
            for g, e in zip(got, expected):
                assert g.dtype == dtype
                np.testing.assert_allclose(g, e, **tol)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True)), ("Adagrad", dict(lr_decay=0.01)),
    ("RMSprop", dict(momentum=0.5, centered=True)), ("Adadelta", {}), ("Adam", dict(amsgrad=True)), ("AdamW", {}),
    ("Adamax", {}), ("NAdam", {}), ("RAdam", {})])
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_resuming_from_state_dict_continues_bit_identically(name, kwargs, backend_name, restore_backend):
    backend.use(backend_name)
    straight = _make_params(np.float64)
    opt = getattr(optim, name)(straight, **kwargs)
    for _ in range(20):
        _set_grads(straight, False)
        opt.step()

    resumed = _make_params(np.float64)
    first = getattr(optim, name)(resumed, **kwargs)
    for _ in range(8):
        _set_grads(resumed, False)
        first.step()
    saved_weights, saved_state = [p.data.copy() for p in resumed], first.state_dict()
    for _ in range(3):  # steps taken after saving must not leak into the saved state
        _set_grads(resumed, False)
        first.step()
    fresh = _make_params(np.float64, seed=1)
    for p, w in zip(fresh, saved_weights):
        p.data[...] = w
    second = getattr(optim, name)(fresh, **kwargs)
    second.load_state_dict(saved_state)
    for _ in range(12):
        _set_grads(fresh, False)
        second.step()
    for a, b in zip(straight, fresh):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_numbers_parameters_and_keeps_group_hyperparameters():
    params = _make_params(np.float32)
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1)
    _set_grads(params, False)
    params[1].grad = None
    opt.step()
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in saved["param_groups"]] == [0.1, 0.5]
    assert sorted(saved["state"]) == [0, 2]  # parameter 1 had no gradient: skipped, no state
    assert saved["state"][0]["step"] == 1 and saved["state"][0]["exp_avg"].shape == (3, 5)


def test_parameters_without_grad_are_skipped_and_zero_grad_clears():
    params = _make_params(np.float64)
    opt = optim.SGD(params, lr=0.1)
    _set_grads(params, False)
    params[0].grad = None
    before = params[0].data.copy()
    opt.step()
    np.testing.assert_array_equal(params[0].data, before)
    opt.zero_grad(set_to_none=False)
    assert params[1].grad is not None and not params[1].grad.data.any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_parameter_groups_use_their_own_hyperparameters():
    a, b = (tg.Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = tg.Tensor(np.ones(2)), tg.Tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.0)


def test_lecture_momentum_matches_pytorch_momentum_at_constant_lr_and_differs_under_a_schedule():
    def run(style, schedule):
        params = _make_params(np.float64)
        opt = optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True, momentum_style=style)
        sched = StepLR(opt, step_size=5, gamma=0.1) if schedule else None
        for _ in range(30):
            _set_grads(params, False)
            opt.step()
            if sched:
                sched.step()
        return np.concatenate([p.data.ravel() for p in params])
    np.testing.assert_allclose(run("lecture", False), run("pytorch", False), rtol=1e-12)
    assert not np.allclose(run("lecture", True), run("pytorch", True), rtol=1e-6)


def test_lecture_momentum_is_h_equals_alpha_h_plus_eta_g():
    w = tg.Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.5, momentum_style="lecture")
    h, expected = 0.0, 1.0
    for _ in range(5):
        w.grad = tg.Tensor(2 * w.data)  # f = w²
        h = 0.5 * h + 0.1 * 2 * expected
        expected -= h
        opt.step()
        assert w.data[0] == pytest.approx(expected, rel=1e-14)


def test_adam_without_bias_correction_is_the_lecture_rule():
    w = tg.Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Adam([w], lr=0.1, bias_correction=False)
    m = v = 0.0
    expected = 1.0
    for _ in range(5):
        g = 2 * expected
        w.grad = tg.Tensor(np.array([g]))
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        expected -= 0.1 * m / (math.sqrt(v) + 1e-8)
        opt.step()
        assert w.data[0] == pytest.approx(expected, rel=1e-13)


def test_adamw_is_adam_with_decoupled_weight_decay():
    def run(cls, **kw):
        params = _make_params(np.float64)
        opt = cls(params, lr=0.01, weight_decay=0.1, **kw)
        for _ in range(10):
            _set_grads(params, False)
            opt.step()
        return np.concatenate([p.data.ravel() for p in params])
    np.testing.assert_array_equal(run(optim.AdamW), run(optim.Adam, decoupled_weight_decay=True))
    assert not np.allclose(run(optim.AdamW), run(optim.Adam))


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_lookahead_pulls_back_every_k_steps_and_resumes(backend_name, restore_backend):
    backend.use(backend_name)
    w = tg.Tensor(np.array([0.0, 0.0]), requires_grad=True)
    opt = optim.Lookahead(optim.SGD([w], lr=1.0), k=2, alpha=0.5)
    for step in range(1, 5):
        w.grad = tg.Tensor(np.array([-1.0, -2.0]))  # each inner step moves w by +(1, 2)
        opt.step()
        if step == 1:
            np.testing.assert_array_equal(w.data, [1.0, 2.0])
    # after 2 inner steps fast = (2, 4), slow (0, 0) -> (1, 2); two more -> fast (3, 6), slow -> (2, 4)
    np.testing.assert_array_equal(w.data, [2.0, 4.0])
    saved = opt.state_dict()
    w2 = tg.Tensor(w.data.copy(), requires_grad=True)
    opt2 = optim.Lookahead(optim.SGD([w2], lr=1.0), k=2, alpha=0.5)
    opt2.load_state_dict(saved)
    for o, p in ((opt, w), (opt2, w2)):
        for _ in range(3):
            p.grad = tg.Tensor(np.array([-1.0, -2.0]))
            o.step()
    np.testing.assert_array_equal(w.data, w2.data)
    assert opt.param_groups is opt.base_optimizer.param_groups
    assert "Lookahead" in repr(opt) and "SGD" in repr(opt)


def test_lr_finder_sweeps_exponentially_suggests_a_rate_and_restores_everything():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1
    W = tg.Tensor(np.zeros((3, 1)), requires_grad=True)
    b = tg.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([W, b], lr=0.123, momentum=0.9)

    def model(inputs):
        return inputs @ W + b

    def loss_fn(pred, target):
        return ((pred - target) ** 2).mean()

    loader = [(tg.Tensor(x[i:i + 16]), tg.Tensor(y[i:i + 16])) for i in range(0, 64, 16)]
    W.data[...] = 0.3
    weights_before, state_before = W.data.copy(), opt.state_dict()
    lrs, losses, suggested = optim.lr_finder(model, loss_fn, opt, loader, start_lr=1e-4, end_lr=10.0, num_steps=40)
    assert lrs[0] == pytest.approx(1e-4) and len(lrs) == len(losses) <= 40
    np.testing.assert_allclose(np.diff(np.log(lrs)), np.log(1e5) / 39)
    assert losses[-1] > min(losses)  # the sweep ran into divergence and stopped
    assert 1e-4 < suggested < lrs[-1]
    np.testing.assert_array_equal(W.data, weights_before)
    assert opt.param_groups[0]["lr"] == 0.123 and opt.state_dict() == state_before


@pytest.mark.parametrize("make, error, message", [
    (lambda: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda: optim.SGD(tg.Tensor([1.0], requires_grad=True)), TypeError, "single Tensor"),
    (lambda: optim.SGD([tg.Tensor([1.0])]), ValueError, "does not require grad"),
    (lambda: optim.SGD([tg.Tensor([1.0], requires_grad=True) * 2]), ValueError, "not a leaf"),
    (lambda: optim.SGD([np.zeros(3)]), TypeError, "must be Tensors"),
    (lambda: optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=-1), ValueError, "invalid lr"),
    (lambda: optim.SGD([tg.Tensor([1.0], requires_grad=True)], nesterov=True), ValueError, "Nesterov"),
    (lambda: optim.SGD([tg.Tensor([1.0], requires_grad=True)], momentum_style="x"), ValueError, "momentum_style"),
    (lambda: optim.Adam([tg.Tensor([1.0], requires_grad=True)], betas=(0.9, 1.0)), ValueError, "beta2"),
    (lambda: optim.Adam([{"params": [tg.Tensor([1.0], requires_grad=True)], "momentum": 0.9}]), ValueError,
     "unknown hyper-parameter"),
])
def test_bad_construction_is_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_duplicate_parameters_and_mismatched_gradients_are_rejected():
    w = tg.Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [w]}, {"params": [w]}])
    opt = optim.Adam([w])
    w.grad = tg.Tensor(np.zeros(2))
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\)"):
        opt.step()
    w.grad = tg.Tensor(np.zeros(3, np.float32))
    with pytest.raises(TypeError, match="float32"):
        opt.step()


def test_load_state_dict_rejects_a_different_layout():
    a = optim.SGD([tg.Tensor(np.zeros(3), requires_grad=True)], lr=0.1)
    b = optim.SGD([tg.Tensor(np.zeros(3), requires_grad=True), tg.Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="parameters"):
        b.load_state_dict(a.state_dict())


def test_repr_lists_groups_and_hyperparameters():
    opt = optim.RMSprop([tg.Tensor(np.zeros(3), requires_grad=True)], lr=0.01, centered=True)
    text = repr(opt)
    assert text.startswith("RMSprop (") and "Parameter Group 0" in text and "centered: True" in text


def test_closure_is_evaluated_and_its_loss_returned():
    w = tg.Tensor(np.array([2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 4.0 and w.data[0] == 1.0


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1), lambda p: optim.Adam(p),
                                  lambda p: optim.Lookahead(optim.SGD(p, lr=0.1), k=1)])
def test_step_bumps_the_version_so_stale_graphs_refuse_backward(make):
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = make([w])
    (w * w).sum().backward()
    stale = (w * w).sum()  # saves w for its backward
    opt.step()
    with pytest.raises(tg.GraphError, match="modified in place"):
        stale.backward()
