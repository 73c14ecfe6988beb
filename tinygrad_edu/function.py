"""Every differentiable op: forward and backward side by side.

An op is a small `Function` subclass. `forward` computes on numpy arrays and saves what `backward` reads with
`save_for_backward`; `backward(grad)` returns one gradient per input (None where the input needs none). The
first line of each docstring is the op's local derivative (and, for ops that call a backend kernel, its
formula): the backward trace and the HTML explorer show it to learners. Gradients may come back in the
broadcast shape of the output: the engine sums them back to each input's shape in one place
(engine.sum_to_shape), so no op undoes broadcasting itself.
"""
import math

import numpy as np

from . import anomaly, backend
from .autograd_mode import anomaly_enabled, grad_enabled
from .errors import ShapeError
from .tensor import Tensor


class Function:
    """Base of every op. `apply` runs forward and, when any input requires grad, links the result into the graph."""
    # defaults for an op that is not (or no longer) part of a graph
    parents = ()
    needs_input_grad = ()
    saved = ()  # None once backward has freed it
    saved_versions = ()  # (input position or None for the output, its version counter, its count at forward)

    @classmethod
    def apply(cls, *inputs, **params):
        op = cls()
        op.needs_input_grad = tuple([t.requires_grad for t in inputs])  # forward saves only what these need
        try:
            out = op.forward(*[t.data for t in inputs], **params)
        except ShapeError:
            raise
        except (ValueError, IndexError) as exc:  # numpy's shape, axis and index errors: name the op and the shapes
            shapes = ", ".join(str(t.shape) for t in inputs)
            raise ShapeError(f"{cls.__name__}: {exc} (input shapes {shapes})") from exc
        result = Tensor(out)  # (a numpy scalar from a full reduction becomes a 0-d array here)
        if anomaly_enabled.get():
            anomaly.check_forward(cls, inputs, result.data)
        if result.data.base is not None:  # a view of an input's memory (reshape, transpose, slice) shares its counter
            owners = [t for t in inputs if np.may_share_memory(result.data, t.data)]
            if owners:
                result._version_counter = owners[0]._version_counter
        if grad_enabled.get() and any(op.needs_input_grad):  # join the graph
            result.op, result.requires_grad, op.parents = op, True, inputs
            if op.saved:
                op.saved_versions = op._versions_of_saved(inputs, result)
        return result

    def save_for_backward(self, *arrays):
        """Keep arrays that backward reads. Those that are an input's or the output's memory are watched: if one
        is changed in place before backward runs, backward refuses instead of computing with the new values."""
        self.saved = arrays

    def save_each_for_the_other(self, a, b):
        """save_for_backward(a, b), keeping each only if the other input requires grad, since ∂/∂a reads b and ∂/∂b
        reads a. PyTorch keeps as little, so an in-place change of w after w·x matters only if x requires grad."""
        need_a, need_b = self.needs_input_grad[:2]
        self.saved = (a if need_b else None, b if need_a else None)

    def _versions_of_saved(self, inputs, output):
        """(input position, or None for the output; its version counter; the counter's value now) for every saved
        array that is an input's or the output's memory."""
        noted, owners = [], (*inputs, output)
        for array in self.saved:  # an array no tensor owns is a temporary of forward's, which nothing else changes
            if array is not None:
                for position, tensor in enumerate(owners):
                    if array is tensor.data:
                        noted.append((position if tensor is not output else None, tensor._version_counter,
                                      tensor._version_counter.value))
                        break
        return noted

    @classmethod
    def rule(cls):
        """The op's local-derivative rule: the first line of its docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    def __repr__(self):
        """Add(d, e): the op and its inputs, by name where they have one."""
        return f"{type(self).__name__}({', '.join(p.name or anomaly.describe(p) for p in self.parents)})"

    def free(self):
        """Drop what forward saved for backward (called after backward unless retain_graph=True). An op that saved
        nothing can be differentiated again, as in PyTorch."""
        if self.saved:
            self.saved = None


# ---- element-wise binary ops -----------------------------------------------------------------------------
class Add(Function):
    """∂(a + b)/∂a = 1, ∂(a + b)/∂b = 1"""
    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    """∂(a − b)/∂a = 1, ∂(a − b)/∂b = −1"""
    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, -grad if self.needs_input_grad[1] else None


class Mul(Function):
    """∂(a·b)/∂a = b, ∂(a·b)/∂b = a"""
    def forward(self, a, b):
        self.save_each_for_the_other(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²"""
    def forward(self, a, b):
        self.save_for_backward(a if self.needs_input_grad[1] else None, b)
        return a / b

    def backward(self, grad):
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        grad_over_b = grad / b
        return (grad_over_b if need_a else None), (-grad_over_b * a / b if need_b else None)


