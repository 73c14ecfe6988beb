"""numpy versions of every kernel: the oracle the C core is tested against, and the fallback backend.

Each function takes and returns plain numpy arrays and has the same signature as its twin in c.py.
"""
import numpy as np

from ..errors import ShapeError

NAME = "numpy"


def simd_path():
    return "none (numpy reference)"


def get_num_threads():
    return 1


def set_num_threads(n):
    """The reference backend is single-threaded from our side (numpy's BLAS manages its own threads)."""


def gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None):
    """out = alpha·op(a)·op(b) + beta·out for 2-D or batched 3-D arrays (op = transpose of the last two axes)."""
    a_op = np.swapaxes(a, -1, -2) if trans_a else a
    b_op = np.swapaxes(b, -1, -2) if trans_b else b
    product = np.matmul(a_op, b_op)
    if alpha != 1.0:
        product *= alpha
    if out is None:
        return product
    if beta == 0.0:
        out[...] = product
    else:
        out *= beta
        out += product
    return out


# ---- layer passes ------------------------------------------------------------------------------------------
def relu(x):
    """max(x, 0) element-wise, as a new array (NaN stays NaN)."""
    return np.maximum(x, 0)


def relu_backward(grad, out):
    """grad · [out > 0]: the gradient of relu given its output."""
    return grad * (out > 0)


def add_bias(y, bias):
    """y += bias over the last axis, in place. Where y and bias are both NaN, numpy passes on either NaN (which one
    depends on the column); the C kernel always passes on y's."""
    y += bias


def sum_rows(x):
    """Σ over the rows of a 2-D array (x.sum(axis=0)): Linear's bias gradient."""
    return x.sum(axis=0)


def log_softmax(z, axis=-1):
    """log softmax over `axis` (an int, a tuple of ints, or None for all), as (z − max) − log Σ e^(z − max) so large
    logits never overflow."""
    if z.size == 0:  # also rows of no classes, over which np.max would raise: the result is empty too
        return np.empty(z.shape, np.exp(z).dtype)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def check_class_range(name, target, classes):
    """Raise ShapeError, naming the op, unless every class index in `target` lies in [0, classes)."""
    if target.size and (target.min() < 0 or target.max() >= classes):
        raise ShapeError(f"{name}: class indices must lie in [0, {classes}), "
                         f"got values in [{target.min()}, {target.max()}]")


def cross_entropy(z, target):
    """(softmax of the rows of z, losses −log softmax(z)[i, target[i]]) for (batch, classes) logits z and integer class
    indices `target` of shape (batch,); the softmax is what the backward pass needs."""
    check_class_range("cross_entropy", target, z.shape[1])
    log_probs = log_softmax(z)
    return np.exp(log_probs), -log_probs[np.arange(len(target)), target]


def cross_entropy_backward(probs, target, scale):
    """(softmax − onehot(target))·scale: the gradient of scale·Σᵢ lossᵢ with respect to the logits."""
    check_class_range("cross_entropy", target, probs.shape[1])
    dz = probs.copy()
    dz[np.arange(len(target)), target] -= 1
    dz *= scale
    return dz


# ---- optimizer updates ----------------------------------------------------------------------------------
# One multi-pass numpy version of each rule; csrc/optim_kernels.inc fuses the same arithmetic into one loop,
# operation for operation, so both backends give bit-identical trajectories. Buffers are updated in place;
# optional state buffers are None when their option is off. Per-step scalars (bias corrections, step sizes)
# come from the optimizer classes in tinygrad_edu/optim/.

def _prepared_grad(param, grad, weight_decay, param_decay, maximize):
    """The gradient every rule starts from: param *= param_decay (decoupled decay), g = ±grad + weight_decay·param."""
    if param_decay != 1:
        param *= param_decay
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    return g


def _flush_subnormals(state):
    """A decaying state below the smallest normal number is stored as 0 (why: tinygrad_edu/optim/optimizer.py)."""
    state[np.abs(state) < np.finfo(state.dtype).tiny] = 0


