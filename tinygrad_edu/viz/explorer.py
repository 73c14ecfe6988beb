"""explore(t): one self-contained HTML page that replays the forward and the backward pass of a small graph.

Python lays the graph out (layout.py) and records the backward pass (trace_backward); the page
(explorer.html + explorer.css + explorer.js, inlined) draws it as SVG and steps through it. No network,
no Graphviz: the file opens anywhere, offline.
"""
import json
import os
from pathlib import Path

from ..errors import TinygradEduError
from .layout import layered_layout
from .trace import trace_backward
from .walk import KIND_COLORS, OP_COLOR, describe, describe_shape, op_name, walk

HERE = Path(__file__).parent
LEGEND = [("output", "output"), ("param", "parameter"), ("input", "input (requires grad)"),
          ("const", "constant"), ("result", "intermediate"), ("op", "op")]
CHAR_WIDTH, LINE_HEIGHT, PADDING = 7.0, 15, 12  # px, for sizing the boxes of the SVG drawing
MARGIN = 30  # px around the drawing: room for the gradient written under the boxes


def explore(t, path="graph.html", grad=None, names=None, max_nodes=200, title=None):
    """Write the explorer page for the graph of `t` to path and return the path.

    The backward pass is replayed when t requires grad (grad as in backward(); a scalar t needs none). It runs
    on a retained graph and every .grad is put back afterwards, so exploring changes nothing.
    names: optional {name: tensor}, e.g. dict(model.named_parameters()).
    """
    view = walk(t, names=names)
    if len(view.tensors) > max_nodes:
        raise TinygradEduError(f"explore() is for small graphs: this one has {len(view.tensors)} tensors, "
                               f"max_nodes={max_nodes}; use viz.draw() or viz.print_graph() for it, or raise max_nodes")
    ids = {id(tensor): f"t{position}" for position, tensor in enumerate(view.tensors)}
    nodes, edges = _nodes_and_edges(view, ids)
    data = {"output": view.name(t), "nodes": nodes, "edges": edges, "legend": LEGEND,
            "forward": _forward_steps(view, ids),
            "backward": _backward_steps(t, view, ids, grad, names) if t.requires_grad else [],
            "viewBox": _view_box(nodes)}
    with open(path, "w", encoding="utf-8") as file:
        file.write(_page(data, title or f"tinygrad_edu: the graph of {view.name(t)}"))
    return os.fspath(path)


def _nodes_and_edges(view, ids):
    """A node per tensor and per op, with its place from the layered layout; edges as lists of points."""
    nodes, edges = {}, []
    for tensor in view.tensors:
        tensor_id = ids[id(tensor)]
        node = {"id": tensor_id, "kind": view.kind(tensor), "label": view.name(tensor),
                "shape": describe_shape(tensor), "value": describe(tensor.data)}
        lines = [node["label"], node["shape"], node["value"]]
        node["w"], node["h"] = max(map(len, lines)) * CHAR_WIDTH + 2 * PADDING, len(lines) * LINE_HEIGHT + PADDING
        if tensor.op is not None:
            op_id = "op" + tensor_id[1:]
            node["op"] = op_id
            label = op_name(tensor)
            nodes[op_id] = {"id": op_id, "kind": "op", "label": label, "rule": tensor.op.rule(),
                            "w": len(label) * CHAR_WIDTH + 2 * PADDING, "h": LINE_HEIGHT + PADDING}
            inputs = {ids[id(parent)]: None for parent in tensor.parents}  # each input once, in order
            edges += [(parent_id, op_id) for parent_id in inputs] + [(op_id, tensor_id)]
        nodes[tensor_id] = node
    order = list(nodes)  # an op is added before its result and after its inputs: every edge goes forward
    centres, routes = layered_layout(order, edges, {k: n["w"] for k, n in nodes.items()},
                                     {k: n["h"] for k, n in nodes.items()})
    for key, (x, y) in centres.items():
        nodes[key]["x"], nodes[key]["y"] = x, y
    drawn = []
    for (source, target), points in zip(edges, routes):
        points = [list(point) for point in points]
        points[0][0] += nodes[source]["w"] / 2   # leave from the right side of the box
        points[-1][0] -= nodes[target]["w"] / 2  # and arrive at the left side of the next
        drawn.append({"from": source, "to": target, "points": points})
    return list(nodes.values()), drawn


def _forward_steps(view, ids):
    """One step per op, in the order forward ran them: 'c = Add(x, y)'."""
    return [{"node": ids[id(t)], "op": "op" + ids[id(t)][1:],
             "text": f"{view.name(t)} = {op_name(t)}(" + ", ".join(view.name(p) for p in t.parents) + ")"}
            for t in view.tensors if t.op is not None]


def _backward_steps(t, view, ids, grad, names):
    """trace_backward's steps, with the running ∂out/∂node of every node that has received gradient so far."""
    saved = [tensor.grad for tensor in view.tensors]
    try:
        trace = trace_backward(t, grad=grad, retain_graph=True, names=names)
    finally:
        for tensor, old_grad in zip(view.tensors, saved):
            tensor.grad = old_grad
    totals, steps = {}, []
    for step in trace:
        node_id = ids[id(step.node)]
        totals[node_id] = step.upstream
        changed = {node_id: describe(step.upstream)}
        sent = []
        for parent, received in zip(step.node.parents, [g for _, g in step.sent]):
            if received is None:
                continue
            parent_id = ids[id(parent)]
            totals[parent_id] = received if parent_id not in totals else totals[parent_id] + received
            changed[parent_id] = describe(totals[parent_id])
            sent.append([parent_id, describe(received)])
        steps.append({"node": node_id, "op": "op" + node_id[1:], "upstream": describe(step.upstream),
                      "rule": step.rule, "sent": sent, "totals": changed})
    return steps


def _view_box(nodes):
    left = min(n["x"] - n["w"] / 2 for n in nodes) - MARGIN
    top = min(n["y"] - n["h"] / 2 for n in nodes) - MARGIN
    right = max(n["x"] + n["w"] / 2 for n in nodes) + MARGIN
    bottom = max(n["y"] + n["h"] / 2 for n in nodes) + MARGIN
    return [left, top, right - left, bottom - top]


def _page(data, title):
    """The HTML template with the CSS, the colours, the script and the data written into it."""
    colors = " ".join(f"--{kind}: {color};" for kind, color in {**KIND_COLORS, "op": OP_COLOR}.items())
    # "</" inside the JSON would end the <script> element early; "<\/" means the same to the JSON parser
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    page = (HERE / "explorer.html").read_text(encoding="utf-8")
    for marker, content in [("{{CSS}}", (HERE / "explorer.css").read_text(encoding="utf-8")),
                            ("{{SCRIPT}}", (HERE / "explorer.js").read_text(encoding="utf-8")),
                            ("{{COLORS}}", colors), ("{{TITLE}}", _escape_html(title)), ("{{DATA}}", payload)]:
        page = page.replace(marker, content)
    return page


def _escape_html(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
