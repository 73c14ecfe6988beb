"""PyTorch as the oracle: each optimizer follows torch.optim's trajectory (float64, 100 steps, ~1e-10 relative)
on the Rosenbrock function and on a tiny MLP with two parameter groups, on both backends."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend, optim

torch = pytest.importorskip("torch")

try:
    from tinygrad_edu.backend import c as c_backend  # noqa: F401
    BACKENDS = ["numpy", "c"]
except ImportError:
    BACKENDS = ["numpy"]

RTOL = 1e-10


@pytest.fixture(autouse=True)
def float64_everywhere():
    """torch keeps scalar optimizer state (step, NAdam's μ product) in the default dtype: make it float64 too."""
    before_dtype, before_backend = torch.get_default_dtype(), backend.current
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before_dtype)
    backend.current = before_backend


CASES = [
    ("SGD", dict(lr=2e-4)), ("SGD", dict(lr=2e-4, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=2e-4, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=2e-4, momentum=0.8, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict(lr=1e-3)), ("RMSprop", dict(lr=1e-3, momentum=0.5, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=1e-3, centered=True, maximize=True)),
    ("Adadelta", dict(weight_decay=0.01)), ("Adadelta", dict(lr=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, maximize=True)), ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)), ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01, weight_decay=0.01)), ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, maximize=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.01)), ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, maximize=True)),
]


def _ids(cases):
    return [name + "-" + "-".join(f"{k}={v}" for k, v in kw.items()) for name, kw in cases]


def _rosenbrock(x, sign):
    return ((1 - x[0]) ** 2 + (x[1] - x[0] * x[0]) ** 2 * 100.0) * sign


def _run_rosenbrock(lib, name, kwargs, steps=100):
    sign = -1.0 if kwargs.get("maximize") else 1.0  # maximizing −f walks the same way as minimizing f
    start = np.array([-1.5, 2.0])
    if lib == "torch":
        x = torch.tensor(start, requires_grad=True)
        opt = getattr(torch.optim, name)([x], **kwargs)
    else:
        x = tg.Tensor(start, requires_grad=True, dtype="float64")
        opt = getattr(optim, name)([x], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        _rosenbrock(x, sign).backward()
        opt.step()
    return [x.detach().numpy().copy() if lib == "torch" else x.data.copy()]


def _mlp_start():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((32, 4))
    target = np.sin(data.sum(axis=1, keepdims=True))
    weights = [rng.standard_normal((4, 8)) * 0.5, rng.standard_normal(8) * 0.1, rng.standard_normal((8, 1)) * 0.5,
               rng.standard_normal(1) * 0.1]
    return data, target, weights


def _run_mlp(lib, name, kwargs, steps=100):
    sign = -1.0 if kwargs.get("maximize") else 1.0
    data, target, weights = _mlp_start()
    if lib == "torch":
        params = [torch.tensor(w, requires_grad=True) for w in weights]
        x, y, make = torch.tensor(data), torch.tensor(target), torch.optim
    else:
        params = [tg.Tensor(w.copy(), requires_grad=True, dtype="float64") for w in weights]
        x, y, make = tg.Tensor(data, dtype="float64"), tg.Tensor(target, dtype="float64"), optim
    lr = kwargs.get("lr", 1.0)
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": lr * 0.5, "weight_decay": 0.05}]
    opt = getattr(make, name)(groups, **kwargs)
    w1, b1, w2, b2 = params
    for _ in range(steps):
        opt.zero_grad()
        prediction = (x @ w1 + b1).tanh() @ w2 + b2
        (((prediction - y) ** 2).mean() * sign).backward()
        opt.step()
    return [p.detach().numpy().copy() if lib == "torch" else p.data.copy() for p in params]


def _scaled_lr(kwargs, factor):
    return {**kwargs, "lr": kwargs["lr"] * factor} if "lr" in kwargs else kwargs


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("name, kwargs", CASES, ids=_ids(CASES))
def test_rosenbrock_trajectory_matches_torch(name, kwargs, backend_name):
    backend.use(backend_name)
    ours, theirs = _run_rosenbrock("ours", name, kwargs), _run_rosenbrock("torch", name, kwargs)
    assert np.abs(theirs[0] - np.array([-1.5, 2.0])).max() > 1e-3  # the optimizer really moved
    np.testing.assert_allclose(ours[0], theirs[0], rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("name, kwargs", CASES, ids=_ids(CASES))
def test_mlp_with_two_parameter_groups_matches_torch(name, kwargs, backend_name):
    backend.use(backend_name)
    kwargs = _scaled_lr(kwargs, 50.0) if name == "SGD" else kwargs  # Rosenbrock's tiny SGD rates barely move an MLP
    ours, theirs = _run_mlp("ours", name, kwargs), _run_mlp("torch", name, kwargs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12)


def test_lr_schedule_driven_trajectory_matches_torch():
    """OneCycleLR cycling both lr and momentum of SGD with Nesterov momentum, on the MLP."""
    from tinygrad_edu.optim.lr_scheduler import OneCycleLR
    data, target, weights = _mlp_start()
    results = []
    for lib in ("ours", "torch"):
        if lib == "torch":
            params = [torch.tensor(w, requires_grad=True) for w in weights]
            x, y = torch.tensor(data), torch.tensor(target)
            opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=60)
        else:
            params = [tg.Tensor(w.copy(), requires_grad=True, dtype="float64") for w in weights]
            x, y = tg.Tensor(data, dtype="float64"), tg.Tensor(target, dtype="float64")
            opt = optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)
            sched = OneCycleLR(opt, max_lr=0.1, total_steps=60)
        w1, b1, w2, b2 = params
        for _ in range(60):
            opt.zero_grad()
            (((x @ w1 + b1).tanh() @ w2 + b2 - y) ** 2).mean().backward()
            opt.step()
            sched.step()
        results.append([p.detach().numpy() if lib == "torch" else p.data for p in params])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12)
