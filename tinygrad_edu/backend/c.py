"""The C core behind a validating boundary.

Python checks dtype, shape, contiguity and alignment here, before any pointer crosses; the C kernels (csrc/tge.h
states each one's contract) refuse outputs that overlap their inputs themselves (csrc/overlap.h says why there).
Every function that computes has the same signature and meaning as its twin in reference.py.

C may only load and store a float or an int64 at an address that is a multiple of its size; numpy allocates arrays
so, but np.frombuffer at another offset (a file header, a packed record) does not (`a.flags.aligned` is False), and
C's loads and stores there are undefined behaviour (the sanitizer run, scripts/sanitize.sh, reports them). Such an
array is treated as a strided one: an input is read from an aligned C-contiguous copy; of the outputs C writes in
place, an optimizer's param is updated through such a copy and written back, add_bias's y takes numpy's line, and
gemm's out and the optimizer state buffers are refused with an error that names them. The common case (C-contiguous,
aligned, writeable: `flags.carray`) costs one flags read per buffer.
"""
import functools
import math

import numpy as np

from ..errors import DTypeError, ShapeError

from . import reference
from .._tge import ffi, lib

NAME = "c"
_from_buffer = ffi.from_buffer  # one attribute lookup fewer per pointer, on every kernel call

# C pointer types, parsed once (ffi.from_buffer given a type string looks it up on every call)
_FLOAT_POINTER, _DOUBLE_POINTER = ffi.typeof("float *"), ffi.typeof("double *")
_INDEX_POINTER = ffi.typeof("int64_t *")  # class indices
_GEMM = {np.dtype(np.float32): (_FLOAT_POINTER, lib.tge_sgemm),
         np.dtype(np.float64): (_DOUBLE_POINTER, lib.tge_dgemm)}
# the pointer type and the name suffix of the element-wise and optimizer kernels, per dtype
_KERNEL_SUFFIX = {np.dtype(np.float32): (_FLOAT_POINTER, "f32"), np.dtype(np.float64): (_DOUBLE_POINTER, "f64")}


@functools.lru_cache(maxsize=None)
def _kernel(name, dtype):
    """(pointer type, C function tge_<name>_<f32|f64>) for a dtype of _KERNEL_SUFFIX, looked up once per pair."""
    ctype, suffix = _KERNEL_SUFFIX[dtype]
    return ctype, getattr(lib, f"tge_{name}_{suffix}")


def simd_path():
    return ffi.string(lib.tge_simd_path()).decode()


def get_num_threads():
    return lib.tge_get_num_threads()


def set_num_threads(n):
    """Set the thread count; returns the count in force (1 in a process forked after the C core started)."""
    return lib.tge_set_num_threads(int(n))


def fma_probe_flops(rounds):
    """Flops done by `rounds` rounds of the arithmetic-peak probe (csrc/peak.c) on the current thread count; over the
    call's seconds, the ceiling for the GEMM's float32 GFLOP/s. It measures the machine, so reference.py has no twin."""
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 0:
        raise ValueError(f"fma_probe_flops: rounds must be a non-negative integer, got {rounds!r}")
    return lib.tge_fma_probe_f32(int(rounds))


def _not_aligned(x):
    """The end of the error raised for an output that C would have to write at misaligned addresses."""
    return (f"is not aligned to its element size ({x.itemsize} bytes), so C cannot write it in place; pass an array "
            f"numpy allocated (np.empty, np.zeros, .copy())")


def _operand_pointer(ctype, x, transposed):
    """(pointer, transposed) for a gemm operand. A C-contiguous, aligned array is read in place (flags.carray is one
    read; it also asks for writeable, so a read-only operand takes the longer line and is read in place there). A
    transposed view (e.g. w.T) is read through the flag as the row-major array it is a view of; other strides are
    copied once, and so is memory not aligned to the element size, in its own layout, so that the product has the
    bits of an aligned one (the pointer keeps a copy alive)."""
    if x.flags.carray:
        return _from_buffer(ctype, x), transposed
    if not x.flags.c_contiguous:
        swapped = np.swapaxes(x, -1, -2)
        if swapped.flags.c_contiguous:
            x, transposed = swapped, not transposed
        else:
            x = np.ascontiguousarray(x)
    if not x.flags.aligned:
        x = x.copy()
    return _from_buffer(ctype, x), transposed


def gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None):
    """out = alpha·op(a)·op(b) + beta·out for 2-D or batched 3-D arrays (op = transpose of the last two axes).

    An `out` that C cannot write in place (strided, read-only, or not aligned to its element size) is refused with a
    ShapeError saying which: the product would land in a copy the caller never sees."""
    # This boundary is paid by every product (for a small one it costs more than the arithmetic), so it checks
    # only what it must, once each, and reads every attribute once; C checks that out does not overlap an operand.
    dtype = a.dtype
    kernel = _GEMM.get(dtype)
    if kernel is None or b.dtype != dtype:
        raise DTypeError(f"gemm: operands must both be float32 or both float64, got {dtype} and {b.dtype}")
    batch, M, N, K = _product_dims(a.shape, b.shape, trans_a, trans_b)
    out_shape = (M, N) if a.ndim == 2 else (batch, M, N)
    ctype, run = kernel
    if out is None:
        out, beta = np.empty(out_shape, dtype), 0.0
    else:
        _check_out(out, out_shape, dtype)
    out_pointer = _from_buffer(ctype, out, True)
    if batch * M * N == 0:
        return out
    a_pointer, trans_a = _operand_pointer(ctype, a, trans_a)
    b_pointer, trans_b = _operand_pointer(ctype, b, trans_b)
    lda, ldb = (M if trans_a else K), (K if trans_b else N)  # row lengths of the C-contiguous a and b
    status = run(trans_a, trans_b, M, N, K, alpha, a_pointer, lda, b_pointer, ldb, beta, out_pointer, N, batch,
                 M * K, K * N, M * N)
    if status:
        if status == -2:
            raise ValueError("gemm: out must not overlap the operands")
        raise MemoryError(f"gemm: no memory for the packing buffers of a {M}x{K} @ {K}x{N} product")
    return out


def _product_dims(a_shape, b_shape, trans_a, trans_b):
    """(batch, M, N, K) of op(a)·op(b) for two 2-D or two 3-D shapes; a ShapeError naming both when they do not fit."""
    ndim = len(a_shape)
    if ndim != len(b_shape) or not 2 <= ndim <= 3:
        raise ShapeError(f"gemm: operands must both be 2-D or both 3-D, got shapes {a_shape} and {b_shape}")
    if ndim == 3 and a_shape[0] != b_shape[0]:
        raise ShapeError(f"gemm: batch sizes differ, shapes {a_shape} and {b_shape}")
    (a_rows, a_cols), (b_rows, b_cols) = a_shape[-2:], b_shape[-2:]
    M, K = (a_cols, a_rows) if trans_a else (a_rows, a_cols)
    Kb, N = (b_cols, b_rows) if trans_b else (b_rows, b_cols)
    if K != Kb:
        raise ShapeError(
            f"gemm: inner dimensions differ: op(a) is {M}x{K}, op(b) is {Kb}x{N} "
            f"(shapes {a_shape}{'ᵀ' if trans_a else ''} and {b_shape}{'ᵀ' if trans_b else ''})")
    return (a_shape[0] if ndim == 3 else 1), M, N, K


def _check_out(out, out_shape, dtype):
    """Refuse an `out` that C cannot write the product into in place: the product would land in a copy."""
    if out.shape != out_shape or out.dtype != dtype:
        raise ShapeError(f"gemm: out must be a {dtype} array of shape {out_shape}, got {out.dtype} {out.shape}")
    if not out.flags.carray:
        if not out.flags.aligned:
            raise ShapeError(f"gemm: out {_not_aligned(out)}")
        raise ShapeError(f"gemm: out must be a writeable C-contiguous array, got a {out.shape} array with strides "
                         f"{out.strides}, writeable={out.flags.writeable}")


# ---- layer passes ------------------------------------------------------------------------------------------
# One C pass each (csrc/elementwise.c) for float arrays; anything else (integers, mismatched operands) takes the
# numpy line of reference.py, which has the same meaning. relu, relu_backward, sum_rows and log_softmax write fresh
# arrays, which cannot overlap their inputs, so only add_bias can meet the kernels' overlap refusal.

