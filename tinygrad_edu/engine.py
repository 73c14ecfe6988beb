"""Backpropagation: sort the graph, then apply the chain rule from the output back to the leaves.

    grad(parent) += op.backward(grad(node))     for every node, in reverse topological order

Both the sort and the walk are loops, not recursion, so a chain of 100 000 ops works and costs time
linear in its length.
"""
import gc

import numpy as np

from . import anomaly
from .autograd_mode import anomaly_enabled
from .errors import GraphError, ShapeError
from .tensor import Tensor


def topological_order(root):
    """Every tensor `root` depends on through ops that require grad, each after all of its parents."""
    order, visited = [], {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent.requires_grad and id(parent) not in visited:
                visited.add(id(parent))
                op = parent.op  # read the op directly: this loop runs once per edge of the graph
                stack.append((parent, iter(op.parents if op is not None else ())))
                break
        else:  # all parents done: the node can come after them
            stack.pop()
            order.append(node)
    return order


def sum_to_shape(grad, shape):
    """Undo numpy broadcasting: sum `grad` over the axes that broadcasting added or stretched from size 1."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    return np.sum(grad, axis=axes).reshape(shape)


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


def run_backward(root, grad=None, retain_graph=False, on_step=None):
    """Accumulate d(root)/d(leaf) into leaf.grad; `on_step(node, grad, parent_grads)` observes every op visited."""
    # The walk allocates many short-lived arrays but never a reference cycle, so Python's cyclic collector
    # would only re-scan the (possibly huge) live graph again and again: pause it for the walk.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _walk(root, grad, retain_graph, on_step)
    finally:
        if collecting:
            gc.enable()


def _walk(root, grad, retain_graph, on_step):
    if not root.requires_grad:
        raise GraphError("backward() on a tensor that does not require grad: no input of the computation "
                         "has requires_grad=True (or it was computed under no_grad())")
    grads = {id(root): _initial_grad(root, grad)}
    stored = set()  # ids of arrays handed to a .grad, so no two .grad ever share memory
    check_anomaly = anomaly_enabled.get()
    for node in reversed(topological_order(root)):
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        op = node.op
        if op is None or node._retains_grad:
            _store_grad(node, grad, stored)
            if op is None:
                continue
        if op.freed:
            raise GraphError(f"backward through a graph that was already freed (at op {type(op).__name__}); "
                             f"call backward(retain_graph=True) the first time to backpropagate twice")
        if op.saved_versions:
            _refuse_changed_saved(op, node)
        sent = [] if on_step is not None else None  # what each parent received, for the observer only
        for parent, parent_grad in zip(op.parents, op.backward(grad)):
            if parent_grad is None or not parent.requires_grad:
                if sent is not None:
                    sent.append(None)
                continue
            data = parent.data
            if parent_grad.shape != data.shape:
                parent_grad = sum_to_shape(parent_grad, data.shape)
            if parent_grad.dtype != data.dtype:
                parent_grad = parent_grad.astype(data.dtype)
            if check_anomaly:
                anomaly.check_backward(node, parent, parent_grad)
            if sent is not None:
                sent.append(parent_grad)
            key = id(parent)
            grads[key] = grads[key] + parent_grad if key in grads else parent_grad
        if sent is not None:
            on_step(node, grad, sent)
        if not retain_graph:
            op.free()


def _refuse_changed_saved(op, node):
    """Raise if backward would read changed values: a tensor the op saved was modified in place since forward."""
    for position, counter, version in op.saved_versions:
        if counter.value != version:
            what = "output" if position is None else f"input {position}"
            tensor = node if position is None else op.parents[position]
            raise GraphError(f"saved {what} of {type(op).__name__} ({anomaly.describe(tensor)}) was modified in "
                             f"place after forward (version {version} then, {counter.value} now), and its backward "
                             f"needs the old values; change it only after backward, or out of place "
                             f"(y = y + x instead of y += x)")


def _store_grad(node, grad, stored):
    """Add `grad` into node.grad, copying it when it is a view or already stored elsewhere."""
    if node.grad is not None:
        node.grad = Tensor._from_op(node.grad.data + grad, None)
        return
    if grad.base is not None or id(grad) in stored or not grad.flags.writeable:
        grad = grad.copy()
    stored.add(id(grad))
    node.grad = Tensor._from_op(grad, None)
