"""The chain rule at one op, written with the graph's own names: what the explorer shows at a backward step.

At e = c² of the lecture example, with c = 3 and ∂f/∂e = 1 arriving from above:

    ∂e/∂c = 2·c = 2·3 = 6          the local derivative: the formula, the numbers put in, its value
    ∂f/∂c += 1 × 6 = 6             the chain rule: upstream × local, added to what c collects

Ops are looked up by class name in two tables. ELEMENT_WISE holds ops whose output element depends on one element
of each input: their local derivative is a formula, evaluated with the numbers when every value is a scalar, and
applied element by element (⊙) to tensors. GRADIENT_FORMULAS holds ops that mix or move elements (matrix products,
reductions, softmax, indexing, joining): for them the whole gradient they send is written as a formula in the
graph's names. Every op of function.py has an entry in one table; an op defined elsewhere falls back to its own rule
(Function.rule(), with its generic letters) and the numbers the engine produced.
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
    """A number as it appears inside a formula: negative ones in parentheses, so 2·(-1.5) is not 2·-1.5; a
    condition as True or False."""
    if operand.array.dtype == bool:
        return str(operand.array.item())
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


def _where(op, out, a, b):
    """y = where(cond, a, b) takes a where cond holds, b elsewhere: ∂y/∂a = 1 if cond else 0, ∂y/∂b the other way."""
    cond = Operand("cond", op.saved[0])
    holds = cond.value
    return [Term(lambda show: f"1 if {show(cond)} else 0", holds),
            Term(lambda show: f"0 if {show(cond)} else 1", 1 - holds)]


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
    "Where": _where,
}


def _elements_per_result(out, a):
    """n: how many elements of a a reduction combined into each element of out."""
    return a.array.size // max(out.array.size, 1)


def _var(op, g, out, a):
    """∂var(a)/∂aⱼ = 2·(aⱼ − mean(a))/(n − correction)."""
    n = _elements_per_result(out, a)
    return [f"{g} × 2·({a.name} − mean({a.name}))/({n} − {n - op.dof})"]


def _std(op, g, out, a):
    """∂std(a)/∂aⱼ = (aⱼ − mean(a))/((n − correction)·std(a)), and 0 where std(a) = 0."""
    n = _elements_per_result(out, a)
    return [f"{g} × ({a.name} − mean({a.name}))/(({n} − {n - op.dof})·{out.name}), 0 where {out.name} = 0"]


def _extremes(which):
    """∂max(a)/∂aⱼ = 1/k at the k maxima (ties share the gradient), 0 elsewhere; k written out for a whole reduction."""
    def formula(op, g, out, a):
        shared = f"{g} × (1/k at the k {which} of {a.name}, 0 elsewhere)"
        if out.array.size != 1:
            return [shared + ", k counted in each reduced slice"]
        ties = np.count_nonzero(a.array == out.array.item())  # 0 for a NaN result: no k to write then
        return [shared + f", k = {ties}" if ties else shared]
    return formula


def _subscript(index):
    """An index as Python writes it inside [ ]: 1:3, 0, ::2 or [0, 0, 2] (long index arrays summarised, masks counted)."""
    if isinstance(index, tuple):
        return ", ".join(_subscript(part) for part in index)
    if isinstance(index, slice):
        parts = ["" if part is None else str(part) for part in (index.start, index.stop, index.step)]
        return ":".join(parts[:2]) if index.step is None else ":".join(parts)
    if isinstance(index, np.ndarray) and index.dtype == bool:
        return f"a mask selecting {np.count_nonzero(index)} of {index.size}"
    if isinstance(index, np.ndarray):  # on one line, however many axes
        return " ".join(np.array2string(index, separator=", ", threshold=6, edgeitems=2).split())
    return "..." if index is Ellipsis else str(index)


def _get_item(op, g, out, a):
    """∂a[i]/∂a = 1 at the selected positions, 0 elsewhere: the gradient goes back where its elements came from."""
    picked = np.zeros(a.array.shape, dtype=np.int64)
    np.add.at(picked, op.index, 1)  # how often each position was selected: an index array may repeat one
    repeats = ", a position picked more than once receiving the sum" if picked.max(initial=0) > 1 else ""
    return [f"{g} scattered back to the selected positions {a.name}[{_subscript(op.index)}], 0 elsewhere{repeats}"]


def _cat(op, g, out, *inputs):
    """∂cat(a₁, …, aₙ)/∂aᵢ = 1 on aᵢ's slice of the output: each input receives its slice of the gradient."""
    axis = op.axis % out.array.ndim
    ends = np.cumsum([operand.array.shape[axis] for operand in inputs]).tolist()
    return [f"({g})[{':, ' * axis}{start}:{end}], the slice {operand.name} fills in {out.name}"
            for operand, start, end in zip(inputs, [0] + ends, ends)]


GRADIENT_FORMULAS = {  # op class name -> formula(op, g, out, *inputs): what each input receives, g = ∂root/∂out
    "Sum": lambda op, g, out, a: [f"{g}, copied to every element summed into it"],
    "Mean": lambda op, g, out, a: [f"{g} / {_elements_per_result(out, a)}, to every element averaged"],
    "Var": _var,
    "Std": _std,
    "Max": _extremes("maxima"),
    "Min": _extremes("minima"),
    "MatMul": lambda op, g, out, a, b: [f"{g}·{b.name}ᵀ", f"{a.name}ᵀ·{g}"],
    "Linear": lambda op, g, out, x, w, b=None: [f"{g}·{w.name}", f"({g})ᵀ·{x.name}", f"Σ over rows of {g}"],
    "Softmax": lambda op, g, out, z: [f"{out.name} ⊙ ({g} − Σ {g} ⊙ {out.name})"],
    "LogSoftmax": lambda op, g, out, z: [f"{g} − softmax({z.name})·Σ {g}"],
    "CrossEntropy": lambda op, g, out, z, y: [_cross_entropy(op, g, z, y), None],
    "Reshape": lambda op, g, out, a: [f"{g} reshaped back to {a.array.shape}"],
    "Permute": lambda op, g, out, a: [f"{g} with its axes put back in order"],
    "Expand": lambda op, g, out, a: [f"{g} summed over the expanded axes"],
    "GetItem": _get_item,
    "Cat": _cat,
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
