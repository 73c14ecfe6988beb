"""The optimizer playground as one interactive, offline HTML page: sliders for η, β₁, β₂ and the step t.

    lab.playground_page("playground.html")                       # every test function and optimizer
    lab.playground_page("rb.html", functions=["rosenbrock"], optimizers=["gd", "momentum", "adam"], steps=100)

Every number on the page comes from `lab.playground`, that is from tinygrad_edu's own optimizers, run in Python
over a grid of slider values; the page's script only draws them and looks them up (the sliders snap to the
grid), so the page cannot disagree with the code. For each function and optimizer the grid holds:

- learning rates: LR_GRID_SIZE neighbours in the series 0.0001, 0.0003, 0.001, …, 3, 10 around the rate that
  gets f lowest after the page's steps without leaving the picture (at the default β), which is where that
  optimizer's slider starts;
- β₁ ∈ BETA1 for the setting the β₁ slider moves (momentum μ of momentum and Nesterov, Adam's β₁), and
  β₂ ∈ BETA2 for the β₂ slider (Adam's β₂, RMSprop's α, Adadelta's ρ).

A setting written in an optimizer's spec is held fixed instead: "gd:lr=0.001" has one rate, and
("adamw", {"betas": (0.9, 0.999)}) moves with the learning-rate slider only. The default list holds Adam's
variants that way, which keeps the page under 5 MB. Numbers are kept to DIGITS significant digits.
"""
import inspect
import itertools
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..autograd_mode import no_grad
from ..display import ShownFile, fill_page
from ..tensor import Tensor
from .choices import LabError
from .contours import contour_levels, contour_lines
from .functions import FUNCTIONS, get_function
from .optimizers import DEFAULT_LOOKAHEAD_INNER, lookahead, parse_spec, resolve, spec_list, unique_labels
from .playground import playground
from .plotting import COLORS

TEMPLATES = Path(__file__).parent / "pages"
MAX_BYTES = 5_000_000  # the page's size limit: it must open quickly and fit in a notebook
DEFAULT_STEPS = 50
LR_SERIES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # steps of about √10
LR_GRID_SIZE = 5
BETA1 = (0.5, 0.9, 0.99)
BETA2 = (0.9, 0.99, 0.999)
DIGITS = 6
SAMPLES = 81  # the surface is sampled SAMPLES × SAMPLES times over the window for the contours
CONTOURS = 14
BAND_SYMBOLS = "0123456789abcdefghijklmnopqrstuvwxyz"  # a band (between two contour levels) per character
CURVE_SAMPLES = 301  # points of the 1-D curve
PICTURE = (480, 400)  # width and height of the paths' picture, in the page's SVG units
# The optimizers, lecture variants included. Adam's variants keep Adam's default β, which keeps the page under
# 5 MB: with its β₁ × β₂ grid, each would weigh as much as Adam, a fifth of the page.
ADAM_BETAS = {"betas": (0.9, 0.999)}
DEFAULT_OPTIMIZERS = [
    "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
    ("adam", {"bias_correction": False, **ADAM_BETAS}),  # the lectures' Adam: m and v without dividing by 1 − βᵗ
    *((name, ADAM_BETAS) for name in ("adamw", "adamax", "nadam", "radam", "lookahead")),
    ("newton", {"damping": 1e-3}),  # λ > 0 keeps H + λI invertible where the quartic's f″ = 12x² is 0
]
DEFAULT_SHOWN = ("gd", "momentum", "rmsprop", "adam")
# the settings a β slider can move, and how the page writes each
SLIDER_SYMBOLS = {"momentum": "μ", "alpha": "α", "rho": "ρ"}


@dataclass(frozen=True)
class PageOptimizer:
    """One optimizer on the page: `name` and `fixed`, its spec's settings (held on every run); `beta1`, `beta2`: the
    setting each β slider moves ("momentum", "betas", "alpha", "rho"; None: the slider leaves it alone);
    `default_betas`: the grid values nearest its own defaults, where the search for the best rate runs."""
    label: str
    name: str
    fixed: dict
    beta1: str | None
    beta2: str | None
    default_betas: tuple
    slider_keys: tuple = ("lr",)  # what the sliders could move, fixed or not: its label leaves them to the page

    def spec(self, lr, beta1, beta2):
        """The (name, settings) of the run at these slider values."""
        settings = {"lr": lr, **self.fixed}
        if self.beta1 == "betas":
            settings["betas"] = (beta1, beta2)
        else:
            settings.update({key: value for key, value in [(self.beta1, beta1), (self.beta2, beta2)] if key})
        return self.name, settings

    def symbols(self):
        """How the page names what its β sliders move: ["β₁", "β₂"], ["μ", None], ..."""
        if self.beta1 == "betas":
            return ["β₁", "β₂"]
        return [SLIDER_SYMBOLS.get(self.beta1), SLIDER_SYMBOLS.get(self.beta2)]


