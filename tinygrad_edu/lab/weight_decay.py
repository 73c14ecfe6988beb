"""L2 regularisation versus decoupled weight decay, on a weight whose data gradient is 0 (lecture 3).

A linear model y ≈ w₁x₁ + w₂x₂ is fitted to data whose second input is always 0 (a dead feature), so the data
gives w₂ no gradient at all; only the regulariser moves it. With λ = `weight_decay` (PyTorch's convention: the
gradient gains λw, which is the lecture's penalty λ·Σw² with its 2λ written as λ):

    SGD + L2   (SGD, weight_decay=λ):   g = λw,  w ← w − ηλw           w_t = w₀(1 − ηλ)ᵗ
    AdamW      (decoupled):             w ← w(1 − ηλ); g = 0, so m = v = 0 and the Adam step is 0
                                                                       w_t = w₀(1 − ηλ)ᵗ   (the same law)
    Adam + L2  (Adam, weight_decay=λ):  g = λw passes through the adaptive scaling, w ← w − η·m̂/(√v̂ + ε) with
                                        m̂ = λ·⟨w⟩₁ and v̂ = λ²·⟨w²⟩₂   (⟨·⟩ᵢ: Adam's bias-corrected average
                                        with βᵢ over the values w took so far)
                                                                       w ← w − η·⟨w⟩₁ / (√⟨w²⟩₂ + ε/λ)

For Adam + L2, λ cancels (ε aside): the weight follows the same path whatever λ is. Its first steps are η each
(⟨w⟩₁ = √⟨w²⟩₂ = w₀), far more than ηλw₀ when λ < 1; later ones shrink as w falls below the root mean square of
its past values, which v̂ remembers, and w is all but gone after a few w₀/η steps. Decoupled decay shrinks it by
the fraction ηλ per step, as weight decay does for plain SGD, where L2 and decay are the same thing.
"""
import numpy as np

from .. import optim
from ..display import InlineFigure
from ..random import generator, manual_seed
from ..tensor import Tensor
from .choices import LabError
from .plotting import COLORS, finish, legend_beside, new_figure
from .tables import format_table

# label -> optimizer over params with learning rate lr and weight-decay coefficient λ: the lecture's three cases
RULES = {
    "Adam + L2": lambda params, lr, decay: optim.Adam(params, lr=lr, weight_decay=decay),
    "AdamW": lambda params, lr, decay: optim.AdamW(params, lr=lr, weight_decay=decay),
    "SGD + L2": lambda params, lr, decay: optim.SGD(params, lr=lr, weight_decay=decay),
}

# SGD + L2 follows AdamW's law exactly, so it is drawn as markers on AdamW's line; λ picks the line style
_RULE_STYLES = {"Adam + L2": {}, "AdamW": {}, "SGD + L2": {"marker": "o", "linestyle": "none", "fillstyle": "none"}}


def _dead_feature_data(samples):
    """(X, y): X's first column standard normal, its second always 0; y = 2·x₁ + 0.1·noise."""
    x = generator().standard_normal(samples)
    X = np.column_stack([x, np.zeros(samples)])
    return Tensor(X), Tensor(2.0 * x + 0.1 * generator().standard_normal(samples))


