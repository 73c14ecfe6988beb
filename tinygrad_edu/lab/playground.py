"""The optimizer playground: run optimizers from one start point on a test function and compare their paths.

    result = lab.playground(["sgd", ("adam", {"lr": 0.1})], function="rosenbrock", steps=100)
    result.runs["adam(lr=0.1)"].points     # θ₀ … θ₁₀₀, shape (101, 2)
    result.runs["adam(lr=0.1)"].states["m̂"]  # Adam's bias-corrected first moment after each step
    print(result.table())                  # t, θ, f(θ), ∇f(θ) and the optimizer's state (h, G, m, v, m̂, v̂ ...)
    result.plot("playground.png")          # paths over the contour, and the loss curves

Every optimizer is driven the same way, `optimizer.step(closure)`, where closure() zeroes the gradient,
evaluates f and fills the gradient (by backward(), or by forward finite differences). So an optimizer that
needs to re-evaluate f within a step (Newton's method, a line search) works here without special cases.
"""
from dataclasses import dataclass, field

import numpy as np

from ..autograd_mode import no_grad
from ..display import InlineFigure
from ..errors import ShapeError
from ..gradcheck import numerical_grad
from ..tensor import Tensor
from .choices import LabError
from .functions import get_function
from .optimizer_state import state_columns
from .optimizers import resolve, spec_list, unique_labels
from .plotting import finish, fit_y_axis, legend_beside, new_figure, run_style, titled
from .tables import MISSING, format_table

DERIVATIVES = ("autograd", "forward")


@dataclass
class Trajectory:
    """One optimizer's run: points[t] = θ_t, losses[t] = f(θ_t), grads[t] = ∇f(θ_t) for t = 0 … steps.

    states[symbol][t]: what the optimizer held after its t-th step, under the lectures' symbols (h, G, v, m,
    m̂, v̂, φ; see lab.optimizer_state), NaN where it held no such buffer yet (always at t = 0).
    A run that reaches a non-finite loss stops there (diverged=True), so its arrays are shorter.
    """
    label: str
    points: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    diverged: bool = False
    states: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.losses)


class PlaygroundResult(InlineFigure):
    """What playground() returns: the test function, its settings, and one Trajectory per optimizer in `runs`."""

    def __init__(self, function, runs, derivative, h):
        self.function, self.runs, self.derivative, self.h = function, runs, derivative, h

    @property
    def best_value(self):
        """f at the known minimum (None when the function has none)."""
        if self.function.minimum is None:
            return None
        return float(self.function(Tensor(np.array(self.function.minimum, dtype=np.float64))).item())

    def table(self, label=None, steps=None, digits=3, state=True):
        """The lecture's step table of one run (the first by default): t, θ, f(θ), ∇f(θ), then (state=True) what
        the optimizer holds after t steps (h, G, m, v, m̂, v̂, ...; "–" before its first step); `steps` picks rows.
        """
        run = self.runs[label] if label is not None else next(iter(self.runs.values()))
        suffixes = [""] if self.function.dim == 1 else [str(i + 1) for i in range(self.function.dim)]
        names = [f"x{suffix}" for suffix in suffixes]
        symbols = list(run.states) if state else []
        headers = ["t", *names, "f(x)", *(f"df/d{name}" for name in names),
                   *(f"{symbol}{suffix}" for symbol in symbols for suffix in suffixes)]
        shown = range(len(run)) if steps is None else [t for t in steps if t < len(run)]
        rows = [(t, *run.points[t], run.losses[t], *run.grads[t],
                 *(None if np.isnan(value) else value for symbol in symbols for value in run.states[symbol][t]))
                for t in shown]
        # state spans decades (v ≈ (1 − β₂)g² next to m̂ ≈ g), so its columns keep `digits` significant digits
        formats = ["d"] + [f".{digits}f"] * (1 + 2 * len(names)) + [f"#.{digits}g"] * (len(symbols) * len(names))
        return format_table(headers, rows, formats)

    def summary(self):
        """One line per optimizer: steps taken, where it ended, f there and the distance to the minimum; a function
        without a minimum (the saddle) shows "–" there, and a note under the table says why."""
        minimum = self.function.minimum
        headers = ["optimizer", "steps", "final point", "f(final)", "distance to minimum"]
        rows = []
        for label, run in self.runs.items():
            end = run.points[-1]
            with np.errstate(over="ignore"):  # a diverged run is simply infinitely far away
                distance = float(np.linalg.norm(end - np.array(minimum))) if minimum is not None else None
            point = "(" + ", ".join(f"{value:.4g}" for value in end) + ")"
            name = label + (" (diverged)" if run.diverged else "")
            rows.append((name, len(run) - 1, point, run.losses[-1], distance))
        table = format_table(headers, rows, ["", "d", "", ".4g", ".4g"])
        if minimum is None:
            function = self.function
            table += f"\n{MISSING} {function.name} (f = {function.formula}) has no minimum to measure a distance to"
        return table

    def plot(self, path=None):
        """Left: the paths over the contour of f (the curve of f in 1-D). Right: loss per step (clipped, and said
        so in its title, when a run diverges). One legend beside both. Needs matplotlib."""
        figure, (paths, losses) = new_figure(panels=2)
        (self._draw_paths_1d if self.function.dim == 1 else self._draw_paths_2d)(paths)
        best = self.best_value
        curves = {label: run.losses - best if best is not None else run.losses for label, run in self.runs.items()}
        for index, (label, values) in enumerate(curves.items()):
            losses.plot(values, label=label, **run_style(index, len(values)))
        note = fit_y_axis(losses, curves)
        losses.set_xlabel("step t")
        losses.set_ylabel("f(θ_t) − f(θ*)" if best is not None else "f(θ_t)")
        titled(losses, "loss per step", note)
        losses.grid(alpha=0.3)
        legend_beside(figure, losses)
        return finish(figure, path)

    def _draw_paths_1d(self, axes):
        (low, high), = self.function.window
        xs = np.linspace(low, high, 400)
        with no_grad():
            axes.plot(xs, self.function(Tensor(xs[None, :])).data, color="0.6")
        for index, run in enumerate(self.runs.values()):
            axes.plot(run.points[:, 0], run.losses, **{**run_style(index), "markersize": 3})  # a dot per step
        if self.function.minimum is not None:
            axes.plot(self.function.minimum[0], self.best_value, "k*", markersize=12)
        axes.set_xlim(low, high)
        axes.set_xlabel("x")
        axes.set_ylabel("f(x)")
        self._title(axes)

    def _draw_paths_2d(self, axes):
        (x_low, x_high), (y_low, y_high) = self.function.window
        grid = np.stack(np.meshgrid(np.linspace(x_low, x_high, 200), np.linspace(y_low, y_high, 200)))
        with no_grad():
            surface = self.function(Tensor(grid)).data
        # levels at quantiles of f spread the contour lines evenly over the picture whatever the range of f
        levels = np.unique(np.quantile(surface, np.linspace(0.0, 1.0, 30) ** 2))
        axes.contour(grid[0], grid[1], surface, levels=levels, cmap="Greys", linewidths=0.5, alpha=0.6)
        for index, run in enumerate(self.runs.values()):
            axes.plot(run.points[:, 0], run.points[:, 1], linewidth=1.2, **{**run_style(index), "markersize": 3})
        start = next(iter(self.runs.values())).points[0]
        axes.plot(start[0], start[1], "ko", markersize=5)
        if self.function.minimum is not None:
            axes.plot(*self.function.minimum, "k*", markersize=12)
        axes.set_xlim(x_low, x_high)
        axes.set_ylim(y_low, y_high)
        axes.set_xlabel("x")
        axes.set_ylabel("y")
        self._title(axes)

    def _title(self, axes):
        axes.set_title(f"{self.function.name}: f = {self.function.formula}", fontsize="medium")