def _input_pointer(ctype, x):
    """A pointer to x's elements in row-major order: x's own memory, or an aligned C-contiguous copy when x is strided
    or not aligned to its element size (the pointer keeps the copy alive). np.require reads a read-only x in place."""
    return _from_buffer(ctype, x if x.flags.carray else np.require(x, requirements="CA"))


def relu(x):
    """max(x, 0) element-wise, as a new array (NaN stays NaN)."""
    if x.dtype not in _KERNEL_SUFFIX:
        return reference.relu(x)
    ctype, run = _kernel("relu", x.dtype)
    out = np.empty(x.shape, x.dtype)
    run(x.size, _input_pointer(ctype, x), _from_buffer(ctype, out))
    return out


def relu_backward(grad, out):
    """grad · [out > 0]: the gradient of relu given its output."""
    if grad.dtype not in _KERNEL_SUFFIX or out.dtype != grad.dtype or out.shape != grad.shape:
        return reference.relu_backward(grad, out)
    ctype, run = _kernel("relu_backward", grad.dtype)
    grad_in = np.empty(grad.shape, grad.dtype)
    run(grad.size, _input_pointer(ctype, grad), _input_pointer(ctype, out), _from_buffer(ctype, grad_in))
    return grad_in


def add_bias(y, bias):
    """y += bias over the last axis, in place.

    A y that C cannot write in place (strided, read-only, or not aligned to its element size) takes numpy's line, which
    writes through any strides at any alignment, or raises for a read-only y."""
    if (y.dtype not in _KERNEL_SUFFIX or bias.dtype != y.dtype or y.ndim != 2 or bias.shape != y.shape[1:]
            or not y.flags.carray):
        reference.add_bias(y, bias)
        return
    ctype, run = _kernel("add_bias", y.dtype)
    if run(y.shape[0], y.shape[1], _from_buffer(ctype, y, True), _input_pointer(ctype, bias)):
        raise ValueError(f"add_bias: bias {bias.shape} shares memory with y {y.shape}")


def sum_rows(x):
    """Σ over the rows of a 2-D array (x.sum(axis=0)): Linear's bias gradient."""
    # numpy sums a single column pairwise, not row after row: that case keeps numpy's line (and its bits)
    if x.dtype not in _KERNEL_SUFFIX or x.ndim != 2 or x.shape[1] < 2:
        return reference.sum_rows(x)
    ctype, run = _kernel("sum_rows", x.dtype)
    out = np.empty(x.shape[1], x.dtype)
    run(x.shape[0], x.shape[1], _input_pointer(ctype, x), _from_buffer(ctype, out))
    return out


