"""The chain rule at one op, written with the graph's own names: what the explorer shows at a backward step.

At e = c² of the lecture example, with c = 3 and ∂f/∂e = 1 arriving from above:

    ∂e/∂c = 2·c = 2·3 = 6          the local derivative: the formula, the numbers put in, its value
    ∂f/∂c += 1 × 6 = 6             the chain rule: upstream × local, added to what c collects

Ops are looked up by class name in two tables. ELEMENT_WISE holds ops whose output element depends on one element
of each input: their local derivative is a formula, evaluated with the numbers when every value is a scalar, and
applied element by element (⊙) to tensors. GRADIENT_FORMULAS holds ops that mix elements (matrix products,
reductions, softmax): for them the whole gradient they send is written as a formula in the graph's names. Any other
op falls back to its own rule (Function.rule(), with its generic letters) and the numbers the engine produced.
The numbers after "+=" are always the engine's own, never recomputed here.
"""
import numpy as np

from .walk import format_number

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class Operand:
    """An input or the output of an op as a formula sees it: its name in the graph and its value."""

    def __init__(self, name, array):
        self.name = name
        self.array = np.asarray(array)

    @property
    def value(self):
        """The values as float64 numpy data (0-d for a scalar), so formulas work element-wise and 1/0 is inf."""
        return self.array.astype(np.float64)

    @property
    def is_scalar(self):
        return self.array.size == 1


class Term:
    """A local derivative: `formula(show)` writes it with show(operand) for each operand, value is its number."""

    def __init__(self, formula, value):
        self.formula = formula
        self.value = value


def show_name(operand):
    return operand.name


def show_value(operand):
    """A number as it appears inside a formula: negative ones in parentheses, so 2·(-1.5) is not 2·-1.5."""
    text = format_number(operand.value.item())
    return f"({text})" if text.startswith("-") else text


def _power(base, exponent):
    """b·aᵇ⁻¹ for a constant exponent, simplified as on paper: 2·c for c², 3·c² for c³."""
    lowered = exponent - 1
    if exponent == 0:  # a⁰ is constant
        return Term(lambda show: "0", 0.0)
    if lowered == 0:
        return Term(lambda show: format_number(exponent), exponent)
    if float(lowered).is_integer() and lowered > 0:
        power = "" if lowered == 1 else format_number(int(lowered)).translate(SUPERSCRIPTS)
        return Term(lambda show: f"{format_number(exponent)}·{show(base)}{power}", exponent * base.value ** lowered)
    return Term(lambda show: f"{format_number(exponent)}·{show(base)}^({format_number(lowered)})",
                exponent * base.value ** lowered)


def _pow(op, out, a, b):
    if not b.is_scalar or op.parents[1].requires_grad:
        d_a = Term(lambda show: f"{show(b)}·{show(a)}^({show(b)} − 1)", b.value * a.value ** (b.value - 1))
    else:
        d_a = _power(a, b.value.item())
    return [d_a, Term(lambda show: f"{show(out)}·ln {show(a)}", out.value * np.log(a.value))]


def _relu_like(slope):
    """∂/∂a of max(a, 0) (slope 0) or of leaky ReLU: 1 if a > 0 else slope."""
    def rule(op, out, a):
        return [Term(lambda show: f"1 if {show(a)} > 0 else {format_number(slope(op))}",
                     np.where(a.value > 0, 1.0, slope(op)))]
    return rule


def _clip(op, out, a):
    low = "−∞" if op.low is None else format_number(op.low)
    high = "∞" if op.high is None else format_number(op.high)
    lowest, highest = (-np.inf if op.low is None else op.low), (np.inf if op.high is None else op.high)
    inside = (a.value >= lowest) & (a.value <= highest)
    return [Term(lambda show: f"1 if {low} ≤ {show(a)} ≤ {high} else 0", inside.astype(np.float64))]


def _constant(*values):
    return lambda op, out, *inputs: [Term(lambda show, v=v: format_number(v), v) for v in values]


ELEMENT_WISE = {  # op class name -> rule(op, out, *inputs): one Term per input
    "Add": _constant(1, 1),
    "Sub": _constant(1, -1),
    "Neg": _constant(-1),
    "Cast": _constant(1),
    "Mul": lambda op, out, a, b: [Term(lambda show: show(b), b.value), Term(lambda show: show(a), a.value)],
    "Div": lambda op, out, a, b: [Term(lambda show: f"1/{show(b)}", 1 / b.value),
                                  Term(lambda show: f"−{show(a)}/{show(b)}²", -a.value / b.value ** 2)],
    "Pow": _pow,
    "Exp": lambda op, out, a: [Term(lambda show: f"e^{show(a)}", out.value)],
    "Log": lambda op, out, a: [Term(lambda show: f"1/{show(a)}", 1 / a.value)],
    "Sqrt": lambda op, out, a: [Term(lambda show: f"1/(2·√{show(a)})", 0.5 / out.value)],
    "Abs": lambda op, out, a: [Term(lambda show: f"sign({show(a)})", np.sign(a.value))],
    "Tanh": lambda op, out, a: [Term(lambda show: f"1 − {show(out)}²", 1 - out.value ** 2)],
    "Sigmoid": lambda op, out, a: [Term(lambda show: f"{show(out)}·(1 − {show(out)})", out.value * (1 - out.value))],
    "ReLU": _relu_like(lambda op: 0),
    "LeakyReLU": _relu_like(lambda op: op.negative_slope),
    "Clip": _clip,
}


