"""Read a Tensor's graph for pictures: every tensor in forward order, a short name for each, its kind and values.

All viz tools (DOT, text tree, trace, explorer) see the graph through `walk`, so a tensor has the same name
and the same colour in every picture. Unlike the engine's sort, the walk keeps constants (the 2 in x**2):
a learner should see every input of an op.
"""
from collections import Counter

import numpy as np

from ..autograd_mode import retain_grads
from ..engine import topological_order
from ..errors import GraphError
from ..nn import Parameter

TINY = 6  # tensors with at most this many elements are shown in full; larger ones as min/mean/max

# One colour per kind of tensor, used by the DOT picture and the HTML explorer alike.
KIND_COLORS = {
    "output": "#ffe08a",  # the tensor the picture is about (usually the loss)
    "param": "#b9e6b0",   # nn.Parameter: what training changes
    "input": "#bcd8ff",   # a leaf that requires grad: a variable we differentiate by
    "const": "#eeeeee",   # a leaf without grad: data, targets, the 2 in x**2
    "result": "#ffffff",  # an intermediate value made by an op
}
OP_COLOR = "#f3e6ff"


class GraphView:
    """The part of a graph a picture shows.

    tensors: the kept tensors, each after its parents (forward order); names: id(tensor) -> short label;
    hidden: Counter of what was left out ("Add" for an op result, "leaf" for a leaf) when the graph had more
    than max_nodes tensors; cut: ids of kept tensors with a parent that was left out.
    """

    def __init__(self, root, tensors, names, hidden, cut):
        self.root = root
        self.tensors = tensors
        self.names = names
        self.hidden = hidden
        self.cut = cut

    def name(self, tensor):
        return self.names[id(tensor)]

    def kind(self, tensor):
        """One of output, param, input (a leaf that requires grad), const (a leaf without grad), result."""
        if tensor is self.root:
            return "output"
        if isinstance(tensor, Parameter):
            return "param"
        if tensor.op is None:
            return "input" if tensor.requires_grad else "const"
        return "result"

    def grad_label(self, tensor):
        """The lecture's "∂f/∂c = 6": ∂root/∂tensor from tensor.grad, named after the root and the tensor.

        A larger gradient reads "∂loss/∂weight min … mean … max"; None when the tensor holds no gradient.
        """
        if tensor.grad is None:
            return None
        grad = tensor.grad.data
        separator = " = " if grad.size <= TINY else " "
        return f"∂{self.name(self.root)}/∂{self.name(tensor)}{separator}{describe(grad)}"


def backward_for_picture(root, names=None):
    """Run root.backward() inside tg.retain_grads(), so every node of the picture holds ∂root/∂node in .grad.

    Skipped when root.grad is already set: a backward inside retain_grads() has run, and a second one would
    add every gradient again. Refused, with the calls to make instead, when other tensors of the graph already
    hold gradients (a backward added to them would show their sum) or the graph was freed.
    """
    if root.grad is not None:
        return
    view = walk(root, names=names)  # the whole graph, whatever part of it the picture keeps
    out = view.name(root)
    advice = (f"build the graph again and draw it with backward=True, or run its backward as "
              f"`with tg.retain_grads(): {out}.backward()` and then draw it")
    holding = [view.name(t) for t in view.tensors if t.grad is not None]
    if holding:
        shown = ", ".join(holding[:5]) + (", …" if len(holding) > 5 else "")
        raise GraphError(f"backward=True: {shown} already hold gradients from an earlier "
                         f"backward, which another backward would add to; {advice}")
    try:
        with retain_grads():
            root.backward()
    except GraphError as exc:
        for tensor in view.tensors:  # put back what the failed pass stored before it stopped: no gradients
            tensor.grad = None
        raise GraphError(f"backward=True could not run {out}.backward() ({exc}); {advice}") from None


def walk(root, max_nodes=None, names=None):
    """The graph behind `root`; with max_nodes, only the max_nodes tensors nearest to root (by hops) are kept.

    names: optional {name: tensor}, e.g. dict(model.named_parameters()), for tensors without a .name.
    """
    order = topological_order(root, constants=True)
    names = _short_names(order, names or {})  # named before cutting, so a tensor keeps its name in every view
    if max_nodes is None or len(order) <= max_nodes:
        return GraphView(root, order, names, Counter(), set())
    near = _nearest(root, max_nodes)
    kept = [t for t in order if id(t) in near]
    hidden = Counter(op_name(t) or "leaf" for t in order if id(t) not in near)
    cut = {id(t) for t in kept if any(id(p) not in near for p in t.parents)}
    return GraphView(root, kept, names, hidden, cut)


def _nearest(root, count):
    """ids of the `count` tensors fewest hops from root (breadth-first), so the picture keeps the output end."""
    seen, frontier = {id(root)}, [root]
    while frontier and len(seen) < count:
        next_frontier = []
        for node in frontier:
            for parent in node.parents:
                if id(parent) not in seen and len(seen) < count:
                    seen.add(id(parent))
                    next_frontier.append(parent)
        frontier = next_frontier
    return seen


def op_name(tensor):
    return type(tensor.op).__name__ if tensor.op is not None else None


def _short_names(tensors, given):
    """The tensor's own .name, a name given for it, a tiny constant's value, or t0, t1, ... for the others in forward
    order."""
    given = {id(tensor): name for name, tensor in given.items()}
    names = {}
    for tensor in tensors:
        if tensor.name:
            names[id(tensor)] = tensor.name
        elif id(tensor) in given:
            names[id(tensor)] = given[id(tensor)]
        elif tensor.op is None and not tensor.requires_grad and tensor.data.size == 1:
            names[id(tensor)] = format_number(tensor.data.item())
    unnamed = [tensor for tensor in tensors if id(tensor) not in names]
    names.update((id(tensor), f"t{number}") for number, tensor in enumerate(unnamed))
    return names


def format_number(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def describe(array):
    """A short text for an array: the values of a tiny one, min/mean/max of a larger one."""
    array = np.asarray(array)
    if array.size == 0:
        return "[]"
    if array.size == 1:
        return format_number(array.item())
    if array.size <= TINY:
        return "[" + " ".join(format_number(v) for v in array.ravel().tolist()) + "]"
    return f"min {format_number(array.min().item())} mean {format_number(array.mean().item())} " \
           f"max {format_number(array.max().item())}"


def describe_shape(tensor):
    """"(2, 3) float32", or "scalar float64" for a 0-d tensor: the shape and dtype of a tensor or array."""
    shape = tuple(tensor.shape)
    return f"{shape if shape else 'scalar'} {tensor.dtype}"
