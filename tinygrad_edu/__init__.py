"""tinygrad_edu: a minimal, readable autograd framework with a C core.

    import tinygrad_edu as tg
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()     # x.grad == [2, 4]
"""
from .anomaly import AnomalyError
from .autograd_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, retain_grads
from .backend import backend_info, set_num_threads
from .errors import DTypeError, GraphError, ShapeError, TinygradEduError
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .random import manual_seed
from .second_order import SecondOrderError, hessian, hvp
from .dtypes import bool_, float32, float64, int32, int64
from .tensor import Tensor, cat, concatenate, matmul, stack, where
from .creation import arange, eye, from_numpy, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like

from . import data, nn, optim, train  # noqa: E402  (sub-packages built on the names above)
from .checkpoint import CheckpointError, load, save  # noqa: E402

__version__ = "0.1.0"

_LAZY_SUBPACKAGES = ("viz", "lab")  # imported on first use: they are the only ones that may pull in plotting


def __getattr__(name):
    """`tinygrad_edu.viz` and `tinygrad_edu.lab` without importing them (and matplotlib) at start-up."""
    if name in _LAZY_SUBPACKAGES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