GRADIENT_FORMULAS = {  # op class name -> formula(op, g, out, *inputs): what each input receives, g = ∂root/∂out
    "Sum": lambda op, g, out, a: [f"{g}, copied to every element summed into it"],
    "Mean": lambda op, g, out, a: [f"{g} / {a.array.size // max(out.array.size, 1)}, to every element averaged"],
    "MatMul": lambda op, g, out, a, b: [f"{g}·{b.name}ᵀ", f"{a.name}ᵀ·{g}"],
    "Linear": lambda op, g, out, x, w, b=None: [f"{g}·{w.name}", f"({g})ᵀ·{x.name}", f"Σ over rows of {g}"],
    "Softmax": lambda op, g, out, z: [f"{out.name} ⊙ ({g} − Σ {g} ⊙ {out.name})"],
    "LogSoftmax": lambda op, g, out, z: [f"{g} − softmax({z.name})·Σ {g}"],
    "CrossEntropy": lambda op, g, out, z, y: [_cross_entropy(op, g, z, y), None],
    "Reshape": lambda op, g, out, a: [f"{g} reshaped back to {a.array.shape}"],
    "Permute": lambda op, g, out, a: [f"{g} with its axes put back in order"],
    "Expand": lambda op, g, out, a: [f"{g} summed over the expanded axes"],
}


def _cross_entropy(op, g, z, y):
    """∂ℓ/∂z = softmax(z) − onehot(y), divided by the batch size N when the loss is the mean over rows."""
    per_row = f"(softmax({z.name}) − onehot({y.name}))"
    return f"{g} × {per_row} / N, N = {y.array.size}" if op.reduction == "mean" else f"{g} × {per_row}"


def explain(node, names, root):
    """What the chain rule does at `node`: a dict per input, None for an input that needs no gradient.

    names: a function from tensor to its name. Each dict has "local" (∂node/∂input with its numbers, or None when the
    op mixes elements) and "formula" (what ∂root/∂input receives, in names; the explorer adds the engine's numbers).
    """
    op = node.op
    out = Operand(names(node), node.data)
    inputs = [Operand(names(parent), parent.data) for parent in op.parents]
    kind = type(op).__name__
    upstream = f"∂{root}/∂{out.name}"
    if kind in ELEMENT_WISE:
        with np.errstate(all="ignore"):  # 1/0 or ln(−1): inf or NaN, shown as the engine would compute them
            terms = ELEMENT_WISE[kind](op, out, *inputs)
        scalars = out.is_scalar and all(operand.is_scalar for operand in inputs)
        return [_element_wise(out, operand, term, upstream, scalars) if parent.requires_grad else None
                for parent, operand, term in zip(op.parents, inputs, terms)]
    if kind in GRADIENT_FORMULAS:
        formulas = GRADIENT_FORMULAS[kind](op, upstream, out, *inputs)
        return [{"local": None, "formula": formula} if parent.requires_grad else None
                for parent, formula in zip(op.parents, formulas)]
    letters = ", ".join(operand.name for operand in inputs)
    return [{"local": None, "formula": f"{upstream} through {kind}'s rule {op.rule()} (its inputs in order: {letters})"}
            if parent.requires_grad else None for parent in op.parents]


def _element_wise(out, operand, term, upstream, scalars):
    """The local derivative of an element-wise op: with its numbers for scalars, element by element for tensors."""
    symbolic = term.formula(show_name)
    local = f"∂{out.name}/∂{operand.name} = {symbolic}"
    if not scalars:
        factor = f"({symbolic})" if " " in symbolic else symbolic
        formula = f"{upstream} ⊙ {factor}"
        if operand.array.shape != out.array.shape:  # broadcasting copied the input: its copies' gradients add up
            formula += f", summed back to its shape {operand.array.shape}"
        return {"local": local + ", element by element", "formula": formula, "value": None}
    value = np.asarray(term.value).item()
    numbers = term.formula(show_value)
    shown = format_number(value)
    for step in (numbers, shown):  # "∂d/∂a = 1" stays short: no "= 1 = 1"
        if step != local.rsplit(" = ", 1)[-1]:
            local += f" = {step}"
    return {"local": local, "formula": None, "value": value}