class Pow(Function):
    """∂(aᵇ)/∂a = b·aᵇ⁻¹, ∂(aᵇ)/∂b = aᵇ·ln a"""
    def forward(self, a, b):
        out = a ** b
        self.save_for_backward(a, b, out if self.needs_input_grad[1] else None)
        return out

    def backward(self, grad):
        a, b, out = self.saved
        need_a, need_b = self.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:  # a⁰ is constant, so its gradient is 0 even at a = 0, where b·aᵇ⁻¹ would be 0·∞
                grad_a = np.where(b == 0, 0, grad * b * a ** (b - 1))
            if need_b:  # 0ᵇ is 0 or 1 for b ≥ 0, so its limit is 0, not aᵇ·ln 0; a negative a gives NaN
                grad_b = grad * np.where((a == 0) & (b >= 0), 0, out * np.log(a))
        return grad_a, grad_b


# ---- element-wise unary ops ------------------------------------------------------------------------------
class Neg(Function):
    """∂(−a)/∂a = −1"""
    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class Exp(Function):
    """∂eᵃ/∂a = eᵃ"""
    def forward(self, a):
        out = np.exp(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * out,)


class Log(Function):
    """∂ln a/∂a = 1/a"""
    def forward(self, a):
        self.save_for_backward(a)
        return np.log(a)

    def backward(self, grad):
        (a,) = self.saved
        return (grad / a,)


class Sqrt(Function):
    """∂√a/∂a = 1/(2√a)"""
    def forward(self, a):
        out = np.sqrt(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad / (2 * out),)


class Abs(Function):
    """∂|a|/∂a = sign(a)  (0 at a = 0)"""
    def forward(self, a):
        self.save_for_backward(a)
        return np.abs(a)

    def backward(self, grad):
        (a,) = self.saved
        return (grad * np.sign(a),)


class Tanh(Function):
    """∂tanh a/∂a = 1 − tanh²a"""
    def forward(self, a):
        out = np.tanh(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * (1 - out * out),)


class Sigmoid(Function):
    """∂σ(a)/∂a = σ(a)·(1 − σ(a))"""
    def forward(self, a):
        # σ(a) = ½(1 + tanh(a/2)) never overflows, unlike 1/(1 + e⁻ᵃ) for very negative a
        out = 0.5 * (1 + np.tanh(0.5 * a))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * out * (1 - out),)