def log_softmax(z, axis=-1):
    """log softmax over `axis` (an int, a tuple of ints, or None for all), as (z − max) − log Σ e^(z − max) so large
    logits never overflow. The kernel works along the last axis of rows of classes."""
    if z.dtype not in _KERNEL_SUFFIX or z.ndim == 0 or z.size == 0:  # no rows, or rows of no classes: nothing to do
        return reference.log_softmax(z, axis)
    if axis not in (-1, z.ndim - 1):
        return _log_softmax_over_moved_axes(z, axis)
    ctype, run = _kernel("log_softmax_rows", z.dtype)
    out = np.empty(z.shape, z.dtype)
    classes = z.shape[-1]
    run(z.size // classes, classes, _input_pointer(ctype, z), _from_buffer(ctype, out))
    return out


def _log_softmax_over_moved_axes(z, axis):
    """log_softmax over other axes than the last: they are moved to the end, merged into one, and moved back."""
    axes = tuple(range(z.ndim)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    kept = z.ndim - len(axes)
    last = tuple(range(kept, z.ndim))
    moved = np.moveaxis(z, axes, last)
    rows = moved.reshape(moved.shape[:kept] + (math.prod(moved.shape[kept:]),))
    return np.moveaxis(log_softmax(rows).reshape(moved.shape), last, axes)


def _fits_cross_entropy(z, target):
    """Whether the C cross-entropy takes these: float (batch, classes) logits, at least one of each, and integer class
    indices of shape (batch,). Anything else takes numpy's line, which rejects what it cannot index with."""
    return (z.dtype in _KERNEL_SUFFIX and z.ndim == 2 and z.size != 0 and target.shape == z.shape[:1]
            and target.dtype.kind in "iu")


def _index_pointer(target):
    """A pointer to the class indices as int64, the C kernels' index type (other integer dtypes are converted)."""
    return _input_pointer(_INDEX_POINTER, target if target.dtype == np.int64 else target.astype(np.int64))


def _cross_entropy_refusal(target, classes):
    """The error to raise when a cross-entropy kernel refuses its buffers: the range check raises first, naming the
    values, when an index lies outside [0, classes) (-3); else the buffers overlap (-2)."""
    reference.check_class_range("cross_entropy", target, classes)
    return ValueError("cross_entropy: the kernel refused buffers that overlap")


def cross_entropy(z, target):
    """(softmax of the rows of z, losses −log softmax(z)[i, target[i]]) for (batch, classes) logits z and integer class
    indices `target` of shape (batch,); the softmax is what the backward pass needs."""
    if not _fits_cross_entropy(z, target):
        return reference.cross_entropy(z, target)
    ctype, run = _kernel("cross_entropy_rows", z.dtype)
    rows, classes = z.shape
    probs, losses = np.empty(z.shape, z.dtype), np.empty(rows, z.dtype)
    # the kernel checks the indices before it reads with them
    if run(rows, classes, _input_pointer(ctype, z), _index_pointer(target), _from_buffer(ctype, probs),
           _from_buffer(ctype, losses)):
        raise _cross_entropy_refusal(target, classes)
    return probs, losses


def cross_entropy_backward(probs, target, scale):
    """(softmax − onehot(target))·scale: the gradient of scale·Σᵢ lossᵢ with respect to the logits."""
    if not _fits_cross_entropy(probs, target):
        return reference.cross_entropy_backward(probs, target, scale)
    ctype, run = _kernel("cross_entropy_backward_rows", probs.dtype)
    rows, classes = probs.shape
    dz = np.empty(probs.shape, probs.dtype)
    if run(rows, classes, _input_pointer(ctype, probs), _index_pointer(target), float(scale), _from_buffer(ctype, dz)):
        raise _cross_entropy_refusal(target, classes)
    return dz


# ---- optimizer updates ----------------------------------------------------------------------------------
# Each function validates the buffers of one update, then runs the fused kernel tge_<rule>_<f32|f64> on them in
# place; reference.py has the same functions in numpy. Optional state buffers are None (NULL in C).


def _check_like_param(rule, name, buffer, param):
    """Raise, naming the buffer, unless it is a numpy array of param's dtype and shape: the kernel takes param.size
    elements from every buffer."""
    if not isinstance(buffer, np.ndarray):
        raise TypeError(f"{rule}: {name} must be a numpy array, got {type(buffer).__name__}")
    if buffer.dtype != param.dtype:
        raise TypeError(f"{rule}: {name} is {buffer.dtype} but param is {param.dtype}; they must match")
    if buffer.shape != param.shape:
        raise ValueError(f"{rule}: {name} has shape {buffer.shape} but param has shape {param.shape}")


def _refuse_overlap(rule, param, grad, states):
    """Raise ValueError naming the first two buffers of an update that share memory, if any do."""
    named = [("param", param)] + ([] if grad is None else [("grad", grad)]) + [s for s in states if s[1] is not None]
    for i, (name_a, a) in enumerate(named):
        for name_b, b in named[i + 1:]:
            if np.may_share_memory(a, b):
                raise ValueError(f"{rule}: {name_a} and {name_b} overlap in memory; each needs its own buffer")


def _fused_update(rule, param, grad, states, *scalars):
    """Run tge_<rule>_<dtype>(n, param, grad, *states, *scalars) in place (no grad argument when grad is None).

    states is a list of (name, array or None); None is NULL in C. The common case, every buffer C-contiguous, aligned
    to its element size and writeable, costs one flags read and one ffi.from_buffer per buffer. A grad that is not is
    read from an aligned C-contiguous copy; such a param (a strided view, or np.frombuffer memory) is updated through
    one that is written back, so the result is the same. A state buffer that is not is refused by name: the
    optimizers allocate their states with np.zeros, so one that is strided, read-only or misaligned is a caller's
    mistake, and a copy of it would keep the update from the optimizer. The kernel refuses buffers that overlap; only
    then, or when a copy would hide an overlap from it, does Python look for the pair to name.
    """
    if not isinstance(param, np.ndarray) or param.dtype not in _KERNEL_SUFFIX:
        raise TypeError(f"{rule}: param must be a float32 or float64 numpy array, got "
                        f"{getattr(param, 'dtype', type(param).__name__)}")
    ctype, kernel = _kernel(rule, param.dtype)
    target = param
    if not param.flags.carray:
        if not param.flags.writeable:
            raise ValueError(f"{rule}: param is read-only")
        target = param.copy()
    pointers = [_from_buffer(ctype, target, True)]
    copied = target is not param
    if grad is not None:
        _check_like_param(rule, "grad", grad, param)
        if grad.flags.carray:
            pointers.append(_from_buffer(ctype, grad))
        else:
            pointers.append(_from_buffer(ctype, grad.copy()))
            copied = True
    pointers += [_state_pointer(rule, ctype, name, state, param) for name, state in states]
    if copied:
        _refuse_overlap(rule, param, grad, states)
    if kernel(target.size, *pointers, *scalars):
        _refuse_overlap(rule, param, grad, states)
        raise ValueError(f"{rule}: buffers overlap in memory; each needs its own buffer")
    if target is not param:
        param[...] = target


def _state_pointer(rule, ctype, name, state, param):
    """The pointer for one optimizer state buffer, which the kernel updates in place: NULL for None; a buffer that is
    not C-contiguous, aligned and writeable is refused by name."""
    if state is None:
        return ffi.NULL
    _check_like_param(rule, name, state, param)
    if not state.flags.carray:
        if not state.flags.aligned:
            raise ValueError(f"{rule}: state buffer {name} {_not_aligned(state)}")
        raise ValueError(f"{rule}: state buffer {name} must be writeable and C-contiguous")
    return _from_buffer(ctype, state, True)


def sgd_step(param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov, maximize,
             lecture_style):
    _fused_update("sgd", param, grad, [("momentum_buffer", momentum_buffer)],
                  lr, momentum, dampening, weight_decay, int(nesterov), int(maximize), int(lecture_style))


def adagrad_step(param, grad, state_sum, *, clr, eps, weight_decay, maximize):
    _fused_update("adagrad", param, grad, [("state_sum", state_sum)], clr, eps, weight_decay, int(maximize))


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps, momentum, weight_decay,
                 maximize):
    _fused_update("rmsprop", param, grad,
                  [("square_avg", square_avg), ("grad_avg", grad_avg), ("momentum_buffer", momentum_buffer)],
                  lr, alpha, eps, momentum, weight_decay, int(maximize))


def adadelta_step(param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    _fused_update("adadelta", param, grad, [("square_avg", square_avg), ("acc_delta", acc_delta)],
                  lr, rho, eps, weight_decay, int(maximize))


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step_size, beta1, beta2, eps, weight_decay,
              param_decay, maximize):
    _fused_update("adam", param, grad,
                  [("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq), ("max_exp_avg_sq", max_exp_avg_sq)],
                  step_size, beta1, beta2, eps, weight_decay, param_decay, int(maximize))


def adamax_step(param, grad, exp_avg, exp_inf, *, step_size, beta1, beta2, eps, weight_decay, maximize):
    _fused_update("adamax", param, grad, [("exp_avg", exp_avg), ("exp_inf", exp_inf)],
                  step_size, beta1, beta2, eps, weight_decay, int(maximize))


def nadam_step(param, grad, exp_avg, exp_avg_sq, *, grad_step, avg_step, beta1, beta2, eps, weight_decay,
               param_decay, maximize):
    _fused_update("nadam", param, grad, [("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)],
                  grad_step, avg_step, beta1, beta2, eps, weight_decay, param_decay, int(maximize))


def radam_step(param, grad, exp_avg, exp_avg_sq, *, step_size, beta1, beta2, eps, rectified, weight_decay,
               param_decay, maximize):
    _fused_update("radam", param, grad, [("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)],
                  step_size, beta1, beta2, eps, int(rectified), weight_decay, param_decay, int(maximize))


def lookahead_step(param, slow, *, alpha):
    _fused_update("lookahead", param, None, [("slow", slow)], alpha)
