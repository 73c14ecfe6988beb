"""Tensor: a numpy array, its gradient, and its place in the computation graph.

Every Tensor made by an op keeps that op (`.op`, a `Function` instance) and the op keeps its inputs
(`.op.parents`). `backward()` walks this DAG in reverse topological order and applies the chain rule.
The graph has no reference cycles (an op never holds its own output), so it is freed as soon as the last
tensor referring to it goes away.
"""
import itertools

import numpy as np

from .anomaly import describe
from .autograd_mode import is_grad_enabled
from .dtypes import as_dtype, float32, float64, is_float
from .errors import DTypeError, GraphError, ShapeError


def _to_array(data, dtype):
    """The numpy array a new Tensor holds: Python numbers and lists become float32 unless asked otherwise; numpy
    arrays are not copied unless their dtype changes."""
    dtype = as_dtype(dtype)
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data)
    if dtype is None and array.dtype.kind in "fiub" and not isinstance(data, (np.ndarray, np.generic)):
        dtype = float32  # Python numbers and lists
    elif dtype is None and array.dtype.kind == "f" and array.dtype not in (float32, float64):
        dtype = float32  # float16 and longdouble are not computed with
    if array.dtype.kind not in "fiub":
        raise DTypeError(f"Tensor data must be numeric, got dtype {array.dtype}")
    return array if dtype is None or array.dtype == dtype else array.astype(dtype)


class VersionCounter:
    """How many times a piece of memory has been changed in place.

    Every tensor that views the same memory (slices, reshapes, transposes, detach()) shares one counter, so a
    change made through any of them is seen by all. An op notes the count of each tensor it saves for backward;
    backward refuses to run if the count moved, since the saved values are no longer those of forward.
    """
    value = 0  # the class's 0 until the first change gives a counter its own count


_creation_order = itertools.count()  # next() is atomic, so tensors made in several threads get distinct numbers


