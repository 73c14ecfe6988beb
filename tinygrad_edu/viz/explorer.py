"""explore(t): one self-contained HTML page that replays the forward and the backward pass of a graph.

Python records the backward pass (trace_backward), writes out every step with its numbers (explorer_steps) and
places the boxes (graph_layout: Graphviz `dot` when installed, else the built-in layered layout). The page
(explorer.html + explorer.css + explorer.js, inlined) draws the graph as SVG, fits it to the window, zooms and pans,
and steps through it. No network: the file opens anywhere, offline.
"""
import os
from pathlib import Path

from ..display import ShownFile, fill_page
from ..errors import GraphError, TinygradEduError
from .explorer_steps import backward_steps, forward_steps, shape_text
from .graph_layout import place
from .trace import trace_backward
from .walk import KIND_COLORS, OP_COLOR, describe, op_name, walk

HERE = Path(__file__).parent
LEGEND = [("output", "output"), ("param", "parameter"), ("input", "input (requires grad)"),
          ("const", "constant"), ("result", "intermediate"), ("op", "op")]
LINE_HEIGHT, PADDING = 15, 12  # px, for sizing the boxes of the SVG drawing
# px per character of 12 px Helvetica/Arial (a little generous, so no text overflows its box): thin, wide, capitals
NARROW, WIDE, CAPITALS, OTHER = 3.6, 10.0, 8.4, 7.0
NARROW_CHARACTERS, WIDE_CHARACTERS = set(" .,:;!|'()[]ijlIft1-"), set("mwMW∂⊙")
MARGIN = 20  # px around the drawing


def explore(t, path="graph.html", grad=None, names=None, max_nodes=200, title=None, layout="auto"):
    """Write the explorer page for the graph of `t` to path and return the path (a ShownFile: a str, and in Jupyter
    the page itself, inline).

    The backward pass is replayed when t requires grad (grad as in backward(); a scalar t needs none). It runs on
    a retained graph and every .grad is put back afterwards, so exploring changes nothing. After a backward the
    graph must still be there: explore before t.backward(), or run that backward inside `with tg.retain_grads():`.
    names: optional {name: tensor}, e.g. dict(model.named_parameters()). max_nodes: the most tensors drawn.
    layout: "auto" (Graphviz dot when installed, else the built-in layout), "dot" or "builtin".
    """
    view = walk(t, names=names)
    if len(view.tensors) > max_nodes:
        raise TinygradEduError(f"explore() is for graphs of up to max_nodes={max_nodes} tensors and this one has "
                               f"{len(view.tensors)}; use viz.draw() or viz.print_graph() for it, or raise max_nodes")
    ids = {id(tensor): f"t{position}" for position, tensor in enumerate(view.tensors)}
    backward = _replay_backward(t, view, ids, grad, names) if t.requires_grad else []
    nodes, edges, direction = _nodes_and_edges(view, ids, backward, layout)
    data = {"output": view.name(t), "nodes": nodes, "edges": edges, "direction": direction, "legend": LEGEND,
            "forward": forward_steps(view, ids), "backward": backward, "viewBox": _view_box(nodes, edges)}
    with open(path, "w", encoding="utf-8") as file:
        file.write(_page(data, title or f"tinygrad_edu: the graph of {view.name(t)}"))
    return ShownFile(os.fsdecode(path))


def _replay_backward(t, view, ids, grad, names):
    """The backward steps, from a backward run on a retained graph; every .grad is put back as it was."""
    _check_graph_is_kept(view)
    saved = [tensor.grad for tensor in view.tensors]
    try:
        trace = trace_backward(t, grad=grad, retain_graph=True, names=names)
    finally:
        for tensor, old_grad in zip(view.tensors, saved):
            tensor.grad = old_grad
    return backward_steps(trace, view, ids, view.name(t))


def _check_graph_is_kept(view):
    """A plain backward() frees what the ops saved, so the pass cannot be replayed: say which two calls work."""
    freed = [view.name(tensor) for tensor in view.tensors if tensor.op is not None and tensor.op.saved is None]
    if freed:
        root = view.name(view.root)
        raise GraphError(f"explore({root}): {root}.backward() already ran and freed the graph (at "
                         f"{', '.join(freed[:3])}), so the explorer cannot replay the backward pass. Call "
                         f"tg.viz.explore({root}) before {root}.backward(), or do the backward inside "
                         f"`with tg.retain_grads(): {root}.backward()` and explore afterwards")