def _decay_average(average, beta, value):
    """average = beta·average + (1 − beta)·value, in place, subnormals flushed to 0."""
    average *= beta
    average += (1 - beta) * value
    _flush_subnormals(average)


def sgd_step(param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov, maximize,
             lecture_style):
    g = _prepared_grad(param, grad, weight_decay, 1, maximize)
    # The lecture form scales g by lr before it enters the buffer, PyTorch's form after it leaves it.
    in_scale, out_scale = (lr, 1.0) if lecture_style else (1.0, lr)
    g = in_scale * g
    if momentum_buffer is None:
        param -= out_scale * g
        return
    momentum_buffer *= momentum
    momentum_buffer += (1 - dampening) * g
    _flush_subnormals(momentum_buffer)
    direction = g + momentum * momentum_buffer if nesterov else momentum_buffer
    param -= out_scale * direction


def adagrad_step(param, grad, state_sum, *, clr, eps, weight_decay, maximize):
    g = _prepared_grad(param, grad, weight_decay, 1, maximize)
    state_sum += g * g
    param -= clr * (g / (np.sqrt(state_sum) + eps))


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps, momentum, weight_decay,
                 maximize):
    g = _prepared_grad(param, grad, weight_decay, 1, maximize)
    _decay_average(square_avg, alpha, g * g)
    variance = square_avg
    if grad_avg is not None:
        _decay_average(grad_avg, alpha, g)
        variance = square_avg - grad_avg * grad_avg
    scaled = g / (np.sqrt(variance) + eps)
    if momentum_buffer is not None:
        momentum_buffer *= momentum
        momentum_buffer += scaled
        _flush_subnormals(momentum_buffer)
        scaled = momentum_buffer
    param -= lr * scaled


def adadelta_step(param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    g = _prepared_grad(param, grad, weight_decay, 1, maximize)
    _decay_average(square_avg, rho, g * g)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
    _decay_average(acc_delta, rho, delta * delta)
    param -= lr * delta


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step_size, beta1, beta2, eps, weight_decay,
              param_decay, maximize):
    g = _prepared_grad(param, grad, weight_decay, param_decay, maximize)
    _decay_average(exp_avg, beta1, g)
    _decay_average(exp_avg_sq, beta2, g * g)
    second_moment = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second_moment = max_exp_avg_sq
    param -= step_size * (exp_avg / (np.sqrt(second_moment) + eps))


def adamax_step(param, grad, exp_avg, exp_inf, *, step_size, beta1, beta2, eps, weight_decay, maximize):
    g = _prepared_grad(param, grad, weight_decay, 1, maximize)
    _decay_average(exp_avg, beta1, g)
    exp_inf *= beta2
    np.maximum(exp_inf, np.abs(g) + eps, out=exp_inf)
    _flush_subnormals(exp_inf)
    param -= step_size * (exp_avg / exp_inf)


def nadam_step(param, grad, exp_avg, exp_avg_sq, *, grad_step, avg_step, beta1, beta2, eps, weight_decay,
               param_decay, maximize):
    g = _prepared_grad(param, grad, weight_decay, param_decay, maximize)
    _decay_average(exp_avg, beta1, g)
    _decay_average(exp_avg_sq, beta2, g * g)
    inv_denom = 1 / (np.sqrt(exp_avg_sq) + eps)
    param -= grad_step * (g * inv_denom)
    param -= avg_step * (exp_avg * inv_denom)


def radam_step(param, grad, exp_avg, exp_avg_sq, *, step_size, beta1, beta2, eps, rectified, weight_decay,
               param_decay, maximize):
    g = _prepared_grad(param, grad, weight_decay, param_decay, maximize)
    _decay_average(exp_avg, beta1, g)
    _decay_average(exp_avg_sq, beta2, g * g)
    direction = exp_avg / (np.sqrt(exp_avg_sq) + eps) if rectified else exp_avg
    param -= step_size * direction


def lookahead_step(param, slow, *, alpha):
    """slow += alpha·(param − slow); param = slow."""
    slow += alpha * (param - slow)
    param[...] = slow