class ReLU(Function):
    """relu(a) = max(a, 0):  ∂relu(a)/∂a = 1 if a > 0 else 0"""
    def forward(self, a):
        out = backend.current.relu(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (backend.current.relu_backward(grad, out),)


class LeakyReLU(Function):
    """∂leaky_relu(a)/∂a = 1 if a > 0 else negative_slope"""
    def forward(self, a, negative_slope=0.01):
        self.save_for_backward(a)
        self.negative_slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    def backward(self, grad):
        (a,) = self.saved
        return (np.where(a > 0, grad, grad * self.negative_slope),)


class Clip(Function):
    """∂clip(a, lo, hi)/∂a = 1 if lo ≤ a ≤ hi else 0"""
    def forward(self, a, low=None, high=None):
        self.save_for_backward(a)
        self.low, self.high = low, high
        return np.clip(a, low, high)

    def backward(self, grad):
        (a,) = self.saved
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return (grad * ((a >= low) & (a <= high)),)


class Cast(Function):
    """∂cast(a)/∂a = 1  (the gradient is cast back to a's dtype)"""
    def forward(self, a, dtype):
        return a.astype(dtype)

    def backward(self, grad):
        return (grad,)


class Where(Function):
    """∂where(c, a, b)/∂a = c, ∂where(c, a, b)/∂b = 1 − c"""
    def forward(self, a, b, condition):
        self.save_for_backward(condition)
        return np.where(condition, a, b)

    def backward(self, grad):
        (condition,) = self.saved
        zero = np.zeros((), dtype=grad.dtype)
        need_a, need_b = self.needs_input_grad
        return (np.where(condition, grad, zero) if need_a else None,
                np.where(condition, zero, grad) if need_b else None)


# ---- reductions ------------------------------------------------------------------------------------------
def _kept_shape(shape, axis):
    """The shape of a reduction over `axis` with keepdims=True (axis: None, int or tuple)."""
    if axis is None:
        return (1,) * len(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = {ax % len(shape) if -len(shape) <= ax < len(shape) else ax for ax in axes}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduced_count(shape, kept_shape):
    """How many elements a reduction to kept_shape combines into each result (n in the mean's 1/n)."""
    return math.prod(n for n, k in zip(shape, kept_shape) if k == 1)


class Sum(Function):
    """∂(Σᵢ aᵢ)/∂aⱼ = 1  (the gradient is copied to every summed element)"""
    def forward(self, a, axis=None, keepdims=False):
        out = np.sum(a, axis=axis, keepdims=keepdims)
        self.input_shape, self.kept_shape = a.shape, _kept_shape(a.shape, axis)
        return out

    def backward(self, grad):
        return (np.broadcast_to(grad.reshape(self.kept_shape), self.input_shape),)


class Mean(Sum):
    """∂(Σᵢ aᵢ / n)/∂aⱼ = 1/n"""
    def forward(self, a, axis=None, keepdims=False):
        total = super().forward(a, axis, keepdims)
        self.count = _reduced_count(a.shape, self.kept_shape)
        return total / self.count  # the mean of nothing is NaN, with numpy's warning

    def backward(self, grad):
        return super().backward(grad / max(self.count, 1))


class Var(Function):
    """∂var(a)/∂aⱼ = 2(aⱼ − ā)/(n − correction)"""
    def forward(self, a, axis=None, keepdims=False, correction=1):
        deviations = a - np.mean(a, axis=axis, keepdims=True)
        self.save_for_backward(deviations)
        self.kept_shape, self.whole = _kept_shape(a.shape, axis), axis is None
        self.dof = _reduced_count(a.shape, self.kept_shape) - correction
        with np.errstate(divide="ignore", invalid="ignore"):  # n ≤ correction: ∞ or NaN, as PyTorch
            return np.sum(deviations * deviations, axis=axis, keepdims=keepdims) / max(self.dof, 0)

    def backward(self, grad):
        (deviations,) = self.saved
        return (self._grad_from_var(grad, deviations),)

    def _grad_from_var(self, grad, deviations):
        grad = grad.reshape(self.kept_shape)
        if self.whole and self.dof <= 0:  # PyTorch's convention when 2/(n − correction) has no finite value
            return grad * np.where(deviations == 0, np.nan, np.inf)
        with np.errstate(invalid="ignore"):
            return grad * (2.0 / self.dof if self.dof else math.inf) * deviations


class Std(Var):
    """∂std(a)/∂aⱼ = (aⱼ − ā)/((n − correction)·std(a)), and 0 where std(a) = 0"""
    def forward(self, a, axis=None, keepdims=False, correction=1):
        out = np.sqrt(super().forward(a, axis, keepdims, correction))
        self.save_for_backward(*self.saved, out)
        return out

    def backward(self, grad):
        deviations, out = self.saved
        # a constant row has std 0 and no change of it moves std: 0, not ∞·0 (one constant feature must not
        # turn a whole batch's gradient into NaN)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_var = np.where(out == 0, 0, grad / (2 * out))
        return (self._grad_from_var(grad_var, deviations),)


class Max(Function):
    """∂max(a)/∂aⱼ = 1/k where aⱼ is one of the k maxima, else 0"""
    reduce = staticmethod(np.max)

    def forward(self, a, axis=None, keepdims=False):
        kept = self.reduce(a, axis=axis, keepdims=True)
        # A NaN is the maximum it propagates: over the whole tensor the NaNs share the gradient; along an axis no
        # element equals a NaN result, so its row's gradient is 0/0 = NaN. Both as PyTorch (max(), amax(dim)).
        is_extreme = np.isnan(a) if axis is None and np.isnan(kept).any() else a == kept
        with np.errstate(invalid="ignore"):
            self.save_for_backward(is_extreme / is_extreme.sum(axis=axis, keepdims=True))
        self.kept_shape = kept.shape
        if keepdims:
            return kept
        return kept.reshape(()) if axis is None else np.squeeze(kept, axis=axis)

    def backward(self, grad):
        (share,) = self.saved
        return (share * grad.reshape(self.kept_shape),)


class Min(Max):
    """∂min(a)/∂aⱼ = 1/k where aⱼ is one of the k minima, else 0"""
    reduce = staticmethod(np.min)


# ---- shape ops: they move gradients around without changing them -------------------------------------------
class Reshape(Function):
    """∂reshape(a)/∂a = 1  (the gradient is reshaped back)"""
    def forward(self, a, shape):
        self.input_shape = a.shape
        return a.reshape(shape)

    def backward(self, grad):
        return (grad.reshape(self.input_shape),)


class Permute(Function):
    """∂permute(a)/∂a = 1  (the gradient is permuted back)"""
    def forward(self, a, axes):
        self.axes = axes
        return np.transpose(a, axes)

    def backward(self, grad):
        return (np.transpose(grad, np.argsort([ax % grad.ndim for ax in self.axes])),)


class Expand(Function):
    """∂expand(a)/∂a = 1  (the engine sums the gradient back over the expanded axes)"""
    def forward(self, a, shape):
        return np.broadcast_to(a, shape)

    def backward(self, grad):
        return (grad,)


class GetItem(Function):
    """∂a[i]/∂a = 1 at the selected positions, 0 elsewhere  (repeated indices add up)"""
    def forward(self, a, index):
        self.input_shape, self.index = a.shape, index
        return a[index]

    def backward(self, grad):
        full = np.zeros(self.input_shape, dtype=grad.dtype)
        np.add.at(full, self.index, grad)
        return (full,)


class Cat(Function):
    """∂cat(a₁, …, aₙ)/∂aᵢ = 1 on aᵢ's slice of the output"""
    def forward(self, *arrays, axis=0):
        self.axis = axis
        self.split_points = np.cumsum([a.shape[axis] for a in arrays[:-1]]) if arrays[0].ndim else None
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad):
        return tuple(np.split(grad, self.split_points, axis=self.axis))


# ---- linear algebra ----------------------------------------------------------------------------------------
def _matmul(a, b, trans_a=False, trans_b=False):
    """op(a)·op(b), op = swap of the last two axes; 2-D and same-batch 3-D floats go to the backend GEMM."""
    if (a.dtype == b.dtype and a.dtype.kind == "f" and a.ndim == b.ndim
            and (a.ndim == 2 or (a.ndim == 3 and a.shape[0] == b.shape[0]))):
        return backend.current.gemm(a, b, trans_a, trans_b)
    return np.matmul(np.swapaxes(a, -1, -2) if trans_a else a, np.swapaxes(b, -1, -2) if trans_b else b)


class MatMul(Function):
    """C = A·B:  ∂C/∂A = G·Bᵀ, ∂C/∂B = Aᵀ·G  (G = ∂ℓ/∂C)"""
    def forward(self, a, b):
        if a.ndim < 2 or b.ndim < 2:
            raise ShapeError(f"MatMul takes operands of 2 or more dims, got {a.shape} and {b.shape}")
        if a.shape[-1] != b.shape[-2]:
            raise ShapeError(f"matmul: inner dimensions differ: {a.shape} @ {b.shape} "
                             f"({a.shape[-1]} != {b.shape[-2]})")
        self.save_each_for_the_other(a, b)
        return _matmul(a, b)

    def backward(self, grad):
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (_matmul(grad, b, trans_b=True) if need_a else None,
                _matmul(a, grad, trans_a=True) if need_b else None)


def _as_rows(x):
    """x as a 2-D array of rows, its leading axes flattened (a view)."""
    return x if x.ndim == 2 else x.reshape(-1, x.shape[-1])


class Linear(Function):
    """y = x·Wᵀ + b:  ∂y/∂x = G·W, ∂y/∂W = Gᵀ·x, ∂y/∂b = Σ_rows G"""
    def forward(self, x, weight, bias=None):
        if weight.ndim != 2 or x.ndim < 1 or x.shape[-1] != weight.shape[1]:
            raise ShapeError(f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
                             f"(expected input (..., {weight.shape[1] if weight.ndim == 2 else '?'}))")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ShapeError(f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape}")
        out = _matmul(_as_rows(x), weight, trans_b=True)
        if bias is not None:
            backend.current.add_bias(out, bias)
        self.save_each_for_the_other(x, weight)
        self.input_shape = x.shape
        return out if x.ndim == 2 else out.reshape(x.shape[:-1] + (weight.shape[0],))

    def backward(self, grad):
        x, weight = self.saved
        grad_rows = _as_rows(grad)
        need = self.needs_input_grad
        grad_x = _matmul(grad_rows, weight) if need[0] else None
        if need[0] and len(self.input_shape) != 2:  # back to x's leading axes
            grad_x = grad_x.reshape(self.input_shape)
        grad_w = _matmul(grad_rows, _as_rows(x), trans_a=True) if need[1] else None
        grad_b = backend.current.sum_rows(grad_rows) if len(need) > 2 and need[2] else None
        return (grad_x, grad_w, grad_b)


# ---- softmax family ----------------------------------------------------------------------------------------
class Softmax(Function):
    """s = softmax(z), sᵢ = e^zᵢ / Σⱼ e^zⱼ:  ∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ − sⱼ), so the gradient is s ⊙ (g − Σ g⊙s)"""
    def forward(self, z, axis=-1):
        out = np.exp(backend.current.log_softmax(z, axis))
        self.save_for_backward(out)
        self.axis = axis
        return out

    def backward(self, grad):
        (s,) = self.saved
        return (s * (grad - np.sum(grad * s, axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """log sᵢ = zᵢ − log Σⱼ e^zⱼ:  ∂log sᵢ/∂zⱼ = δᵢⱼ − sⱼ, so the gradient is g − softmax(z)·Σ g"""
    def forward(self, z, axis=-1):
        out = backend.current.log_softmax(z, axis)
        self.save_for_backward(out)
        self.axis = axis
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad - np.exp(out) * np.sum(grad, axis=self.axis, keepdims=True),)


class CrossEntropy(Function):
    """ℓ = −log softmax(z)_y:  ∂ℓ/∂z = softmax(z) − onehot(y)  (averaged over the batch for reduction="mean")

    Takes (batch, classes) logits and integer class indices of shape (batch,), as nn.functional.cross_entropy
    checks them; the backend checks the index range as it reads the indices.
    """
    def forward(self, logits, target, reduction="mean"):
        probs, losses = backend.current.cross_entropy(logits, target)
        self.save_for_backward(probs, target)
        self.reduction = reduction
        if reduction == "none":
            return losses
        total = losses.sum(dtype=logits.dtype)
        return total / len(target) if reduction == "mean" else total

    def backward(self, grad):
        probs, target = self.saved
        if self.reduction == "none":  # one scale per row: softmax − onehot first (× 1 changes no bit), then the scales
            dz = backend.current.cross_entropy_backward(probs, target, 1.0)
            dz *= grad[:, None]
            return dz, None
        scale = grad / len(target) if self.reduction == "mean" else grad
        return backend.current.cross_entropy_backward(probs, target, scale), None