class Tensor:
    """An n-dimensional array that records the ops applied to it so gradients can flow back.

    data: numpy array (float32 by default for Python numbers and lists, float64 kept as float64);
    grad: Tensor or None, filled by backward(); op: the Function that made this tensor (None for leaves).
    Tensors are numbered as they are made: an op's result always comes after its inputs, so that number
    orders a graph for backward (engine.topological_order).
    """
    __slots__ = ("data", "grad", "requires_grad", "op", "name", "_retains_grad", "_version_counter",
                 "_creation_index", "__weakref__")
    __array_ufunc__ = None  # numpy defers to our operators: np.float64(2) * t calls t.__rmul__
    __hash__ = object.__hash__  # tensors are dict keys (optimizer state) even though == is element-wise

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if dtype is None and type(data) is np.ndarray and data.dtype in (float32, float64):
            self.data = data  # a float array, such as every op's result, is held as it is
        else:
            self.data = _to_array(data, dtype)
        self.grad = None
        self.op = None  # Function.apply links an op's result to the op after making it
        self.name = name
        self._retains_grad = False
        self._version_counter = VersionCounter()
        self._creation_index = next(_creation_order)
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- graph --------------------------------------------------------------------------------------
    @property
    def parents(self):
        """The tensors this one was computed from (empty for leaves)."""
        return self.op.parents if self.op is not None else ()

    is_leaf = property(lambda self: self.op is None)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not is_float(self.data.dtype):
            raise DTypeError(f"only floating-point tensors can require grad, got dtype {self.data.dtype} "
                             f"(integer and bool tensors hold labels, indices and masks)")
        if not requires_grad and self.op is not None:
            raise GraphError("requires_grad_(False) is only for leaves; use detach() on an op's result")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep .grad on this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise GraphError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True
        return self

    def detach(self):
        """The same data (shared, not copied, and so the same version counter) as a new leaf outside the graph."""
        detached = Tensor(self.data)
        detached._version_counter = self._version_counter
        return detached

    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into .grad of every leaf that requires grad (chain rule, reverse topological order)."""
        engine.run_backward(self, grad, retain_graph)

    # ---- in-place changes ------------------------------------------------------------------------------
    # They write into .data, so every alias of that memory sees the change, and count it on the shared version
    # counter. Under grad mode they are refused on tensors in the graph (PyTorch records them instead): write
    # `y = y + 1` there. Changing .data directly (micrograd's `p.data -= lr * p.grad.data`) is not counted.
    _version = property(lambda self: self._version_counter.value)  # in-place changes of this memory, by any alias

    def mark_modified(self):
        """Count an in-place change of .data (optimizers call this after their update)."""
        self._version_counter.value += 1
        return self

    def _check_in_place(self, operand=None):
        """Refuse an in-place change that would make a recorded gradient wrong, as PyTorch does."""
        if is_grad_enabled():
            if self.requires_grad and self.op is None:
                raise GraphError(f"a leaf that requires grad ({describe(self)}) cannot be changed in place while "
                                 f"the graph is recorded; do it inside `with tinygrad_edu.no_grad():`, as "
                                 f"optimizers do")
            if self.requires_grad:
                raise GraphError(f"in-place change of {describe(self)}, which is part of the graph: the ops "
                                 f"recorded with it would see other values in backward; write it out of place "
                                 f"(y = y + x instead of y += x)")
            if isinstance(operand, Tensor) and operand.requires_grad:
                raise GraphError(f"in-place change of {describe(self)}, which is outside the graph, by "
                                 f"{describe(operand)}, which requires grad: its gradient would be lost; write "
                                 f"it out of place (y = y + x instead of y += x)")
        if not self.data.flags.writeable:
            raise GraphError(f"cannot change {describe(self)} in place: its memory is read-only (an expand() "
                             f"result, where elements share memory, or a read-only numpy array)")

    def _update(self, ufunc, operand):
        self._check_in_place(operand)
        try:
            ufunc(self.data, _data(operand), out=self.data, casting="same_kind")
        except TypeError as exc:  # numpy's UFuncTypeError: the result's dtype does not fit this tensor's
            raise DTypeError(f"in-place {ufunc.__name__} into a tensor of dtype {self.dtype}: {exc}") from None
        except ValueError as exc:
            raise ShapeError(f"in-place {ufunc.__name__} of shape {np.shape(_data(operand))} into a tensor of "
                             f"shape {self.shape}: {exc}") from None
        return self.mark_modified()

    def _assign(self, index, values):
        self._check_in_place(values)
        try:
            self.data[index] = _data(values)
        except ValueError as exc:
            raise ShapeError(f"assigning {np.shape(_data(values))} values into a tensor of shape "
                             f"{self.shape}: {exc}") from None
        return self.mark_modified()

    # self ← self + alpha·other, self − alpha·other, self·other, self / other, in place
    def add_(self, other, alpha=1): return self._update(np.add, other if alpha == 1 else alpha * other)
    def sub_(self, other, alpha=1): return self._update(np.subtract, other if alpha == 1 else alpha * other)
    def mul_(self, other): return self._update(np.multiply, other)
    def div_(self, other): return self._update(np.true_divide, other)

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def zero_(self): return self._assign(..., 0)
    def fill_(self, value): return self._assign(..., value)

    def copy_(self, source):
        """Copy source's values into this tensor's memory (broadcast to its shape, cast to its dtype)."""
        return self._assign(..., source)

    def __setitem__(self, index, value):
        self._assign(_index(index), value)

    # ---- conversion and introspection ---------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    def __len__(self): return len(self.data)  # numpy refuses a 0-d array with a TypeError, as Python does
    def numel(self): return self.data.size

    def numpy(self):
        """The data, shared, not copied; read-only when this tensor requires grad (change it under no_grad())."""
        view = self.data.view() if self.requires_grad else self.data
        view.flags.writeable = view.flags.writeable and not self.requires_grad
        return view

    def tolist(self): return self.data.tolist()

    def item(self):
        if self.data.size != 1:
            raise ShapeError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def astype(self, dtype):
        """The data cast to `dtype`; an integer or bool result leaves the graph (it has no gradient)."""
        dtype = as_dtype(dtype)
        return ops.Cast.apply(self, dtype=dtype) if is_float(dtype) else Tensor(self.data.astype(dtype))

    to = astype

    def float(self): return self.astype(float32)
    def double(self): return self.astype(float64)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, edgeitems=3,
                               prefix="tensor(")
        extras = [f"dtype={self.data.dtype}" if self.data.dtype != float32 else "",
                  f"op={type(self.op).__name__}" if self.op else "requires_grad=True" if self.requires_grad else "",
                  f"name={self.name!r}" if self.name else ""]
        return "tensor(" + ", ".join([body] + [extra for extra in extras if extra]) + ")"

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.data.size} elements is ambiguous")
        return bool(self.data)

    # ---- arithmetic: each operator applies one Function from function.py ------------------------------
    def __add__(self, other): return ops.Add.apply(self, _operand(other, self))
    def __radd__(self, other): return ops.Add.apply(_operand(other, self), self)
    def __sub__(self, other): return ops.Sub.apply(self, _operand(other, self))
    def __rsub__(self, other): return ops.Sub.apply(_operand(other, self), self)
    def __mul__(self, other): return ops.Mul.apply(self, _operand(other, self))
    def __rmul__(self, other): return ops.Mul.apply(_operand(other, self), self)
    def __truediv__(self, other): return ops.Div.apply(self, _operand(other, self))
    def __rtruediv__(self, other): return ops.Div.apply(_operand(other, self), self)
    def __pow__(self, other): return ops.Pow.apply(self, _operand(other, self))
    def __rpow__(self, other): return ops.Pow.apply(_operand(other, self), self)
    def __matmul__(self, other): return matmul(self, _operand(other, self))
    def __rmatmul__(self, other): return matmul(_operand(other, self), self)
    def __neg__(self): return ops.Neg.apply(self)

    add, sub, mul, div, pow, matmul = __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__

    # ---- comparisons: masks, which carry no gradient ------------------------------------------------
    def __lt__(self, other): return Tensor(self.data < _data(other))
    def __le__(self, other): return Tensor(self.data <= _data(other))
    def __gt__(self, other): return Tensor(self.data > _data(other))
    def __ge__(self, other): return Tensor(self.data >= _data(other))
    def __eq__(self, other): return Tensor(self.data == _data(other))
    def __ne__(self, other): return Tensor(self.data != _data(other))
    def argmax(self, axis=None, keepdims=False): return Tensor(np.argmax(self.data, axis=axis, keepdims=keepdims))
    def argmin(self, axis=None, keepdims=False):
        return Tensor(np.argmin(self.data, axis=axis, keepdims=keepdims))

    # ---- shape ops ----------------------------------------------------------------------------------
    def reshape(self, *shape): return ops.Reshape.apply(self, shape=_shape_args(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge axes start_dim..end_dim into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        merged = int(np.prod(self.shape[start:end + 1]))
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def permute(self, *axes): return ops.Permute.apply(self, axes=_shape_args(axes))

    def transpose(self, axis0=-2, axis1=-1):
        """Swap two axes (the last two by default, so a matrix's transpose)."""
        if self.ndim < 2:
            return self
        axes = list(range(self.ndim))
        axes[axis0], axes[axis1] = axes[axis1], axes[axis0]
        return self.permute(*axes)

    @property
    def T(self):
        """All axes reversed (a matrix's transpose)."""
        return self.permute(*reversed(range(self.ndim))) if self.ndim >= 2 else self

    def expand(self, *shape):
        """Broadcast to `shape`; -1 keeps that axis."""
        shape = _shape_args(shape)
        offset = len(shape) - self.ndim
        shape = tuple(self.shape[i - offset] if n == -1 else n for i, n in enumerate(shape))
        return ops.Expand.apply(self, shape=shape)

    def squeeze(self, axis=None):
        """Drop axes of size 1 (all of them, or the one given)."""
        if axis is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = {a % self.ndim for a in (axis if isinstance(axis, tuple) else (axis,))}
        if any(self.shape[a] != 1 for a in axes):
            raise ShapeError(f"squeeze: axis {axis} of shape {self.shape} is not of size 1")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, axis):
        """Insert an axis of size 1 at `axis`."""
        axis = axis % (self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def __getitem__(self, index):
        return ops.GetItem.apply(self, index=_index(index))

    # ---- element-wise functions and reductions ------------------------------------------------------
    def exp(self): return ops.Exp.apply(self)
    def log(self): return ops.Log.apply(self)
    def sqrt(self): return ops.Sqrt.apply(self)
    def abs(self): return ops.Abs.apply(self)
    def tanh(self): return ops.Tanh.apply(self)
    def sigmoid(self): return ops.Sigmoid.apply(self)
    def relu(self): return ops.ReLU.apply(self)
    def leaky_relu(self, negative_slope=0.01): return ops.LeakyReLU.apply(self, negative_slope=negative_slope)

    def clip(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clip needs min, max or both")
        return ops.Clip.apply(self, low=min, high=max)

    clamp = clip

    def sum(self, axis=None, keepdims=False): return ops.Sum.apply(self, axis=_axis(axis), keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return ops.Mean.apply(self, axis=_axis(axis), keepdims=keepdims)

    def var(self, axis=None, keepdims=False, correction=1):
        """Σ(a − mean)² / (n − correction): unbiased (correction=1) by default, as in PyTorch."""
        return ops.Var.apply(self, axis=_axis(axis), keepdims=keepdims, correction=correction)

    def std(self, axis=None, keepdims=False, correction=1):
        """√var: its gradient is 0, not NaN, where all the values are equal."""
        return ops.Std.apply(self, axis=_axis(axis), keepdims=keepdims, correction=correction)

    def max(self, axis=None, keepdims=False): return ops.Max.apply(self, axis=_axis(axis), keepdims=keepdims)
    def min(self, axis=None, keepdims=False): return ops.Min.apply(self, axis=_axis(axis), keepdims=keepdims)
    def softmax(self, axis=-1): return ops.Softmax.apply(self, axis=axis)
    def log_softmax(self, axis=-1): return ops.LogSoftmax.apply(self, axis=axis)

    def linear(self, weight, bias=None):
        """x·Wᵀ + b with weight of shape (out, in), as nn.Linear computes it (one GEMM, no transposed copy)."""
        return ops.Linear.apply(self, weight) if bias is None else ops.Linear.apply(self, weight, bias)


# ---- helpers ------------------------------------------------------------------------------------------
def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _operand(x, like):
    """x as an operand of an op with `like`: tensors as they are; a Python number becomes a constant of like's
    float dtype (so 2 * t stays float32), anything else a constant tensor of its own."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool)) and is_float(like.data.dtype):
        return Tensor(np.asarray(x, dtype=like.data.dtype))
    return Tensor(x)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _index(index):
    """The index as numpy understands it; integer arrays and masks are copied, since backward reads them and
    changing them in place afterwards must not change the gradient."""
    if isinstance(index, tuple):
        return tuple(map(_index, index))
    if isinstance(index, (Tensor, list, np.ndarray)):
        return np.array(_data(index))
    return index


def _shape_args(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def matmul(a, b):
    """a @ b with numpy's rules: 1-D operands are promoted to a row/column and the extra axis dropped."""
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: operands must have at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.ndim == 1 and b.ndim == 1:
        return (a.unsqueeze(0) @ b.unsqueeze(1)).reshape(())
    if a.ndim == 1:
        return ops.MatMul.apply(a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return ops.MatMul.apply(a, b.unsqueeze(1)).squeeze(-1)
    return ops.MatMul.apply(a, b)


def where(condition, a, b):
    """Elements of a where condition holds, of b elsewhere (gradients flow to the chosen side)."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    return ops.Where.apply(_operand(a, like), _operand(b, like), condition=condition.astype(bool))


def cat(tensors, axis=0):
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat and stack need at least one tensor")
    return ops.Cat.apply(*tensors, axis=axis)


concatenate = cat


def stack(tensors, axis=0):
    """Join tensors along a new axis."""
    return cat([t.unsqueeze(axis) for t in tensors], axis=axis)


from . import engine  # noqa: E402  (engine and function build on Tensor, so they are imported last)
from . import function as ops  # noqa: E402
