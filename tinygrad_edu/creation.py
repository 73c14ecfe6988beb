"""New leaf tensors: from data (tensor, from_numpy), filled (zeros, ones, full, arange, eye) or random (randn, rand).

They make leaves only, so nothing here touches the graph. zeros, ones, full, arange, eye, randn and rand give
float32 unless dtype= says otherwise; tensor() converts a copy of its data as Tensor() does, from_numpy shares the
array and keeps its dtype.
"""
import numpy as np

from . import random as _random
from .errors import ShapeError
from .dtypes import as_dtype, float32
from .tensor import Tensor


def tensor(data, requires_grad=False, dtype=None, name=None):
    """A new leaf holding a copy of `data`, as torch.tensor copies: changing the array afterwards changes nothing
    here. `from_numpy` (and `Tensor(array)`) share the array's memory instead."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def from_numpy(array, requires_grad=False):
    """A tensor sharing memory with `array` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy array, got {type(array).__name__}")
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(isinstance(s, (int, np.integer)) and s >= 0 for s in shape):
        raise ShapeError(f"a shape is non-negative ints, got {shape}")
    return tuple(int(s) for s in shape)


def _new(array, dtype, requires_grad):
    return Tensor(array, requires_grad=requires_grad, dtype=as_dtype(dtype) or float32)


def zeros(*shape, dtype=None, requires_grad=False):
    return _new(np.zeros(_shape(shape)), dtype, requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return _new(np.ones(_shape(shape)), dtype, requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    return _new(np.full(_shape(shape), fill_value), dtype, requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    return _new(np.arange(start, stop, step) if stop is not None else np.arange(start), dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _new(np.eye(n, m), dtype, requires_grad)


def randn(*shape, dtype=None, requires_grad=False):
    """Standard normal draws from the library RNG (see manual_seed)."""
    return _new(_random.generator().standard_normal(_shape(shape)), dtype, requires_grad)


def rand(*shape, dtype=None, requires_grad=False):
    """Uniform [0, 1) draws from the library RNG (see manual_seed)."""
    return _new(_random.generator().random(_shape(shape)), dtype, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)
