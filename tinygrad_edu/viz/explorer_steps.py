"""The steps the explorer replays, with every number its panel shows.

Forward: one step per op, in the order they ran ("c = Add(x, y)" and the value made). Backward: one step per op of
the engine's reverse walk, as trace_backward recorded it: the upstream gradient ∂f/∂node, and for each input the
local derivative (local_derivatives.explain), the contribution the engine sent and the running ∂f/∂input.
"""
import math

import numpy as np

from .local_derivatives import explain
from .walk import describe, format_number

IN_FULL = 8         # the panel writes out tensors of up to this many elements; larger ones as shape and summary
VALUES_CAP = 1000   # elements listed when a learner opens a larger tensor's values; beyond, numpy's summary
PRECISION = 4       # digits after the point in the listed values


def shape_text(array):
    """'scalar float64' or '(4, 256) float32'."""
    array = np.asarray(array)
    return f"scalar {array.dtype}" if array.ndim == 0 else f"{tuple(array.shape)} {array.dtype}"


def short_text(array):
    """All values of a tensor of up to IN_FULL elements, min/mean/max of a larger one."""
    array = np.asarray(array)
    if array.size == 1:
        return format_number(array.item())
    if array.size <= IN_FULL:
        return "[" + " ".join(format_number(v) for v in array.ravel().tolist()) + "]"
    return describe(array)


def numbers(array):
    """An array as the page shows and checks it: text, shape, the listed values of a large one, and the exact data
    (every element up to VALUES_CAP, else min/mean/max) for anyone comparing the page with the engine."""
    array = np.asarray(array)
    shown = {"text": short_text(array), "shape": shape_text(array)}
    if array.size > IN_FULL:
        shown["size"] = str(tuple(array.shape))  # the short form of an edge's label
        shown["listing"] = np.array2string(array, precision=PRECISION, threshold=VALUES_CAP, edgeitems=4,
                                           max_line_width=64)
    if array.size <= VALUES_CAP:
        shown["data"] = [_json_number(v) for v in array.ravel().tolist()]
    else:
        shown["stats"] = [_json_number(v) for v in (array.min().item(), array.mean().item(), array.max().item())]
    return shown


def _json_number(value):
    """JSON has no NaN or infinity: those travel as the strings JavaScript's Number() reads back."""
    value = float(value)
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def gradient_label(root, name, array):
    """A node's gradient lines: ['∂f/∂c = 6'], or ['∂f/∂W =', 'min … mean … max …'] for a larger tensor (two lines
    keep the box as narrow as its value line)."""
    if np.asarray(array).size > IN_FULL:
        return [f"∂{root}/∂{name} =", short_text(array)]
    return [f"∂{root}/∂{name} = {short_text(array)}"]


def forward_steps(view, ids):
    """One step per op, in the order forward ran them: 'c = Add(x, y)' and the value it made."""
    return [{"node": ids[id(t)], "op": "op" + ids[id(t)][1:], "value": numbers(t.data),
             "text": f"{view.name(t)} = {type(t.op).__name__}(" + ", ".join(view.name(p) for p in t.parents) + ")"}
            for t in view.tensors if t.op is not None]


def backward_steps(trace, view, ids, root):
    """Each traced step with its numbers. `labels` holds the new gradient lines of every node the step changed; the
    running sums are added in the engine's order, so they equal what the engine accumulates."""
    totals, steps = {}, []
    for step in trace:
        node_id, name = ids[id(step.node)], view.name(step.node)
        totals[node_id] = step.upstream
        labels, inputs = {node_id: gradient_label(root, name, step.upstream)}, []
        explained = explain(step.node, view.name, root)
        for parent, (_, sent), how in zip(step.node.parents, step.sent, explained):
            parent_id = ids[id(parent)]
            if sent is None:
                inputs.append({"to": parent_id, "none": _why_no_gradient(view, parent)})
                continue
            totals[parent_id] = sent if parent_id not in totals else totals[parent_id] + sent
            labels[parent_id] = gradient_label(root, view.name(parent), totals[parent_id])
            inputs.append(_contribution(root, view.name(parent), parent_id, how, step.upstream, sent,
                                        totals[parent_id]))
        steps.append({"node": node_id, "op": "op" + node_id[1:], "upstream": numbers(step.upstream),
                      "upstreamName": f"∂{root}/∂{name}", "inputs": inputs, "labels": labels})
    return steps


def _contribution(root, name, parent_id, how, upstream, sent, total):
    """What one input receives: the local derivative, the chain rule with the engine's numbers, the running total."""
    target = f"∂{root}/∂{name}"
    if how.get("value") is not None:  # scalars: upstream × local = what the engine sent
        chain = f"{target} += {short_text(upstream)} × {format_number(how['value'])} = {short_text(sent)}"
    else:
        chain = f"{target} += {how['formula']}"
    return {"to": parent_id, "local": how["local"], "chain": chain, "sent": numbers(sent),
            "total": numbers(total), "totalName": target}


def _why_no_gradient(view, parent):
    what = "a constant" if parent.op is None else "computed from constants only"
    return f"{view.name(parent)} needs no derivative: it is {what} (requires_grad=False)"