def _nodes_and_edges(view, ids, backward, layout):
    """A node per tensor and per op, placed by graph_layout; each edge as a Bézier path; the drawing's direction."""
    gradient_lines = _widest_gradient_lines(backward)
    nodes, edges = {}, []
    for tensor in view.tensors:
        tensor_id = ids[id(tensor)]
        if tensor.op is not None:
            op_id = "op" + tensor_id[1:]
            nodes[op_id] = _op_node(op_id, tensor)
            inputs = {ids[id(parent)]: None for parent in tensor.parents}  # each input once, in order
            edges += [(parent_id, op_id) for parent_id in inputs] + [(op_id, tensor_id)]
        nodes[tensor_id] = _tensor_node(view, tensor, tensor_id, gradient_lines.get(tensor_id))
    sizes = {key: (node["w"], node["h"], "ellipse" if node["kind"] == "op" else "box") for key, node in nodes.items()}
    centres, paths, direction = place(list(nodes), edges, sizes, layout)
    for key, (x, y) in centres.items():
        nodes[key]["x"], nodes[key]["y"] = x, y
    drawn = [{"from": source, "to": target, "path": [list(point) for point in path]}
             for (source, target), path in zip(edges, paths)]
    return list(nodes.values()), drawn, direction


def _widest_gradient_lines(backward):
    """{tensor id: the widest gradient lines it shows during the backward pass}, to size its box."""
    widest = {}
    for step in backward:
        for key, lines in step["labels"].items():
            if key not in widest or _width(lines) > _width(widest[key]):
                widest[key] = lines
    return widest


def _width(lines):
    return max(map(text_width, lines))


def _tensor_node(view, tensor, tensor_id, gradient_lines):
    """A box of three lines (name, shape, value) and one or two more for ∂out/∂tensor when it gets one."""
    node = {"id": tensor_id, "kind": view.kind(tensor), "label": view.name(tensor), "shape": shape_text(tensor.data),
            "value": describe(tensor.data), "gradLines": len(gradient_lines or [])}
    lines = [node["label"], node["shape"], node["value"]] + (gradient_lines or [])
    node["w"] = _width(lines) + 2 * PADDING
    node["h"] = len(lines) * LINE_HEIGHT + PADDING
    if tensor.op is not None:
        node["op"] = "op" + tensor_id[1:]
    return node


def _op_node(op_id, tensor):
    label = op_name(tensor)
    return {"id": op_id, "kind": "op", "label": label, "rule": tensor.op.rule(),
            "w": text_width(label) + 3 * PADDING, "h": LINE_HEIGHT + 2 * PADDING}


def text_width(text):
    """About how wide `text` is drawn in the boxes' font, in px: the layout needs sizes before any browser sees them."""
    return sum(NARROW if c in NARROW_CHARACTERS else WIDE if c in WIDE_CHARACTERS else CAPITALS if c.isupper()
               else OTHER for c in text)


def _view_box(nodes, edges):
    """[left, top, width, height] around every box and every edge, with MARGIN to spare."""
    xs = [x for n in nodes for x in (n["x"] - n["w"] / 2, n["x"] + n["w"] / 2)]
    ys = [y for n in nodes for y in (n["y"] - n["h"] / 2, n["y"] + n["h"] / 2)]
    xs += [point[0] for edge in edges for point in edge["path"]]
    ys += [point[1] for edge in edges for point in edge["path"]]
    return [min(xs) - MARGIN, min(ys) - MARGIN, max(xs) - min(xs) + 2 * MARGIN, max(ys) - min(ys) + 2 * MARGIN]


def _page(data, title):
    """The explorer's page, with the kinds' colours written into its style."""
    colors = " ".join(f"--{kind}: {color};" for kind, color in {**KIND_COLORS, "op": OP_COLOR}.items())
    return fill_page(HERE, "explorer", title, data, COLORS=colors)
