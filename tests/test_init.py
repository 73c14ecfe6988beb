"""nn.init: empirical statistics of large draws against the variance formulas, fans, gains, determinism."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import init

FAN_OUT, FAN_IN = 300, 500  # a weight of shape (out, in)


def weight():
    return nn.Parameter(np.empty((FAN_OUT, FAN_IN), dtype=np.float32))


def test_fans_follow_the_out_in_layout():
    assert init.calculate_fans(weight()) == (FAN_IN, FAN_OUT)
    assert init.calculate_fans(np.empty((8, 3, 5, 5))) == (75, 200)
    with pytest.raises(ShapeError, match="at least 2 dims"):
        init.calculate_fans(np.empty(7))


def test_functions_fill_in_place_and_return_the_tensor():
    w = weight()
    array = w.data
    assert init.normal_(w) is w and w.data is array


# rule, keyword arguments, expected std, uniform bound (None for the normal rules)
SCALES = [
    (init.lecun_uniform_, {}, math.sqrt(1 / FAN_IN), math.sqrt(3 / FAN_IN)),
    (init.lecun_normal_, {}, math.sqrt(1 / FAN_IN), None),
    (init.xavier_uniform_, {}, math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6) / math.sqrt(FAN_IN + FAN_OUT)),
    (init.xavier_normal_, {}, math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    (init.he_uniform_, {}, math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
    (init.he_normal_, {}, math.sqrt(2 / FAN_IN), None),
    (init.he_normal_, {"mode": "fan_out"}, math.sqrt(2 / FAN_OUT), None),
    (init.kaiming_uniform_, {"mode": "fan_out"}, math.sqrt(2 / FAN_OUT), math.sqrt(6 / FAN_OUT)),
    (init.he_normal_, {"nonlinearity": "leaky_relu", "a": 0.2}, math.sqrt(2 / (1.04 * FAN_IN)), None),
    (init.lecun_normal_, {"gain": 5 / 3}, 5 / 3 / math.sqrt(FAN_IN), None),
    (init.glorot_uniform_, {"gain": 2.0}, 2 * math.sqrt(2 / (FAN_IN + FAN_OUT)), 2 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
]


@pytest.mark.parametrize("rule, kwargs, std, bound", SCALES)
def test_variance_scaling_rules_match_their_formulas(rule, kwargs, std, bound):
    tg.manual_seed(0)
    values = rule(weight(), **kwargs).data
    assert abs(values.mean()) < 0.01 * std * 10  # 150 000 draws: the mean is within a few std/√n of 0
    assert values.std() == pytest.approx(std, rel=0.01)
    if bound is not None:
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.99 * bound


def test_plain_distributions_and_fills():
    tg.manual_seed(0)
    w = weight()
    assert init.normal_(w, mean=2.0, std=0.5).data.mean() == pytest.approx(2.0, abs=0.01)
    assert w.data.std() == pytest.approx(0.5, rel=0.01)
    init.uniform_(w, -3.0, 1.0)
    assert w.data.min() >= -3 and w.data.max() < 1 and w.data.mean() == pytest.approx(-1.0, abs=0.02)
    init.trunc_normal_(w, std=1.0, a=-1.0, b=1.5)
    assert w.data.min() >= -1.0 and w.data.max() <= 1.5
    pdf = lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi)
    cdf = lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2)))
    truncated_mean = (pdf(-1.0) - pdf(1.5)) / (cdf(1.5) - cdf(-1.0))
    assert w.data.mean() == pytest.approx(truncated_mean, abs=0.01)
    assert np.all(init.constant_(w, 0.25).data == 0.25)
    assert np.all(init.zeros_(w).data == 0) and np.all(init.ones_(w).data == 1)


@pytest.mark.parametrize("shape", [(30, 50), (50, 30)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    w = init.orthogonal_(np.empty(shape), gain=2.0)
    small = min(shape)
    gram = w @ w.T if shape[0] < shape[1] else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-10)


def test_eye():
    np.testing.assert_array_equal(init.eye_(np.empty((2, 3))), [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ShapeError):
        init.eye_(np.empty(3))


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye_and_zeros_fill_as_torch_does(shape):
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(init.eye_(np.empty(shape)), torch.nn.init.eye_(torch.empty(shape)).numpy())
    np.testing.assert_array_equal(init.zeros_(np.empty(shape)), torch.nn.init.zeros_(torch.empty(shape)).numpy())


@pytest.mark.parametrize("shape", [(4, 3, 2, 2), (12, 2, 3)])
def test_orthogonal_flattens_trailing_dims_as_torch_does(shape):
    torch = pytest.importorskip("torch")
    rows = shape[0]
    ours = init.orthogonal_(np.empty(shape), gain=1.5).reshape(rows, -1)
    theirs = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=1.5).numpy().reshape(rows, -1)
    for w in (ours, theirs):  # the same orthonormal side: rows when rows <= cols, else columns
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        np.testing.assert_allclose(gram, 1.5 ** 2 * np.eye(min(w.shape)), atol=1e-12)


def test_orthogonal_matrices_are_uniformly_distributed_as_torch_draws_them():
    # A Haar-random orthogonal matrix has E[W] = 0 (W and −W are equally likely); plain QR without the sign fix
    # gives an R with a fixed sign on its diagonal and a Q biased towards it.
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    torch.manual_seed(0)
    ours = np.array([init.orthogonal_(np.empty((3, 3))) for _ in range(500)])
    theirs = np.array([torch.nn.init.orthogonal_(torch.empty(3, 3, dtype=torch.float64)).numpy() for _ in range(500)])
    for draws in (ours, theirs):
        assert np.abs(draws.mean(axis=0)).max() < 0.12  # standard error 1/√(3·500) ≈ 0.026; unfixed QR: 0.5
        np.testing.assert_allclose((draws ** 2).mean(axis=0), 1 / 3, atol=0.05)  # E[W_ij²] = 1/n


def test_orthogonal_keeps_lengths_so_a_deep_linear_chain_keeps_its_scale():
    tg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal(64)
    y = x
    for _ in range(50):
        y = init.orthogonal_(np.empty((64, 64))) @ y
    assert np.linalg.norm(y) == pytest.approx(np.linalg.norm(x), rel=1e-10)


@pytest.mark.parametrize("name", ["orthogonal", "identity", "zero"])
def test_linear_takes_the_new_schemes_by_name(name):
    tg.manual_seed(0)
    layer = nn.Linear(6, 4, init=name, dtype=np.float64)
    expected = {"orthogonal": lambda w: np.allclose(w @ w.T, np.eye(4)), "identity": lambda w: np.array_equal(
        w, np.eye(4, 6)), "zero": lambda w: not w.any()}[name]
    assert expected(layer.weight.data)


def test_gains():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fan_in"):
        init.he_normal_(weight(), mode="fan_avg")


def test_draws_are_reproducible_under_manual_seed():
    tg.manual_seed(42)
    first = init.xavier_normal_(weight()).data.copy()
    tg.manual_seed(42)
    np.testing.assert_array_equal(init.xavier_normal_(weight()).data, first)


def test_he_keeps_the_signal_scale_through_deep_relu_stacks():
    """The lecture's argument: with D(w) = 2/n_in the second moment survives ReLU layers; U[±1/√n] shrinks it by 6 per layer."""
    tg.manual_seed(0)
    x = tg.randn(500, 256)
    he, small = x, x
    for _ in range(10):
        he = nn.Linear(256, 256, init="he")(he).relu()
        small = nn.Linear(256, 256, init=lambda w: init.uniform_(w, -1 / 16, 1 / 16))(small).relu()
    assert 0.5 < float((he.data ** 2).mean()) < 2.0
    assert float((small.data ** 2).mean()) < 1e-6
