"""Weight initialisation, in place: each function fills `tensor.data`, returns the tensor, and draws from
the library RNG (so `manual_seed` makes it reproducible).

Why the scales (lecture 4): for y = Σᵢ wᵢxᵢ over n_in independent zero-mean inputs, D(y) = n_in·D(w)·E[x²].
- keep D(y) = D(x) for a linear/symmetric layer  ⇒ D(w) = 1/n_in            (LeCun)
- average the forward (n_in) and backward (n_out) conditions ⇒ D(w) = 2/(n_in + n_out)   (Xavier/Glorot)
- after ReLU, E[x²] = ½·D(pre-activation)        ⇒ D(w) = 2/n_in            (He/Kaiming)
A uniform U[−a, a] has variance a²/3, so the uniform versions use a = √(3·D(w)).

Fans for a weight of shape (out_features, in_features): fan_in = in_features, fan_out = out_features
(for more dims, both are multiplied by the size of the trailing "receptive field" dims).
"""
import math

import numpy as np

from .. import random as _random
from ..errors import ShapeError


def _array(tensor):
    """The array to fill in place: a Tensor's (or Parameter's) data, or a numpy array itself."""
    return tensor if isinstance(tensor, np.ndarray) else tensor.data


def _fill(tensor, values):
    _array(tensor)[...] = values
    if not isinstance(tensor, np.ndarray):
        tensor.mark_modified()  # an in-place change, as any other: graphs that saved the old values refuse
    return tensor


def calculate_fans(tensor):
    """(fan_in, fan_out) of a weight of shape (out, in, *receptive_field)."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ShapeError(f"fans need a weight with at least 2 dims (out, in, ...), got shape {shape}")
    receptive = int(np.prod(shape[2:], dtype=np.int64))
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode):
    fan_in, fan_out = calculate_fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def calculate_gain(nonlinearity, param=None):
    """The factor by which an activation shrinks the signal's standard deviation is undone by: std(w) ∝ gain.

    linear/identity/sigmoid: 1, tanh: 5/3, relu: √2, leaky_relu: √(2/(1 + slope²)) (slope = param, default
    0.01), selu: 3/4.
    """
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}; "
                     "use linear, identity, sigmoid, tanh, relu, leaky_relu or selu")


# ---- plain fills and distributions --------------------------------------------------------------------------
def zeros_(tensor):
    """w = 0

    As an init for the weights of a hidden layer it fails: every unit computes the same output, receives the
    same gradient ∂L/∂W[j, :] = δ_j·xᵀ (δ_j equal for all j) and takes the same step, so the units stay copies
    of each other ("symmetry"); lab.symmetry_lab shows it.
    """
    return _fill(tensor, 0)


def ones_(tensor):
    """w = 1"""
    return _fill(tensor, 1)


def constant_(tensor, val):
    """w = val"""
    return _fill(tensor, val)


def normal_(tensor, mean=0.0, std=1.0):
    """w ~ N(mean, std²)"""
    return _fill(tensor, _random.generator().normal(mean, std, size=_array(tensor).shape))


def uniform_(tensor, a=0.0, b=1.0):
    """w ~ U[a, b)"""
    return _fill(tensor, _random.generator().uniform(a, b, size=_array(tensor).shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """w ~ N(mean, std²) restricted to [a, b] (draws outside are redrawn)"""
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    shape = _array(tensor).shape
    values = np.empty(int(np.prod(shape, dtype=np.int64)))
    todo = np.arange(values.size)
    while todo.size:
        values[todo] = _random.generator().normal(mean, std, size=todo.size)
        todo = todo[(values[todo] < a) | (values[todo] > b)]
    return _fill(tensor, values.reshape(shape))


def orthogonal_(tensor, gain=1.0):
    """W = gain·Q with Q a random orthogonal matrix, as torch.nn.init.orthogonal_ (Saxe et al., 2014).

    The weight is seen as a matrix of rows = shape[0] and cols = the product of the other dims. With G a
    Gaussian matrix of shape (max, min) and G = QR its QR decomposition, Q·sign(diag R) has orthonormal
    columns and is uniformly (Haar) distributed; it becomes W's rows when rows ≤ cols (W·Wᵀ = gain²·I), else
    its columns (Wᵀ·W = gain²·I). A square orthogonal W keeps every length, ‖Wx‖ = gain·‖x‖, so a deep linear
    chain neither explodes nor vanishes, whatever its depth.
    """
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ShapeError(f"orthogonal_ needs at least 2 dims, got shape {shape}")
    rows, cols = shape[0], int(np.prod(shape[1:], dtype=np.int64))
    gaussian = _random.generator().standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(gaussian)
    q *= np.sign(np.diag(r))  # fix the signs so Q is uniformly distributed (Haar), not biased by QR
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(shape))


def eye_(tensor):
    """W = I, as torch.nn.init.eye_: W[i, i] = 1 for i < min(out, in), zeros elsewhere (2-D weights only).

    A square layer then starts as the identity map y = x (the lecture's chain with W = diag(1)); a wider layer
    copies x into its first units and leaves the rest at 0, a narrower one keeps the first inputs only.
    """
    shape = _array(tensor).shape
    if len(shape) != 2:
        raise ShapeError(f"eye_ needs a 2-D weight, got shape {shape}")
    return _fill(tensor, np.eye(*shape))


# ---- variance-scaling rules (the lecture's LeCun, Xavier, He) ------------------------------------------------
def lecun_uniform_(tensor, gain=1.0, mode="fan_in"):
    """w ~ U[−gain·√(3/fan_in), +gain·√(3/fan_in)], so D(w) = gain²/fan_in"""
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def lecun_normal_(tensor, gain=1.0, mode="fan_in"):
    """w ~ N(0, gain²/fan_in)"""
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)))


def xavier_uniform_(tensor, gain=1.0):
    """w ~ U[−gain·√6/√(fan_in + fan_out), +gain·√6/√(fan_in + fan_out)], so D(w) = 2·gain²/(fan_in + fan_out)"""
    fan_in, fan_out = calculate_fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """w ~ N(0, 2·gain²/(fan_in + fan_out))"""
    fan_in, fan_out = calculate_fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _he_gain(gain, nonlinearity, a):
    return calculate_gain(nonlinearity, a) if gain is None else gain


def he_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="relu", gain=None):
    """w ~ U[−gain·√(3/fan), +gain·√(3/fan)] with gain = √2 for ReLU: U[−√(6/fan_in), √(6/fan_in)]

    `a` is the negative slope when nonlinearity="leaky_relu"; an explicit `gain` overrides both.
    """
    bound = _he_gain(gain, nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def he_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="relu", gain=None):
    """w ~ N(0, gain²/fan) with gain = √2 for ReLU: std √(2/fan_in)

    `a` is the negative slope when nonlinearity="leaky_relu"; an explicit `gain` overrides both.
    """
    return normal_(tensor, 0.0, _he_gain(gain, nonlinearity, a) / math.sqrt(_fan(tensor, mode)))


kaiming_uniform_ = he_uniform_
kaiming_normal_ = he_normal_
glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_

# The named schemes nn.Linear(init=...) accepts: the lecture's variance-scaling rules (LeCun and Xavier uniform,
# He normal), plus orthogonal, identity and zero (the last one for showing why it fails).
SCHEMES = {"lecun": lecun_uniform_, "xavier": xavier_uniform_, "glorot": xavier_uniform_,
           "he": he_normal_, "kaiming": he_normal_, "orthogonal": orthogonal_, "identity": eye_, "zero": zeros_}
