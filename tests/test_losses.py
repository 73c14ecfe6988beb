"""Losses: against hand-written formulas, against PyTorch when installed, gradients by finite differences."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.errors import DTypeError, ShapeError
from tinygrad_edu.nn import functional as F

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 4))
CLASSES = np.array([0, 3, 1, 1, 2, 0])
PROBS = rng.dirichlet(np.ones(4), size=6)
PRED = rng.standard_normal((6, 3))
TARGET = rng.standard_normal((6, 3))
P = rng.uniform(0.05, 0.95, size=(6, 1))
Y01 = rng.integers(0, 2, size=(6, 1)).astype(np.float64)


def t64(array, requires_grad=False):
    return tg.tensor(array, dtype=tg.float64, requires_grad=requires_grad)


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))  # = 1 / (1 + e^(−z)), without overflow


# name, loss module, input, target, per-element (or per-sample) losses by hand
CASES = [
    ("mse", nn.MSELoss, PRED, TARGET, (PRED - TARGET) ** 2),
    ("l1", nn.L1Loss, PRED, TARGET, np.abs(PRED - TARGET)),
    ("bce", nn.BCELoss, P, Y01, -(Y01 * np.log(P) + (1 - Y01) * np.log(1 - P))),
    ("bce_logits", nn.BCEWithLogitsLoss, PRED[:, :1], Y01,
     -(Y01 * np.log(sigmoid(PRED[:, :1])) + (1 - Y01) * np.log(1 - sigmoid(PRED[:, :1])))),
    ("ce_classes", nn.CrossEntropyLoss, LOGITS, CLASSES, -log_softmax(LOGITS)[np.arange(6), CLASSES]),
    ("ce_probs", nn.CrossEntropyLoss, LOGITS, PROBS, -(PROBS * log_softmax(LOGITS)).sum(axis=1)),
    ("nll", nn.NLLLoss, log_softmax(LOGITS), CLASSES, -log_softmax(LOGITS)[np.arange(6), CLASSES]),
]
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("name, loss_cls, x, y, expected", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_hand_formulas(name, loss_cls, x, y, expected, reduction):
    out = loss_cls(reduction=reduction)(t64(x), y).data
    reduced = {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction]
    np.testing.assert_allclose(out, reduced, rtol=1e-10)


@pytest.mark.parametrize("name, loss_cls, x, y, expected", CASES, ids=IDS)
def test_loss_gradients_pass_gradcheck(name, loss_cls, x, y, expected):
    assert tg.gradcheck(lambda inp: loss_cls(reduction="sum")(inp, y), t64(x, requires_grad=True))


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_batch():
    z = t64(LOGITS, requires_grad=True)
    F.cross_entropy(z, CLASSES).backward()
    softmax = np.exp(log_softmax(LOGITS))
    np.testing.assert_allclose(z.grad.data, (softmax - np.eye(4)[CLASSES]) / len(CLASSES), rtol=1e-10)


def test_cross_entropy_is_stable_for_huge_logits():
    z = tg.tensor([[1000.0, 0.0, -1000.0], [-5000.0, 5000.0, 0.0]], requires_grad=True)
    loss = F.cross_entropy(z, [0, 0])
    assert loss.item() == pytest.approx(5000.0)
    loss.backward()
    assert np.all(np.isfinite(z.grad.data))
    assert np.isfinite(F.cross_entropy(z, np.array([[1.0, 0, 0], [0, 1.0, 0]], dtype=np.float32)).item())


def test_bce_is_clamped_at_zero_and_one():
    p = tg.tensor([[0.0], [1.0]], requires_grad=True)
    loss = F.binary_cross_entropy(p, [[1.0], [0.0]])  # log(0) unclamped
    assert np.isfinite(loss.item()) and loss.item() > 10
    loss.backward()
    assert np.all(np.isfinite(p.grad.data))


def test_bce_with_logits_is_stable_and_its_gradient_is_sigmoid_minus_target():
    z = t64([[800.0], [-800.0], [0.3]], requires_grad=True)
    y = [[0.0], [1.0], [1.0]]
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="sum")
    assert loss.item() == pytest.approx(1600 + np.log1p(np.exp(-0.3)))
    loss.backward()
    np.testing.assert_allclose(z.grad.data, sigmoid(z.data) - np.array(y))


def test_bad_targets_are_named_in_errors():
    with pytest.raises(ShapeError, match=r"target shape \(6,\) differs from input shape \(6, 1\)"):
        F.mse_loss(t64(P), P[:, 0])  # would silently broadcast to (6, 6)
    with pytest.raises(ShapeError, match=r"expected \(6,\)"):
        F.cross_entropy(t64(LOGITS), CLASSES[:4])
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        F.nll_loss(t64(LOGITS), CLASSES + 1)
    with pytest.raises(DTypeError, match="integers"):
        F.nll_loss(t64(LOGITS), CLASSES.astype(np.float64))
    with pytest.raises(ValueError, match="reduction must be"):
        nn.MSELoss(reduction="avg")


@pytest.mark.parametrize("name, loss_cls, x, y, expected", CASES, ids=IDS)
def test_losses_and_gradients_match_pytorch(name, loss_cls, x, y, expected):
    torch = pytest.importorskip("torch")
    torch_cls = getattr(torch.nn, loss_cls.__name__)
    ours_x, their_x = t64(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    their_y = torch.tensor(y)
    ours = loss_cls()(ours_x, y)
    theirs = torch_cls()(their_x, their_y)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)
    np.testing.assert_allclose(ours_x.grad.data, their_x.grad.numpy(), rtol=1e-8, atol=1e-12)
