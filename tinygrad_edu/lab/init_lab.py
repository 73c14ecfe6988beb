"""The init & gradient-flow lab: how the signal's scale changes layer by layer, forward and backward.

A deep stack of Linear → activation blocks gets a batch x ~ N(0, 1); each block's output h_ℓ is kept with
retain_grad(), and backward() is run from the output with a fixed random upstream gradient (so what reaches
each layer depends only on the network, not on a loss). Per layer the lab reports

    D(h_ℓ)        the variance of the activations (forward pass)
    ‖∂L/∂h_ℓ‖     the norm of the gradient reaching those activations (backward pass)
    ‖∂L/∂W_ℓ‖     the norm of the gradient of the layer's weight (what the optimizer gets to work with)

Lecture 4's facts, each visible here: for y = Σᵢ wᵢxᵢ, D(y) = n_in·D(w)·E[x²], so U[−1/√n, 1/√n] (D(w) = 1/(3n))
divides the variance by 3 per linear layer; the chain y = W₁₀…W₁x with W = diag(1.5) multiplies it by 1.5²
per layer (y = 1.5¹⁰x), diag(0.5) shrinks it just as fast; sigmoid with small weights makes gradients vanish
(σ′ ≤ ¼ and ‖W‖ < 1 at every layer), while ReLU with He init, D(w) = 2/n, keeps both directions steady.
"""
import itertools
import math

import numpy as np

from .. import nn
from ..autograd_mode import no_grad
from ..display import InlineFigure
from ..random import generator, manual_seed
from ..tensor import Tensor
from .choices import LabError, choose
from .plotting import finish, legend_beside, new_figure, positive_log_scale, run_style
from .tables import format_table

ACTIVATIONS = {"linear": nn.Identity, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh,
               "sigmoid": nn.Sigmoid}


def _uniform_one_over_sqrt_n(weight):
    """w ~ U[−1/√n_in, 1/√n_in]: D(w) = 1/(3·n_in), a third of what keeps the variance (lecture 4's example)"""
    bound = 1.0 / math.sqrt(nn.init.calculate_fans(weight)[0])
    return nn.init.uniform_(weight, -bound, bound)


def _naive(weight):
    """w ~ N(0, 0.01²): "small random numbers", whatever the layer width"""
    return nn.init.normal_(weight, 0.0, 0.01)


def _standard_normal(weight):
    """w ~ N(0, 1): far too large for wide layers, D(y) = n_in·D(x)"""
    return nn.init.normal_(weight, 0.0, 1.0)


INITS = {**nn.init.SCHEMES, "naive": _naive, "normal": _standard_normal, "uniform": _uniform_one_over_sqrt_n}


def diagonal(value):
    """An init that makes every weight value·I (the lecture's W = diag(value, …, value))."""
    def fill(weight):
        nn.init.eye_(weight)
        with no_grad():
            weight *= value
        return weight
    fill.__name__ = f"diag({value})"
    return fill


class InitLabResult(InlineFigure):
    """Per-layer statistics; index 0 is the input x, index ℓ the output of block ℓ (weight_grad_norms[0] and
    weight_variances[0] are NaN: the input has no weight)."""

    def __init__(self, label, widths, variances, grad_variances, grad_norms, weight_variances, weight_grad_norms):
        self.label = label
        self.widths = list(widths)
        self.variances = np.array(variances)
        self.grad_variances = np.array(grad_variances)
        self.grad_norms = np.array(grad_norms)
        self.weight_variances = np.array([math.nan, *weight_variances])
        self.weight_grad_norms = np.array([math.nan, *weight_grad_norms])

    @property
    def variance_ratios(self):
        """D(h_ℓ) / D(h_ℓ₋₁) for ℓ = 1 … depth: what each block does to the variance (linear: n_in·D(W))."""
        return _ratios(self.variances[1:], self.variances[:-1])

    @property
    def grad_variance_ratios(self):
        """D(∂L/∂h_ℓ₋₁) / D(∂L/∂h_ℓ) for ℓ = 1 … depth: what each block does to the gradient's variance on its way
        back (linear: n_out·D(W)). LeCun's D(W) = 1/n_in keeps the forward ratio at 1, Xavier's 2/(n_in + n_out)
        splits the difference between the two directions; they differ only when n_in ≠ n_out."""
        return _ratios(self.grad_variances[:-1], self.grad_variances[1:])

    def table(self):
        """One row per layer; layers of unequal widths add the width, D(W) and the gradient's variance and ratio.
        Layer 0, the input, has no weight and no layer before it: those cells are "–"."""
        unequal = len(set(self.widths)) > 1
        columns = [("layer", "d", range(len(self.variances)))]
        if unequal:
            columns += [("width", "d", self.widths), ("D(W)", ".3e", _after_input(self.weight_variances[1:]))]
        columns += [("D(h)", ".3e", self.variances),
                    ("D(h)/D(h_prev)", ".3f", _after_input(self.variance_ratios))]
        if unequal:
            columns += [("D(dL/dh)", ".3e", self.grad_variances),
                        ("D(dL/dh_prev)/D(dL/dh)", ".3f", _after_input(self.grad_variance_ratios))]
        columns += [("|dL/dh|", ".3e", self.grad_norms), ("|dL/dW|", ".3e", _after_input(self.weight_grad_norms[1:]))]
        headers, formats, values = zip(*columns)
        return f"{self.label}\n" + format_table(headers, zip(*values), formats)

    def plot(self, path=None):
        """Variance and gradient norms per layer (log scale); see plot_init_lab to overlay several runs."""
        return plot_init_lab([self], path)