def _trajectory(rule, lr, decay, X, y, steps, w0):
    """The weights [w₁, w₂] at steps 0 … steps of full-batch training on the mean squared error."""
    w = Tensor(np.array([0.0, w0]), requires_grad=True)
    optimizer = RULES[rule]([w], lr, decay)
    weights = [w.data.copy()]
    for _ in range(steps):
        loss = ((X @ w - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        weights.append(w.data.copy())
    return np.array(weights)


class WeightDecayResult(InlineFigure):
    """`weights[(rule, λ)]`: array (steps + 1, 2) of [w₁, w₂]; w₂ (`zero_gradient_weight`) gets no data gradient."""

    def __init__(self, weights, lr, decays, w0):
        self.weights, self.lr, self.decays, self.w0 = weights, lr, list(decays), w0
        self.steps = len(next(iter(weights.values()))) - 1

    def zero_gradient_weight(self, rule, decay):
        """w₂ at steps 0 … steps under one rule and λ."""
        return self.weights[(rule, decay)][:, 1]

    def decoupled_law(self, decay):
        """w₀(1 − ηλ)ᵗ for t = 0 … steps: AdamW's (and SGD + L2's) zero-gradient weight."""
        return self.w0 * (1 - self.lr * decay) ** np.arange(self.steps + 1)

    def table(self, rows=11):
        """One table per λ, at `rows` steps: w₂ under each rule, Adam + L2's last step in units of η, and the law
        w₀(1 − ηλ)ᵗ of the decoupled rules."""
        shown = sorted({min(1, self.steps), *(round(i * self.steps / max(1, rows - 1)) for i in range(rows))})
        parts = []
        for decay in self.decays:
            adam_l2 = self.zero_gradient_weight("Adam + L2", decay)
            columns = [adam_l2, np.abs(np.diff(adam_l2, prepend=np.nan)) / self.lr]
            columns += [self.zero_gradient_weight(rule, decay) for rule in RULES if rule != "Adam + L2"]
            columns.append(self.decoupled_law(decay))
            body = [(t, *(column[t] for column in columns)) for t in shown]
            headers = ["t", "Adam + L2", "its step/lr", *(rule for rule in RULES if rule != "Adam + L2"),
                       "w0(1-lr*λ)^t"]
            parts.append(f"zero-gradient weight w2, lr={self.lr}, λ={decay}\n"
                         + format_table(headers, body, ["d"] + [".5f"] * (len(headers) - 1)))
        return "\n\n".join(parts)

    def plot(self, path=None):
        """Left: w₂ per step under each rule and λ, with the decoupled law dotted; right: how much it moves per step
        (log scale: Adam + L2 moves by about η whatever λ is, the decoupled rules by ηλ·w). Needs matplotlib."""
        figure, (values, moves) = new_figure(panels=2, width=6.0, height=4.5)
        for (rule, decay), weights in self.weights.items():
            style = {**_RULE_STYLES[rule], "color": COLORS[list(RULES).index(rule)], "label": f"{rule}, λ={decay}",
                     "linestyle": _RULE_STYLES[rule].get("linestyle", ["-", "--", "-."][self.decays.index(decay) % 3]),
                     "markevery": max(1, self.steps // 12)}
            values.plot(weights[:, 1], **style)
            moves.plot(np.maximum(np.abs(np.diff(weights[:, 1])), 1e-12), **style)
        values.plot(self.w0 - self.lr * np.arange(self.steps + 1), color="0.4", linewidth=0.8,
                    label="w0 − η·t (a step of η each time)")
        values.set_ylim(-0.1 * self.w0, 1.05 * self.w0)
        moves.set_yscale("log")
        for axes, ylabel, title in [(values, "w2", "the weight w2 (Adam + L2: one curve for every λ)"),
                                    (moves, "|w2(t+1) − w2(t)|", "its change per step")]:
            axes.set_xlabel("step")
            axes.set_ylabel(ylabel)
            axes.set_title(title, fontsize="medium")
            axes.grid(alpha=0.3)
        legend_beside(figure, values)
        figure.suptitle(f"a weight with no data gradient, η = {self.lr}: L2 through Adam's scaling vs decoupled decay",
                        fontsize="medium")
        return finish(figure, path)


def weight_decay_lab(lr=0.01, decays=(0.01, 0.1), steps=300, w0=1.0, samples=64, seed=0):
    """Train the dead-feature model with Adam + L2, AdamW and SGD + L2 for each λ in `decays` (full batch, float64,
    the same data), from w = [0, w0]; returns a WeightDecayResult."""
    if not decays or min(decays) <= 0 or lr <= 0:
        raise LabError(f"need lr > 0 and at least one weight decay λ > 0; got lr={lr}, decays={list(decays)}")
    manual_seed(seed)
    X, y = _dead_feature_data(samples)
    weights = {(rule, decay): _trajectory(rule, lr, decay, X, y, steps, w0) for rule in RULES for decay in decays}
    return WeightDecayResult(weights, lr, decays, w0)