def playground_page(path="playground.html", functions=None, optimizers=None, steps=DEFAULT_STEPS, beta1=BETA1,
                    beta2=BETA2, shown=None, title="tinygrad_edu optimizer playground"):
    """Run the grid, write the page to `path` and return the path (Jupyter shows the page itself).

    functions: names of lab.FUNCTIONS (default: all). optimizers: specs as lab.playground takes them ("adam",
    "gd:lr=0.001", ("adam", {"amsgrad": True}), ...; default DEFAULT_OPTIMIZERS). steps: steps per run.
    beta1, beta2: the grids of the β sliders. shown: the labels ticked when the page opens (default: the
    lectures' gd, momentum, rmsprop and adam where present). Raises LabError, before writing, for a page over
    MAX_BYTES.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):  # said now, not after a minute of runs
        raise LabError(f"cannot write the page to {os.fspath(path)!r}: there is no folder {folder}")
    tests = [get_function(name) for name in (FUNCTIONS if functions is None else functions)]
    grids = _checked_grids(tests, steps, beta1, beta2)
    page_optimizers = page_optimizer_list(DEFAULT_OPTIMIZERS if optimizers is None else optimizers, *grids)
    data = {"steps": int(steps), "beta1": list(beta1), "beta2": list(beta2),
            "lrSeries": list(LR_SERIES), "shown": _shown(page_optimizers, shown),
            "optimizers": [_optimizer_data(optimizer, index, grids) for index, optimizer in enumerate(page_optimizers)],
            "functions": [_function_data(test, page_optimizers, int(steps), grids) for test in tests]}
    return ShownFile(write_page(path, fill_page(TEMPLATES, "playground", title, data)))


def _checked_grids(tests, steps, beta1, beta2):
    """(β₁ grid, β₂ grid) as tuples, after checking the page has something to show."""
    if not tests:
        raise LabError(f"functions must name at least one of: {', '.join(FUNCTIONS)}")
    if int(steps) != steps or steps < 1:
        raise LabError(f"steps must be a whole number >= 1, got {steps!r}")
    for name, grid in (("beta1", beta1), ("beta2", beta2)):
        if len(grid) == 0 or not all(0 <= value < 1 for value in grid):
            raise LabError(f"{name} must be a non-empty list of values in [0, 1), got {list(grid)!r}")
    return tuple(beta1), tuple(beta2)


def _shown(page_optimizers, shown):
    labels = [optimizer.label for optimizer in page_optimizers]
    if shown is None:
        return [label for label in labels if label in DEFAULT_SHOWN] or labels[:3]
    unknown = [label for label in shown if label not in labels]
    if unknown:
        raise LabError(f"shown names {unknown} that are not on the page; its optimizers are: {', '.join(labels)}")
    return list(shown)


# ---- which settings the sliders move --------------------------------------------------------------------------------
def page_optimizer_list(specs, beta1, beta2):
    """A PageOptimizer for each spec, labelled by its name and the fixed settings no slider moves."""
    found = [_page_optimizer(*_as_pair(spec), beta1, beta2) for spec in spec_list(specs)]
    if not found:
        raise LabError("optimizers must name at least one optimizer, e.g. ['gd', 'adam']")
    labels = unique_labels([(o.name, {k: v for k, v in o.fixed.items() if k not in o.slider_keys}) for o in found])
    return [replace(optimizer, label=label) for optimizer, label in zip(found, labels)]


def _as_pair(spec):
    """(name, settings) from any spec form lab.playground takes."""
    resolve(spec)  # an unknown name or a malformed spec is refused here, with the choices
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    return (spec, {}) if isinstance(spec, str) else (spec[0], dict(spec[1]))


def _page_optimizer(name, fixed, beta1, beta2):
    """Which setting each β slider moves: what the optimizer class takes (betas; a positive momentum; RMSprop's
    alpha; Adadelta's rho), unless the spec fixed it; Lookahead passes them to the optimizer it wraps."""
    _, make, settings = resolve((name, fixed))
    taken = set()
    if make is lookahead:
        _, make, preset = resolve(settings.get("inner", DEFAULT_LOOKAHEAD_INNER))
        settings = {**preset, **settings}
        taken = {"alpha", "k", "inner"}  # Lookahead's own settings: its alpha is not RMSprop's
    parameters = inspect.signature(make).parameters
    first = "betas" if "betas" in parameters else "momentum" if settings.get("momentum", 0) > 0 else None
    second = "betas" if "betas" in parameters else next(
        (key for key in ("alpha", "rho") if key in parameters and key not in taken), None)
    slider_keys = tuple(sorted({"lr", first, second} - {None}))
    first, second = [key if key and key not in fixed else None for key in (first, second)]
    defaults = {key: settings.get(key, parameters[key].default) for key in {first, second} - {None}}
    start = (_nearest(beta1, defaults["betas"][0] if first == "betas" else defaults.get(first)),
             _nearest(beta2, defaults["betas"][1] if second == "betas" else defaults.get(second)))
    return PageOptimizer("", name, dict(fixed), first, second, start, slider_keys)


def _nearest(grid, value):
    return None if value is None else min(grid, key=lambda candidate: abs(candidate - value))


# ---- the runs ------------------------------------------------------------------------------------------------------
def grid_runs(test, optimizer, steps, beta1, beta2):
    """(learning rates, index of the best, runs): the optimizer's Trajectory at every (η, β₁, β₂) of its grid, in
    the order itertools.product(rates, β₁ grid, β₂ grid) gives (a β it does not take has the one value None).

    The rates are the LR_GRID_SIZE neighbours in LR_SERIES around the best rate (see best_run), tried at the
    optimizer's default β. A rate the spec fixed is the only one.
    """
    series = [optimizer.fixed["lr"]] if "lr" in optimizer.fixed else list(LR_SERIES)
    first_betas = optimizer.default_betas
    tried = _runs(test, optimizer, steps, [(lr, *first_betas) for lr in series])
    best = best_run(tried, test.window)
    low = min(max(best - LR_GRID_SIZE // 2, 0), max(len(series) - LR_GRID_SIZE, 0))
    rates = series[low:low + LR_GRID_SIZE]
    grid = list(itertools.product(rates, beta1 if optimizer.beta1 else [None], beta2 if optimizer.beta2 else [None]))
    known = {(lr, *first_betas): run for lr, run in zip(series, tried)}
    missing = [point for point in grid if point not in known]
    known.update(zip(missing, _runs(test, optimizer, steps, missing)))
    return rates, best - low, [known[point] for point in grid]


def best_run(runs, window):
    """The index of the run that ends with the lowest f without leaving the window (the picture): a learner
    sees the whole path, and on the saddle, which has no lowest f, the fastest escape that stays in view wins.
    When every run leaves the window, the lowest end of those that did not diverge."""
    inside = [bool(np.all((run.points >= [low for low, _ in window]) & (run.points <= [high for _, high in window])))
              for run in runs]
    ends = [run.losses[-1] if not run.diverged else np.inf for run in runs]
    kept = [end if stays else np.inf for end, stays in zip(ends, inside)]
    return int(np.argmin(kept if any(inside) else ends))


def _runs(test, optimizer, steps, points):
    """One Trajectory per (η, β₁, β₂), all by lab.playground."""
    if not points:
        return []
    result = playground([optimizer.spec(*point) for point in points], function=test, steps=steps)
    return list(result.runs.values())


# ---- what the page holds -------------------------------------------------------------------------------------------
def _optimizer_data(optimizer, index, grids):
    """The page's entry for an optimizer: label, look (the labs' palette: colour, dashed after the first round),
    the names of the settings its β sliders move (null: none), where on the β grids its sliders start, and its
    fixed settings as text."""
    starts = [grid.index(value) if value is not None else None for grid, value in zip(grids, optimizer.default_betas)]
    return {"label": optimizer.label, "color": COLORS[index % len(COLORS)], "dashed": index // len(COLORS) % 2 == 1,
            "symbols": optimizer.symbols(), "startBetas": starts,
            "fixed": ", ".join(f"{key}={value}" for key, value in optimizer.fixed.items())}


def _function_data(test, page_optimizers, steps, grids):
    """A function's picture (contours or curve) and, per optimizer, its rates, where its sliders start and every
    run of its grid."""
    best = _best_value(test)
    runs = {}
    for optimizer in page_optimizers:
        rates, start, trajectories = grid_runs(test, optimizer, steps, *grids)
        runs[optimizer.label] = {"lr": rates, "start": start, "runs": [_run_data(run, best) for run in trajectories]}
    return {"name": test.name, "formula": test.formula, "dim": test.dim, "window": test.window,
            "start": test.start, "minimum": test.minimum, "best": best, "picture": _picture(test, best),
            "optimizers": runs}


def _best_value(test):
    """f at the known minimum, or None when there is none (the saddle)."""
    return None if test.minimum is None else float(_evaluate(test, test.minimum))


def _run_data(run, best):
    """A run in flat lists of DIGITS-digit numbers: x (θ_t, dim numbers per step), loss (f(θ_t) − f*, or f when
    there is no minimum), g (∇f(θ_t)), state (per symbol, as x; null before the first step)."""
    loss = run.losses - best if best is not None else run.losses
    return {"x": rounded(run.points), "loss": rounded(loss), "g": rounded(run.grads),
            "state": {symbol: rounded(values) for symbol, values in run.states.items()}, "diverged": run.diverged}


def rounded(values):
    """The values, flattened, to DIGITS significant digits; NaN and ±inf (no state yet, a diverged step) as None."""
    return [float(f"{value:.{DIGITS}g}") if np.isfinite(value) else None for value in np.ravel(values).tolist()]


# ---- the picture under the paths -----------------------------------------------------------------------------------
def _picture(test, best):
    """What the paths are drawn over, in SVG units of a PICTURE-sized box whose x and y ranges are given, so the
    page places θ_t by the same linear map: contours for a 2-D function, the curve for a 1-D one."""
    width, height = PICTURE
    (x_low, x_high), *rest = test.window
    if test.dim == 1:
        return {"width": width, "height": height, "x": [x_low, x_high], **_curve(test, best)}
    (y_low, y_high), = rest
    return {"width": width, "height": height, "x": [x_low, x_high], "y": [y_low, y_high], **_contours(test)}


def _curve(test, best):
    """The curve of f(x) − f* over the window, and the y range it spans (5% to spare above and below)."""
    width, height = PICTURE
    (x_low, x_high), = test.window
    xs = np.linspace(x_low, x_high, CURVE_SAMPLES)
    values = _evaluate(test, xs[None, :]) - (best if best is not None else 0.0)
    margin = 0.05 * (values.max() - values.min())
    y_low, y_high = values.min() - margin, values.max() + margin
    heights = (values - y_low) / (y_high - y_low) * height
    return {"y": [y_low, y_high], "curve": _svg_path(zip(heights, (xs - x_low) / (x_high - x_low) * width), height)}


def _contours(test):
    """The contour lines of f over the window as SVG paths, and the bands between the levels: one character per
    sample (the band's number in BAND_SYMBOLS), a row per y, bottom row first."""
    width, height = PICTURE
    (x_low, x_high), (y_low, y_high) = test.window
    grid = np.stack(np.meshgrid(np.linspace(x_low, x_high, SAMPLES), np.linspace(y_low, y_high, SAMPLES)))
    surface = _evaluate(test, grid)
    levels = contour_levels(surface, CONTOURS)
    scale = np.array([height, width]) / (SAMPLES - 1)
    lines = [_svg_path(line * scale, height) for level in levels for line in contour_lines(surface, level)]
    bands = np.searchsorted(levels, surface)
    return {"contours": lines, "bands": ["".join(BAND_SYMBOLS[band] for band in row) for row in bands],
            "bandCount": len(levels) + 1}


def _evaluate(test, points):
    with no_grad():
        return test(Tensor(np.asarray(points, dtype=np.float64))).data


def _svg_path(rows_and_columns, height):
    """SVG path data through points given as (distance up from the bottom, distance from the left)."""
    return "M" + "L".join(f"{column:.1f} {height - row:.1f}" for row, column in rows_and_columns)


# ---- the file ------------------------------------------------------------------------------------------------------
def write_page(path, page):
    """Write the page's text to path and return the path; LabError, and nothing written, if it is over MAX_BYTES."""
    size = len(page.encode("utf-8"))
    if size > MAX_BYTES:
        raise LabError(f"the page would be {size / 1e6:.2f} MB, over the {MAX_BYTES / 1e6:g} MB limit; choose fewer "
                       "functions, optimizers, steps or β values")
    with open(path, "w", encoding="utf-8") as file:
        file.write(page)
    return os.fspath(path)
