"""Text views for the terminal: the graph as an indented tree, and a model's layer-by-layer summary."""
from collections import namedtuple

from ..autograd_mode import no_grad
from ..creation import zeros
from .walk import backward_for_picture, describe, describe_shape, op_name, walk

KIND_TAGS = {"param": "  [param]", "input": "  [input]", "const": "  [const]", "output": "", "result": ""}


def format_graph(t, show_data=True, show_grad=True, max_nodes=200, names=None, backward=False):
    """The graph of `t` as a tree, the output first and each tensor's inputs indented below it.

    A tensor used twice is printed in full once; later it is named with "(see above)". A tensor holding a
    gradient shows it as "∂f/∂c = 6" (show_grad); backward=True first runs t.backward() inside
    tg.retain_grads() so that every line has one, as in to_dot. At most max_nodes lines (None for all);
    names: optional {name: tensor} as in to_dot.
    """
    if backward:
        backward_for_picture(t, names)
    view = walk(t, names=names)
    lines, printed = [], set()
    stack = [(t, "", "")]  # (tensor, prefix of its line, prefix of its children's lines)
    while stack:
        if max_nodes is not None and len(lines) >= max_nodes:
            lines.append(f"… (stopped at max_nodes={max_nodes} lines; pass max_nodes=None to see all)")
            break
        tensor, prefix, child_prefix = stack.pop()
        lines.append(prefix + _line(view, tensor, show_data, show_grad, repeated=id(tensor) in printed))
        if id(tensor) in printed:
            continue
        printed.add(id(tensor))
        parents = tensor.parents
        for position in reversed(range(len(parents))):  # reversed: the stack pops the first parent first
            last = position == len(parents) - 1
            stack.append((parents[position], child_prefix + ("└─ " if last else "├─ "),
                          child_prefix + ("   " if last else "│  ")))
    return "\n".join(lines)


def _line(view, tensor, show_data, show_grad, repeated):
    name = view.name(tensor)
    if tensor.op is not None:
        name += f" = {op_name(tensor)}(" + ", ".join(view.name(p) for p in tensor.parents) + ")"
    if repeated:
        return name + "  (see above)"
    text = f"{name}  {describe_shape(tensor)}{KIND_TAGS[view.kind(tensor)]}"
    if show_data:
        text += "  value " + describe(tensor.data)
    if show_grad and tensor.grad is not None:
        text += "  " + view.grad_label(tensor)
    return text


def print_graph(t, **options):
    """Print the graph of `t` as an indented tree (options as in format_graph)."""
    print(format_graph(t, **options))


SummaryRow = namedtuple("SummaryRow", ["name", "layer", "output_shape", "params"])


class Summary:
    """A model's layers in call order with output shapes and parameter counts; its str and repr are the table, so
    a REPL shows it once and print(summary) prints it."""

    def __init__(self, rows, total_params, trainable_params):
        self.rows = rows
        self.total_params = total_params
        self.trainable_params = trainable_params

    def __str__(self):
        header = SummaryRow("name", "layer", "output shape", "params")
        table = [header] + [SummaryRow(r.name, r.layer, str(r.output_shape), f"{r.params:,}") for r in self.rows]
        widths = [max(len(str(row[column])) for row in table) for column in range(4)]
        lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
        rule = "-" * len(max(lines, key=len))
        return "\n".join([lines[0], rule] + lines[1:] + [rule, f"total params: {self.total_params:,}",
                                                          f"trainable params: {self.trainable_params:,}"])

    __repr__ = __str__


def summary(model, input_shape, dtype="float32"):
    """Run `model` once on zeros of input_shape (batch axis included, e.g. (1, 784)) and return a Summary, which
    shows as the table: `viz.summary(model, (1, 784))` at a prompt, `print(viz.summary(...))` in a script.

    A row per layer call: the innermost modules (and any module with parameters of its own), in the order
    they ran, with the shape they returned and the number of parameters they hold.
    """
    rows = []
    wrapped = [(name or type(model).__name__, module) for name, module in model.named_modules()
               if module._parameters or not module._modules]
    for name, module in wrapped:
        _record_calls(name, module, rows)
    try:
        with no_grad():
            model(zeros(*input_shape, dtype=dtype))
    finally:
        for _, module in wrapped:
            module.__dict__.pop("forward", None)  # back to the class's forward
    parameters = list(model.parameters())
    return Summary(rows, sum(p.size for p in parameters), sum(p.size for p in parameters if p.requires_grad))


def _record_calls(name, module, rows):
    """Shadow module.forward on the instance with one that appends a row after each call."""
    forward = module.forward
    own_params = sum(p.size for p in module._parameters.values())

    def recording_forward(*args, **kwargs):
        position = len(rows)
        rows.append(None)  # reserve the place: the row of an outer module comes before its inner ones
        out = forward(*args, **kwargs)
        rows[position] = SummaryRow(name, type(module).__name__, tuple(out.shape), own_params)
        return out

    object.__setattr__(module, "forward", recording_forward)
