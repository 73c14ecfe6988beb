"""Layers and losses as plain functions of Tensors (the nn modules call these).

Losses take `reduction="mean"|"sum"|"none"`: average over all elements (over the batch for the
classification losses), add them up, or return the per-element (per-sample) losses.
"""
import numpy as np

from .. import function as ops
from .. import random as _random
from ..backend.reference import check_class_range
from ..errors import DTypeError, ShapeError
from ..tensor import Tensor

# ---- activations and layers -----------------------------------------------------------------------------------


def linear(x, weight, bias=None):
    """y = x·Wᵀ + b, weight of shape (out_features, in_features)"""
    return x.linear(weight, bias)


def relu(x):
    """relu(x) = max(0, x)"""
    return x.relu()


def leaky_relu(x, negative_slope=0.01):
    """leaky_relu(x) = x if x > 0 else negative_slope·x"""
    return x.leaky_relu(negative_slope)


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x))"""
    return x.sigmoid()


def tanh(x):
    """tanh(x) = (eˣ − e^(−x)) / (eˣ + e^(−x))"""
    return x.tanh()


def softmax(x, axis=-1):
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ)"""
    return x.softmax(axis)


def log_softmax(x, axis=-1):
    """log_softmax(x)ᵢ = xᵢ − log Σⱼ e^(xⱼ)"""
    return x.log_softmax(axis)


def flatten(x, start_dim=1, end_dim=-1):
    """Merge axes start_dim..end_dim: (N, 28, 28) -> (N, 784)"""
    return x.flatten(start_dim, end_dim)


def dropout(x, p=0.5, training=True):
    """Inverted dropout: y = x·m/(1 − p), m ~ Bernoulli(1 − p), so E[y] = x and eval needs no rescaling"""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must lie in [0, 1], got {p}")
    if not training or p == 0:
        return x
    keep = _random.generator().random(x.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * Tensor(keep * scale, dtype=x.dtype)


# ---- losses -----------------------------------------------------------------------------------------------------
REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses, reduction):
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _float_target(name, input, target):
    """The target as a Tensor of the input's float dtype and exactly the input's shape.

    Equal shapes are required on purpose: an (N,) target against an (N, 1) output would broadcast to
    (N, N) and silently train on the wrong loss.
    """
    target = target if isinstance(target, Tensor) else Tensor(np.array(target))  # a copy: backward may read it
    if target.shape != input.shape:
        raise ShapeError(f"{name}: target shape {target.shape} differs from input shape {input.shape} "
                         "(reshape one of them, e.g. y.reshape(-1, 1))")
    return target if target.dtype == input.dtype else target.astype(input.dtype)


def _class_target(name, logits, target):
    """The target as a Tensor of integer class indices of shape (batch,) for (batch, classes) logits, or an error
    naming the loss. A numpy target is copied: backward reads it, and changing it later must change nothing."""
    target = target if isinstance(target, Tensor) else Tensor(np.array(target))
    if logits.ndim != 2:
        raise ShapeError(f"{name}: input must be (batch, classes), got shape {logits.shape}")
    if target.dtype.kind not in "iu":
        raise DTypeError(f"{name}: class targets must be integers, got dtype {target.dtype} (make them with "
                         f"dtype='int64', or y.astype('int64'))")
    if target.shape != logits.shape[:1]:
        raise ShapeError(f"{name}: target of shape {target.shape} does not fit input of shape {logits.shape} "
                         f"(expected ({logits.shape[0]},))")
    return target


def mse_loss(input, target, reduction="mean"):
    """ℓ = (x − y)²"""
    _check_reduction("mse_loss", reduction)
    diff = input - _float_target("mse_loss", input, target)
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, reduction="mean"):
    """ℓ = |x − y|  (mean absolute error)"""
    _check_reduction("l1_loss", reduction)
    return _reduce((input - _float_target("l1_loss", input, target)).abs(), reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    """ℓ = −[y·log p + (1 − y)·log(1 − p)], p clamped to [ε, 1 − ε] (ε = machine epsilon) so log(0) never happens"""
    _check_reduction("binary_cross_entropy", reduction)
    target = _float_target("binary_cross_entropy", input, target)
    eps = float(np.finfo(input.dtype).eps)
    p = input.clip(eps, 1.0 - eps)
    return _reduce(-(target * p.log() + (1.0 - target) * (1.0 - p).log()), reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """ℓ = max(z, 0) − z·y + log(1 + e^(−|z|))  (= BCE of σ(z), without overflow); ∂ℓ/∂z = σ(z) − y"""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    target = _float_target("binary_cross_entropy_with_logits", input, target)
    losses = input.relu() - input * target + ((-input.abs()).exp() + 1.0).log()
    return _reduce(losses, reduction)


def nll_loss(input, target, reduction="mean"):
    """ℓ = −log_probs[y]: the negative log-likelihood of the true class, given log-probabilities"""
    _check_reduction("nll_loss", reduction)
    target = _class_target("nll_loss", input, target)
    check_class_range("nll_loss", target.data, input.shape[1])
    return _reduce(-input[np.arange(input.shape[0]), target.data], reduction)


def cross_entropy(input, target, reduction="mean"):
    """ℓ = −Σₖ yₖ·log softmax(z)ₖ from logits z; for a class index y, ℓ = −log softmax(z)_y and ∂ℓ/∂z = softmax(z) − onehot(y)

    target: integer class indices of shape (batch,), or class probabilities of the logits' shape.
    """
    _check_reduction("cross_entropy", reduction)
    target_dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    if target_dtype.kind in "iu":
        # one fused op (the backend checks the index range as it reads the indices)
        return ops.CrossEntropy.apply(input, _class_target("cross_entropy", input, target), reduction=reduction)
    if input.ndim != 2:
        raise ShapeError(f"cross_entropy: input must be (batch, classes), got shape {input.shape}")
    target_shape = target.shape if isinstance(target, Tensor) else np.shape(target)
    if target_shape != input.shape:  # most often class indices held as floats: say what each kind of target needs
        raise ShapeError(f"cross_entropy: a {target_dtype} target of shape {target_shape} is neither class indices "
                         f"(integers of shape ({input.shape[0]},): make them with dtype='int64', or y.astype('int64')) "
                         f"nor class probabilities (floats of the input's shape {input.shape})")
    probs = _float_target("cross_entropy", input, target)
    return _reduce(-(probs * input.log_softmax(axis=1)).sum(axis=1), reduction)