def _after_input(values):
    """A column of layers 1 … depth with an empty cell (None, shown as "–") for layer 0, the input."""
    return [None, *values]


def _ratios(numerators, denominators):
    """numerators / denominators, NaN where both are 0 (a zero-initialised stack has no variance to compare)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return numerators / denominators


def linear_stack(sizes, init_fn, activation_class):
    """Sequential(Linear(n₀, n₁) → activation, …, Linear(n_L−1, n_L) → activation) in float64, every weight
    filled by init_fn (the biases start at 0)."""
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out, init=init_fn, dtype=np.float64), activation_class()]
    return nn.Sequential(*layers)


def _layer_widths(depth, width, widths):
    """[n₀, n₁, …, n_depth]: the given widths, or depth + 1 times width; LabError unless >= 2 positive ints."""
    sizes = list(widths) if widths is not None else [width] * (depth + 1)
    if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in sizes):
        raise LabError(f"an init lab needs an input width and at least one layer width, all positive ints; "
                       f"got {sizes}")
    return sizes


def init_lab(depth=10, width=128, activation="sigmoid", init="naive", batch=256, seed=0, widths=None):
    """Measure activation variance and gradient norms through blocks Linear(n_ℓ₋₁, n_ℓ) → activation.

    The stack is `depth` blocks of `width` units, or, with `widths` = [n₀, n₁, …, n_L], blocks from n₀ inputs
    through those widths (unequal widths make LeCun, D(W) = 1/n_in, and Xavier, D(W) = 2/(n_in + n_out), differ).
    activation: one of ACTIVATIONS ("linear" for none). init: a name from INITS ("naive" = N(0, 0.01²),
    "normal" = N(0, 1), "uniform" = U[−1/√n, 1/√n], "lecun", "xavier", "he", "orthogonal", "identity",
    "zero") or a function filling a weight in place, such as diagonal(1.5). Seeds the library RNG with `seed`;
    computes in float64.
    """
    init_fn = init if callable(init) else choose("init scheme", init, INITS)
    activation_class = choose("activation", activation, ACTIVATIONS)
    sizes = _layer_widths(depth, width, widths)
    manual_seed(seed)
    model = linear_stack(sizes, init_fn, activation_class)
    x = Tensor(generator().standard_normal((batch, sizes[0])), requires_grad=True)
    upstream = generator().standard_normal((batch, sizes[-1])) / batch

    outputs, h = [x], x
    for index, module in enumerate(model):
        h = module(h)
        if index % 2 == 1:  # after each activation: the output of a block
            outputs.append(h.retain_grad())
    h.backward(upstream)

    init_name = init if isinstance(init, str) else getattr(init, "__name__", "custom")
    shape = f"widths {'-'.join(map(str, sizes))}" if widths is not None else f"depth {depth}, width {width}"
    linears = model[0::2]
    return InitLabResult(f"{activation} + {init_name} init, {shape}", sizes,
                         [float(np.var(out.data)) for out in outputs],
                         [float(np.var(out.grad.data)) for out in outputs],
                         [float(np.linalg.norm(out.grad.data)) for out in outputs],
                         [float(np.var(linear.weight.data)) for linear in linears],
                         [float(np.linalg.norm(linear.weight.grad.data)) for linear in linears])


def linear_chain(scale, depth=10, width=8, batch=256, seed=0):
    """The lecture's y = W_depth … W₁x with every W = diag(scale): D(y) = scale^(2·depth)·D(x)."""
    return init_lab(depth, width, activation="linear", init=diagonal(scale), batch=batch, seed=seed)


def plot_init_lab(results, path=None):
    """Overlay InitLabResults: left the activation variance per layer, right the gradient norms. Needs matplotlib."""
    figure, (forward, backward) = new_figure(panels=2)
    for index, result in enumerate(results):
        layers = np.arange(len(result.variances))
        style = run_style(index, len(layers))
        forward.plot(layers, result.variances, label=result.label, **style)
        backward.plot(layers, result.grad_norms, **style)
        backward.plot(layers[1:], result.weight_grad_norms[1:], **{**style, "linestyle": ":"})
    for axes, title, values, ylabel in [(forward, "forward: variance of the activations", "variances", "D(h)"),
                                        (backward, "backward: |dL/dh|, and |dL/dW| dotted",
                                         "grad_norms", "|dL/dh|, |dL/dW|")]:
        positive_log_scale(axes, [v for result in results for v in getattr(result, values)])
        axes.set_xlabel("layer (0 = input)")
        axes.set_ylabel(ylabel)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.set_title(title, fontsize="medium")
        axes.grid(alpha=0.3)
    legend_beside(figure, forward)
    return finish(figure, path)
