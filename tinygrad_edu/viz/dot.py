"""The graph as Graphviz DOT text, rendered with the `dot` program when it is installed.

Tensors are boxes (coloured by kind: output, parameter, input, constant, intermediate), ops are ellipses,
and arrows follow the forward pass, left to right: parent tensor -> op -> result. A tensor that holds a
gradient shows it as the lecture writes it, "∂f/∂c = 6". To see it on every node, not only on the leaves:

    with tg.retain_grads():
        f.backward()
    viz.draw(f, "f.svg")              # or, in one call on a fresh graph: viz.draw(f, "f.svg", backward=True)
"""
import os
import shutil
import subprocess
import sys

from ..display import ShownFile
from .walk import (
    KIND_COLORS,
    OP_COLOR,
    backward_for_picture,
    describe,
    describe_shape,
    op_name,
    walk,
)

KIND_STYLES = {  # how a kind looks besides its colour: parameters bold, constants dashed, the output doubled
    "output": 'style="filled", peripheries=2',
    "param": 'style="filled,bold"',
    "input": 'style="filled"',
    "const": 'style="filled,dashed"',
    "result": 'style="filled"',
}
DIRECTIONS = ("LR", "TB")  # Graphviz rankdir values: left to right, top to bottom
INSTALL_HINT = "install Graphviz (e.g. `apt install graphviz` or `conda install graphviz`)"


def to_dot(t, show_data=True, show_grad=True, max_nodes=150, names=None, backward=False, direction="LR"):
    """Graphviz DOT text of the graph that computed `t`; beyond max_nodes tensors the far end is summarised.

    show_grad: label every tensor that holds a gradient with ∂t/∂tensor ("∂f/∂c = 6").
    backward: first run t.backward() inside tg.retain_grads(), so every node holds ∂t/∂node (skipped when
    t.grad is set, i.e. such a backward already ran; an error says what to do when the graph cannot).
    names: optional {name: tensor} for tensors without a .name, e.g. dict(model.named_parameters()).
    direction: "LR" draws the forward pass left to right (as on the slides), "TB" top to bottom, which keeps a
    long chain such as an MLP's loss narrow enough for a notebook column.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(map(repr, DIRECTIONS))}, got {direction!r}")
    if backward:
        backward_for_picture(t, names)
    view = walk(t, max_nodes, names)
    lines = ["digraph tinygrad_edu {", f"  rankdir={direction};", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [color="#555555", arrowsize=0.7];']
    for position, tensor in enumerate(view.tensors):
        kind = view.kind(tensor)
        label = _tensor_label(view, tensor, show_data, show_grad)
        lines.append(f'  t{position} [label="{_escape(label)}", shape=box, fillcolor="{KIND_COLORS[kind]}", '
                     f"{KIND_STYLES[kind]}];")
    index = {id(tensor): position for position, tensor in enumerate(view.tensors)}
    for position, tensor in enumerate(view.tensors):
        if tensor.op is None:
            continue
        lines.append(f'  op{position} [label="{op_name(tensor)}", shape=ellipse, style="filled", '
                     f'fillcolor="{OP_COLOR}"];')
        lines.append(f"  op{position} -> t{position};")
        lines += [f"  t{index[id(parent)]} -> op{position};" for parent in _unique(tensor.parents)
                  if id(parent) in index]
        if id(tensor) in view.cut:
            lines.append(f"  hidden -> op{position} [style=dashed];")
    if view.hidden:
        lines.append(f'  hidden [label="{_escape(_hidden_label(view.hidden))}", shape=note, style="dashed"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tensor_label(view, tensor, show_data, show_grad):
    name = view.name(tensor)
    lines = [name if view.kind(tensor) != "param" else f"{name} (param)", describe_shape(tensor)]
    if show_data:
        lines.append("value " + describe(tensor.data))
    if show_grad and tensor.grad is not None:
        lines.append(view.grad_label(tensor))
    return "\n".join(lines)


def _hidden_label(hidden):
    """What the summary box stands for: how many tensors, and the most common ops among them."""
    total = sum(hidden.values())
    ops = ", ".join(f"{name} ×{count}" for name, count in hidden.most_common(4) if name != "leaf")
    return f"… {total} more tensors" + (f"\n({ops})" if ops else "")


def _unique(tensors):
    """Each parent once: x * x draws one arrow, not two on top of each other."""
    seen = set()
    return [t for t in tensors if not (id(t) in seen or seen.add(id(t)))]


def _escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(dot_text, fmt="svg"):
    """Bytes of the picture in `fmt` (svg, png, pdf) made by Graphviz `dot`, or None when dot is not installed."""
    program = shutil.which("dot")
    if program is None:
        return None
    done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=60,
                          check=False)  # a failure is reported below with dot's own message
    if done.returncode != 0:
        raise RuntimeError(f"dot failed (exit {done.returncode}): {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def draw(t, path="graph.svg", **options):
    """Write the graph of `t` to path (.svg, .png, .pdf or .dot); returns the path written (a ShownFile: a str, and
    in Jupyter the picture itself).

    Without Graphviz `dot`, writes the DOT text next to it (graph.dot) and says how to render it.
    options go to to_dot (show_data, show_grad, max_nodes, names, backward, direction).
    """
    return save(to_dot(t, **options), path)


def save(dot_text, path):
    """Render DOT text into path by its suffix (see draw); returns the path written."""
    stem, suffix = os.path.splitext(os.fspath(path))
    fmt = suffix.lstrip(".").lower() or "svg"
    picture = None if fmt == "dot" else render(dot_text, fmt)
    if picture is None:
        dot_path = stem + ".dot"
        with open(dot_path, "w", encoding="utf-8") as file:
            file.write(dot_text)
        if fmt != "dot":
            print(f"Graphviz `dot` was not found, so the graph was written as DOT text to {dot_path}; "
                  f"{INSTALL_HINT} and run: dot -T{fmt} {dot_path} -o {stem}.{fmt}", file=sys.stderr)
        return ShownFile(dot_path)
    with open(path, "wb") as file:
        file.write(picture)
    return ShownFile(os.fsdecode(path))


class Graph:
    """The graph of a tensor as an object: shows itself as SVG in Jupyter (DOT text when `dot` is missing)."""

    def __init__(self, t, **options):
        self.source = to_dot(t, **options)

    def __str__(self):
        return self.source

    def _repr_svg_(self):
        picture = render(self.source, "svg")
        return picture.decode() if picture is not None else None

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": self.source}
        svg = self._repr_svg_()
        if svg is not None:
            bundle["image/svg+xml"] = svg
        return bundle

    def save(self, path):
        """Like draw(t, path), from the DOT text this object holds."""
        return save(self.source, path)


def graph(t, **options):
    """A Graph object for `t` (options as in to_dot): in Jupyter, `viz.graph(loss)` displays the picture."""
    return Graph(t, **options)
