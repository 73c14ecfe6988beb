"""Layers: Linear, the activations, Identity, Flatten, Dropout. Each forward is one call into nn.functional."""
import numpy as np

from .. import backend
from ..errors import DTypeError
from ..dtypes import as_dtype
from ..tensor import Tensor
from . import functional as F
from . import init as nn_init
from .module import Module, Parameter


class Linear(Module):
    """y = x·Wᵀ + b with W of shape (out_features, in_features), as in PyTorch (state dicts translate one to one).

    init: "he" (default), "lecun", "xavier", or a callable that fills the weight in place (e.g.
    `lambda w: nn.init.orthogonal_(w)`); the bias starts at 0.
    Why "he" by default: the hidden layers of the MLPs built here are followed by ReLU, which zeroes half of
    each pre-activation, so E[x²] = ½·D(y); D(w) = 2/fan_in keeps the signal's scale from layer to layer
    (lecture 4). Before tanh or sigmoid pick "xavier"; for a purely linear stack "lecun".
    """

    def __init__(self, in_features, out_features, bias=True, init="he", dtype=np.float32):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.init = init
        self.weight = Parameter(backend.empty_aligned((self.out_features, self.in_features), as_dtype(dtype)))
        self.register_parameter("bias", Parameter(np.zeros(self.out_features, dtype=as_dtype(dtype))) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        if callable(self.init):
            self.init(self.weight)
        elif self.init in nn_init.SCHEMES:
            nn_init.SCHEMES[self.init](self.weight)
        else:
            raise ValueError(f"Linear: init must be one of {sorted(nn_init.SCHEMES)} or a callable, got {self.init!r}")
        if self.bias is not None:
            nn_init.zeros_(self.bias)

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.dtype != self.weight.dtype:
            raise DTypeError(f"Linear: input dtype {x.dtype} differs from weight dtype {self.weight.dtype}; "
                             f"convert the input (x.float(), x.double()) or the model (model.to(dtype))")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """relu(x) = max(0, x)"""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """leaky_relu(x) = x if x > 0 else negative_slope·x"""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^(−x))"""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x)"""

    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along `axis`"""

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class LogSoftmax(Softmax):
    """log_softmax(x)ᵢ = xᵢ − log Σⱼ e^(xⱼ) along `axis` (pair with NLLLoss)"""

    def forward(self, x):
        return F.log_softmax(x, self.axis)


class Identity(Module):
    """identity(x) = x"""

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge axes start_dim..end_dim: (N, 1, 28, 28) -> (N, 784)"""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout while training: y = x·m/(1 − p), m ~ Bernoulli(1 − p); the identity in eval mode"""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must lie in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
