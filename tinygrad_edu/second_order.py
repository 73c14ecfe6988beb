"""Second derivatives from first ones: the Hessian and Hessian-vector products as differences of autograd gradients.

    Hessian-vector product:  H·v ≈ (∇f(x + h·v) − ∇f(x − h·v)) / 2h          error O(h²)
    Hessian, column i:       H·eᵢ, the product with the i-th unit vector

Cost, and why second-order methods are rare for networks: a Hessian of n parameters takes 2n forward and
backward passes (one pair per coordinate) and n² numbers of memory. For a network of 100 000 weights that is
200 000 backward passes and 10¹⁰ numbers (80 GB in float64) for a single Newton step; a gradient step needs one
pass and n numbers. A Hessian-vector product alone costs two passes, whatever n is.

The step h balances two errors: the central difference is off by O(h²), and rounding in the gradients is
amplified to O(ε/h) (ε: machine epsilon of the dtype). eps=None picks h = ε^(1/3), about 6e-6 in float64 and
5e-3 in float32, where the two are of the same size.
"""
import numpy as np

from .autograd_mode import enable_grad
from .errors import DTypeError, ShapeError, TinygradEduError
from .dtypes import is_float
from .tensor import Tensor


class SecondOrderError(TinygradEduError, ValueError):
    """A problem the second-order tools cannot take: too many parameters, no closure, a singular system."""


def default_eps(dtype):
    """The finite-difference step ε^(1/3) for this floating-point dtype."""
    return float(np.finfo(dtype).eps) ** (1 / 3)


def hvp_from_gradient(gradient_at, x, v, eps):
    """H·v ≈ (∇f(x + h·v) − ∇f(x − h·v)) / 2h with h = eps/‖v‖, so the probe points lie eps away from x.

    gradient_at: flat float64 point ↦ flat float64 gradient. x, v: flat float64 vectors.
    """
    norm = np.linalg.norm(v)
    if norm == 0:
        return np.zeros_like(x)
    h = eps / norm
    return (gradient_at(x + h * v) - gradient_at(x - h * v)) / (2 * h)


def hessian_from_gradient(gradient_at, x, eps):
    """The n×n Hessian at flat point x, column by column as H·eᵢ, then symmetrised: (H + Hᵀ)/2.

    The true Hessian is symmetric (∂²f/∂xᵢ∂xⱼ = ∂²f/∂xⱼ∂xᵢ), but column i and row i are two separate difference
    estimates; averaging them makes the result exactly symmetric, as eigvalsh and Cholesky expect.
    """
    columns = [hvp_from_gradient(gradient_at, x, unit, eps) for unit in np.eye(x.size)]
    matrix = np.stack(columns, axis=1) if columns else np.zeros((0, 0))
    return (matrix + matrix.T) / 2


def hessian(fn, x, eps=None):
    """∇²fn(x): the Hessian of scalar-valued `fn` at tensor `x`, as a float64 numpy array of shape x.shape + x.shape.

    Built from central differences of autograd gradients: 2·x.size backward passes, x.size² numbers (see the
    module docstring for why that rules it out for networks). Use float64 inputs for accurate second derivatives.
    """
    x, gradient_at, eps = _prepare(fn, x, eps)
    return hessian_from_gradient(gradient_at, _flat(x), eps).reshape(x.shape * 2)


def hvp(fn, x, v, eps=None):
    """H·v, the Hessian of scalar-valued `fn` at `x` times `v` (same shape as x), from two gradients; a float64 array."""
    x, gradient_at, eps = _prepare(fn, x, eps)
    v = v if isinstance(v, Tensor) else Tensor(v)
    if v.shape != x.shape:
        raise ShapeError(f"hvp: v has shape {v.shape} but x has shape {x.shape}; they must match")
    return hvp_from_gradient(gradient_at, _flat(x), _flat(v), eps).reshape(x.shape)


def _prepare(fn, x, eps):
    """(x as a Tensor, the gradient function of fn at flat points, the step)."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    if not is_float(x.dtype):
        raise DTypeError(f"second derivatives need a floating-point x, got dtype {x.dtype}")
    if eps is None:
        eps = default_eps(x.dtype)
    elif not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    return x, _gradient_function(fn, x.shape, x.dtype), eps


def _flat(tensor):
    return tensor.data.astype(np.float64).reshape(-1)


def _gradient_function(fn, shape, dtype):
    """flat point ↦ flat ∇fn there: each call evaluates fn on a fresh leaf and runs one backward pass."""
    def gradient_at(point):
        leaf = Tensor(point.reshape(shape).astype(dtype), requires_grad=True)
        with enable_grad():
            out = fn(leaf)
            if not isinstance(out, Tensor) or out.size != 1:
                raise ShapeError(f"hessian/hvp need fn to return a scalar Tensor, got "
                                 f"{type(out).__name__} of shape {np.shape(out)}")
            if out.requires_grad:  # False when fn ignores x: the gradient is zero
                out.backward()
        return flat_gradient(leaf)
    return gradient_at


def flat_gradient(tensor):
    """tensor.grad as a flat float64 vector (zeros when backward never reached the tensor)."""
    return np.zeros(tensor.size) if tensor.grad is None else _flat(tensor.grad)
