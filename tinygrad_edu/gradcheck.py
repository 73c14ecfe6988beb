"""Finite-difference gradients, and a checker that compares them with autograd.

    forward difference:  ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x)) / h            error O(h)
    central difference:  ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h     error O(h²)

numerical_grad differentiates fn(...).sum(). gradcheck reduces a non-scalar output y to Σ wⱼ·yⱼ with fixed
random weights w instead, so that one check covers the vector-Jacobian product that backward() computes
(with all weights 1, errors that cancel across outputs could hide). Use float64 inputs: in float32 rounding swamps
the difference quotient.
"""
import warnings

import numpy as np

from .autograd_mode import no_grad
from .errors import TinygradEduError
from .tensor import Tensor


class GradcheckError(TinygradEduError, AssertionError):
    """Autograd and finite differences disagree."""


def _weighted_sum(fn, inputs, random_weights):
    """The scalar function x ↦ Σ w·fn(x) both gradients are taken of, and w (all ones unless random_weights)."""
    with no_grad():
        out = fn(*inputs)
    if random_weights and out.size > 1:
        weights = np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape).astype(out.dtype)
    else:
        weights = np.ones(out.shape, dtype=out.dtype)

    def scalar(*args):
        return float(np.sum(fn(*args).data * weights))
    return scalar, weights


def _checked_inputs(inputs):
    inputs = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
    if not any(x.requires_grad for x in inputs):
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    if any(x.requires_grad and x.dtype != np.float64 for x in inputs):
        warnings.warn("gradcheck: finite differences in float32 are unreliable; use float64 inputs", stacklevel=3)
    return inputs


def numerical_grad(fn, *inputs, eps=1e-6, method="central"):
    """Finite-difference gradients of fn(*inputs).sum() for each input that requires grad (None for the others)."""
    inputs = _checked_inputs(inputs)
    scalar, _ = _weighted_sum(fn, inputs, random_weights=False)
    return _finite_differences(scalar, inputs, eps, method)


def _finite_differences(scalar, inputs, eps, method):
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    grads = []
    with no_grad():
        base = scalar(*inputs) if method == "forward" else None
        for x in inputs:
            if not x.requires_grad:
                grads.append(None)
                continue
            grad = np.zeros(x.shape, dtype=np.float64)
            flat, grad_flat = x.data.reshape(-1), grad.reshape(-1)  # views: nudging flat nudges x
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + eps
                upper = scalar(*inputs)
                if method == "central":
                    flat[i] = original - eps
                    grad_flat[i] = (upper - scalar(*inputs)) / (2 * eps)
                else:
                    grad_flat[i] = (upper - base) / eps
                flat[i] = original
            grads.append(grad)
    return grads


def _autograd(fn, inputs, weights):
    """Autograd gradients of Σ w·fn(*inputs)."""
    for x in inputs:
        x.grad = None
    fn(*inputs).backward(weights)
    return [None if not x.requires_grad else (x.grad.data if x.grad is not None else np.zeros(x.shape))
            for x in inputs]


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, method="central"):
    """Check autograd against finite differences: |auto − numeric| ≤ atol + rtol·|numeric| everywhere.

    Returns True, or raises GradcheckError listing the worst mismatching entries of each input.
    """
    inputs = _checked_inputs(inputs)
    scalar, weights = _weighted_sum(fn, inputs, random_weights=True)
    numeric = _finite_differences(scalar, inputs, eps, method)
    auto = _autograd(fn, inputs, weights)
    problems = []
    for position, (a, n) in enumerate(zip(auto, numeric)):
        if n is None:
            continue
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and (np.max(excess) > 0 or not np.all(np.isfinite(a))):
            worst = np.argsort(-np.nan_to_num(excess, nan=np.inf), axis=None)[:5]
            rows = [f"    index {tuple(int(j) for j in np.unravel_index(i, excess.shape))}: autograd {a.flat[i]:.8g}, "
                    f"numerical {n.flat[i]:.8g}" for i in worst if not excess.flat[i] <= 0]
            problems.append(f"  input {position} (shape {a.shape}):\n" + "\n".join(rows))
    if problems:
        raise GradcheckError(f"gradcheck failed ({method} differences, eps={eps}, atol={atol}, rtol={rtol}):\n"
                             + "\n".join(problems))
    return True
