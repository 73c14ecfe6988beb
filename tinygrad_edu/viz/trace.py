"""backward() that also records the chain rule, one step per op of the reverse walk.

Each step is what the engine did at one node: it held the upstream gradient ∂out/∂node, applied the op's
local-derivative rule, and sent one gradient to each input (inputs used twice add up what they receive).
"""
import html
import json

import numpy as np

from ..engine import run_backward
from .walk import describe, walk

# notebooks right-align table cells by default (with selectors that beat a class's); formulas and gradient lists
# read better from the left, so every cell carries its own style
CELL_STYLE = "text-align: left; font-family: monospace"


class TraceStep:
    """One step of the reverse walk. node is the Tensor (None for a trace read back from JSON)."""

    def __init__(self, name, op, shape, upstream, rule, sent, node=None):
        self.name = name          # the node's short name (as in print_graph and to_dot)
        self.op = op              # the op that made it, e.g. "Mul"
        self.shape = tuple(shape)
        self.upstream = upstream  # ∂out/∂node: the gradient the node received, a numpy array
        self.rule = rule          # the op's local derivative, Function.rule()
        self.sent = sent          # [(input name, gradient array or None when the input needs none)]
        self.node = node

    def to_dict(self):
        return {"name": self.name, "op": self.op, "shape": list(self.shape), "upstream": _to_json(self.upstream),
                "rule": self.rule, "sent": [[name, _to_json(grad)] for name, grad in self.sent]}

    @classmethod
    def from_dict(cls, data):
        return cls(data["name"], data["op"], data["shape"], _from_json(data["upstream"]), data["rule"],
                   [(name, _from_json(grad)) for name, grad in data["sent"]])


class BackwardTrace:
    """The steps of one backward pass in order, and the gradient each leaf holds afterwards."""

    def __init__(self, output, steps, leaf_grads):
        self.output = output          # the name of the tensor backward started from
        self.steps = steps
        self.leaf_grads = leaf_grads  # {leaf name: its .grad after the pass, as a numpy array}

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, index):
        return self.steps[index]

    def _header_and_rows(self):
        """The table both __str__ and _repr_html_ show: one row of text cells per step."""
        header = ("step", "node", "op", f"∂{self.output}/∂node", "local rule", f"adds to ∂{self.output}/∂input")
        rows = [(str(number), step.name, step.op, describe(step.upstream), step.rule,
                 ", ".join(f"{name} += {describe(grad)}" for name, grad in step.sent if grad is not None))
                for number, step in enumerate(self.steps, 1)]
        return header, rows

    def _leaves(self):
        return ", ".join(f"{name}.grad = {describe(grad)}" for name, grad in self.leaf_grads.items())

    def __str__(self):
        header, rows = self._header_and_rows()
        rows.insert(0, header)
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "-" * len(lines[0]))
        leaves = self._leaves()
        return "\n".join(lines + ([f"leaves: {leaves}"] if leaves else []))

    __repr__ = __str__

    def _repr_html_(self):
        """The same table as HTML, for Jupyter: one row per step of the chain rule, the leaves' gradients below."""
        header, rows = self._header_and_rows()
        head = "".join(f'<th style="{CELL_STYLE}">{html.escape(cell)}</th>' for cell in header)
        body = "".join("<tr>" + "".join(f'<td style="{CELL_STYLE}">{html.escape(cell)}</td>' for cell in row) + "</tr>"
                       for row in rows)
        leaves = self._leaves()
        caption = f"<caption>backward pass from {html.escape(self.output)}</caption>"
        note = f"<p>leaves: {html.escape(leaves)}</p>" if leaves else ""
        return (f'<table class="tinygrad-edu-trace">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
                f"</table>{note}")

    def to_dict(self):
        return {"output": self.output, "steps": [step.to_dict() for step in self.steps],
                "leaf_grads": {name: _to_json(grad) for name, grad in self.leaf_grads.items()}}

    def to_json(self, path=None):
        """The trace as JSON text (arrays as {"shape", "dtype", "data"}); also written to path if given."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        if path is not None:
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
        return text

    @classmethod
    def from_json(cls, text):
        """A trace back from to_json() text (steps then have node=None)."""
        data = json.loads(text)
        return cls(data["output"], [TraceStep.from_dict(step) for step in data["steps"]],
                   {name: _from_json(grad) for name, grad in data["leaf_grads"].items()})


def trace_backward(loss, grad=None, retain_graph=False, names=None):
    """Run loss.backward(grad, retain_graph) and return the BackwardTrace of its steps.

    Gradients land in .grad exactly as with backward(). names: optional {name: tensor} for unnamed tensors,
    e.g. dict(model.named_parameters()).
    """
    view = walk(loss, names=names)
    steps = []

    def record(node, upstream, sent):
        # copies: the engine may hand these very arrays to a .grad that later code changes in place
        steps.append(TraceStep(view.name(node), type(node.op).__name__, node.shape, upstream.copy(),
                               node.op.rule(), [(view.name(parent), None if g is None else g.copy())
                                                for parent, g in zip(node.op.parents, sent)], node))

    run_backward(loss, grad, retain_graph, on_step=record)
    leaf_grads = {view.name(t): t.grad.data.copy() for t in view.tensors if t.op is None and t.grad is not None}
    return BackwardTrace(view.name(loss), steps, leaf_grads)


def _to_json(array):
    if array is None:
        return None
    return {"shape": list(array.shape), "dtype": str(array.dtype), "data": array.ravel().tolist()}


def _from_json(data):
    if data is None:
        return None
    return np.asarray(data["data"], dtype=data["dtype"]).reshape(data["shape"])