def playground(optimizers, function="rosenbrock", start=None, steps=100, derivative="autograd", h=1e-3):
    """Run every optimizer for `steps` steps from `start` (the function's default if None) and record the paths.

    optimizers: names ("sgd", "adam", "momentum", ...; any optimizer class of tinygrad_edu.optim, any case)
    with settings, as a pair ("adam", {"lr": 0.1}) or as text "adam:lr=0.1". function: a name from lab.FUNCTIONS or a
    TestFunction. derivative: "autograd" (backward()) or "forward" (finite difference (f(θ + h·eᵢ) − f(θ)) / h,
    as on the lecture slides). Coordinates are float64, so finite differences are accurate to O(h).
    """
    test = get_function(function)
    start = test.start if start is None else tuple(float(value) for value in np.ravel(start))
    if len(start) != test.dim:
        raise ShapeError(f"{test.name} takes a {test.dim}-D start point, got {start}")
    if derivative not in DERIVATIVES:
        raise LabError(f"unknown derivative {derivative!r}; choose one of: {', '.join(DERIVATIVES)}")
    if int(steps) != steps or steps < 0:
        raise LabError(f"steps must be a whole number >= 0, got {steps!r}")
    optimizers = spec_list(optimizers)
    labels = unique_labels(optimizers)
    runs = {label: _run(label, spec, test, start, int(steps), derivative, h) for label, spec in zip(labels, optimizers)}
    return PlaygroundResult(test, runs, derivative, h)


def _run(label, spec, test, start, steps, derivative, h):
    _, make_optimizer, settings = resolve(spec)
    point = Tensor(np.array(start, dtype=np.float64), requires_grad=True, name="θ")
    optimizer = make_optimizer([point], **settings)
    closure = _closure(test, point, optimizer, derivative, h)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is detected and reported below
        return _record(label, point, optimizer, closure, steps)


def _record(label, point, optimizer, closure, steps):
    """Measure f and ∇f at θ_t and the optimizer's state after t steps, then step, for t = 0 … steps; stop at the
    first non-finite value."""
    points, losses, grads, states = [], [], [], []
    diverged = False
    for t in range(steps + 1):
        loss = closure()  # f and ∇f at θ_t, measured for the record before the step
        points.append(point.data.copy())
        losses.append(float(loss.item()))
        grads.append(point.grad.data.copy())
        states.append(state_columns(optimizer, point))
        diverged = not np.isfinite(losses[-1]) or not np.all(np.isfinite(grads[-1]))
        if diverged:
            break
        if t < steps:
            optimizer.step(closure)
    return Trajectory(label, np.array(points), np.array(losses), np.array(grads), diverged,
                      _stack_states(states, point.shape))


def _stack_states(snapshots, shape):
    """{symbol: array (len(snapshots), *shape)} from one {symbol: array} per step, NaN where a step had none."""
    # in the order of the last snapshot, which holds every buffer (Lookahead's φ exists before the first step)
    symbols = list(dict.fromkeys([*snapshots[-1], *(symbol for snapshot in snapshots for symbol in snapshot)]))
    missing = np.full(shape, np.nan)
    return {symbol: np.array([snapshot.get(symbol, missing) for snapshot in snapshots]) for symbol in symbols}


def _closure(test, point, optimizer, derivative, h):
    """closure(): zero the gradient, evaluate f at the current point, fill point.grad, return the loss."""
    def closure():
        optimizer.zero_grad()
        if derivative == "autograd":
            loss = test(point)
            loss.backward()
        else:
            with no_grad():
                loss = test(point)
            point.grad = Tensor(numerical_grad(test, point, eps=h, method="forward")[0])
        return loss
    return closure
