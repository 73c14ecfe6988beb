"""Backpropagation: sort the graph, then apply the chain rule from the output back to the leaves.

    grad(parent) += op.backward(grad(node))     for every node, in reverse topological order

Both the sort and the walk are loops, not recursion, so a chain of 100 000 ops works and costs time
linear in its length. Tensors hash by identity (Tensor.__hash__), so the sets and dicts below never compare
tensor values.
"""
from operator import attrgetter

import numpy as np

from . import anomaly
from .autograd_mode import anomaly_enabled, grads_retained
from .errors import GraphError, ShapeError
from .tensor import Tensor


def topological_order(root, constants=False):
    """Every tensor `root` is computed from, each after its parents. Backward follows the tensors that require
    grad; a picture of the graph follows every input (constants=True). Tensors are numbered as they are made and
    an op's result is always made after its inputs, so sorting by that number puts parents first."""
    found, stack = {root}, [root]
    while stack:
        op = stack.pop().op
        for parent in op.parents if op is not None else ():
            if (constants or parent.requires_grad) and parent not in found:
                found.add(parent)
                stack.append(parent)
    return sorted(found, key=attrgetter("_creation_index"))


def sum_to_shape(grad, shape):
    """Undo numpy broadcasting: sum `grad` over the axes that broadcasting added or stretched from size 1."""
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    return np.sum(grad, axis=axes).reshape(shape)


def run_backward(root, grad=None, retain_graph=False, on_step=None):
    """Accumulate d(root)/d(leaf) into leaf.grad. on_step(node, grad, parent_grads), if given, sees each op as it
    is differentiated: the backward trace and the explorer record the pass this way."""
    if not root.requires_grad:
        raise GraphError("backward() on a tensor that does not require grad: no input of the computation "
                         "has requires_grad=True (or it was computed under no_grad())")
    grads = {root: _initial_grad(root, grad)}
    given = set()  # ids of the arrays given to a .grad: a second .grad gets a copy, so no two share memory
    check_anomaly, keep_all = anomaly_enabled.get(), grads_retained.get()
    for node in reversed(topological_order(root)):
        grad = grads.pop(node, None)
        if grad is None:  # no path from root reached it through a gradient
            continue
        if node.op is None or node._retains_grad or keep_all:
            _store_grad(node, grad, given)
        if node.op is None:
            continue
        parent_grads = _backpropagate(node, grad, grads, check_anomaly)
        if on_step is not None:
            on_step(node, grad, parent_grads)
        if not (retain_graph or keep_all):
            node.op.free()


def _backpropagate(node, grad, grads, check_anomaly):
    """The chain rule at one op: add op.backward(grad) into each parent's gradient in `grads`, after summing it back
    to the parent's shape and casting it to its dtype. Returns what each parent received (None if nothing)."""
    op = node.op
    _check_saved_values(op, node)
    parent_grads = []
    for parent, parent_grad in zip(op.parents, op.backward(grad)):
        if parent_grad is None or not parent.requires_grad:
            parent_grads.append(None)
            continue
        if parent_grad.shape != parent.data.shape:
            parent_grad = sum_to_shape(parent_grad, parent.data.shape)
        if parent_grad.dtype != parent.data.dtype:
            parent_grad = parent_grad.astype(parent.data.dtype)
        if check_anomaly:
            anomaly.check_backward(node, parent, parent_grad)
        grads[parent] = grads[parent] + parent_grad if parent in grads else parent_grad
        parent_grads.append(parent_grad)
    return parent_grads


def _check_saved_values(op, node):
    """Refuse to differentiate with values that are gone (a freed graph) or changed in place since forward."""
    if op.saved is None:
        raise GraphError(f"backward through a graph that was already freed (at op {type(op).__name__}); "
                         f"call backward(retain_graph=True) the first time to backpropagate twice")
    for position, counter, version in op.saved_versions:
        if counter.value != version:
            what = "output" if position is None else f"input {position}"
            tensor = node if position is None else op.parents[position]
            raise GraphError(f"saved {what} of {type(op).__name__} ({anomaly.describe(tensor)}) was modified in "
                             f"place after forward (version {version} then, {counter.value} now), and its backward "
                             f"needs the old values; change it only after backward, or out of place "
                             f"(y = y + x instead of y += x)")


def _initial_grad(root, grad):
    if grad is None:
        if root.data.size != 1:
            raise GraphError(f"backward() without a gradient needs a scalar output, got shape {root.shape}; "
                             f"pass grad= of that shape (or reduce first, e.g. .sum())")
        return np.ones(root.shape, dtype=root.data.dtype)
    grad = np.asarray(grad.data if hasattr(grad, "data") else grad, dtype=root.data.dtype)
    if grad.shape != root.shape:
        raise ShapeError(f"backward(grad): grad has shape {grad.shape}, the output has shape {root.shape}")
    return grad


def _store_grad(node, grad, given):
    """Add `grad` into node.grad, copying it when it is a view or already given to another .grad."""
    if node.grad is not None:
        node.grad = Tensor(node.grad.data + grad)
        return
    if grad.base is not None or id(grad) in given or not grad.flags.writeable:
        grad = grad.copy()
    given.add(id(grad))
    node.grad = Tensor(grad)
