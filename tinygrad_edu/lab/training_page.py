"""The training playground: MLPs trained on a 2-D dataset, replayed epoch by epoch in one offline HTML page.

Python trains every run with the library's own pieces, exactly as `tinygrad-edu train` does (nn.build_mlp, the
train command's optimizers and schedules, train.fit), and records after every epoch:

- the loss and accuracy on the training and the validation points (fit's History; epoch 0 is the untrained net),
- ‖W‖ and ‖∂L/∂W‖ of every layer's weight matrix, the gradient of the loss over all training points at the
  epoch's final weights (train.callbacks.ParameterNorms),
- the decision regions: on a grid × grid lattice over the plane, the predicted class argmaxₖ pₖ(x) and how sure
  the net is of it, max pₖ(x) with p = softmax(logits).

The page (pages/training.html, .css and .js, written into one file) draws those numbers and looks them up; it
computes none of them. An epoch slider scrubs the regions and moves a marker along the curves, and a switch picks
one of a few runs that differ in one or two settings (activation, init, optimizer, lr, ...). Nothing is loaded
from the network, so the file opens from file:// and inline in Jupyter.

    page = lab.training_page("spirals.html", runs={"activation": ["relu", "tanh"]}, epochs=30)
    page                                  # in Jupyter: the page under the cell
"""
import argparse
import itertools
import math
import os
import string
import time
from pathlib import Path

import numpy as np

from .. import data, nn, random
from ..autograd_mode import no_grad
from ..display import fill_page, iframe
from ..nn.init import SCHEMES
from ..optim.schedules import SCHEDULES
from ..tensor import Tensor
from ..train import EarlyStopping, command, evaluate, fit
from ..train.callbacks import Callback, ParameterNorms
from .choices import LabError
from .plotting import COLORS
from .tables import format_table

PAGES = Path(__file__).parent / "pages"
MAX_BYTES = 5_000_000  # the page's size limit
REGION_BUDGET = 3_500_000  # characters of decision regions at most; beyond it, regions are kept every few epochs
MAX_RUNS = 8
LEVELS = 8  # how sure the net is, max pₖ from 1/K (a guess) to 1, in LEVELS steps
# one character per grid cell: class k at sureness level q is SYMBOLS[k·LEVELS + q]
SYMBOLS = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
MAX_CLASSES = len(SYMBOLS) // LEVELS
SIGNIFICANT = 6  # digits kept of every number on the page
INLINE_HEIGHT = 900  # px of the page's frame in a notebook
# the settings a run may vary: name -> its choices, or the text -> value reading of a number
SETTINGS = {
    "activation": command.ACTIVATIONS,
    "init": ("auto", *SCHEMES),
    "optimizer": tuple(sorted(command.OPTIMIZERS)),
    "schedule": ("none", *SCHEDULES, "plateau"),
    "lr": "a positive number",
    "weight_decay": "a number >= 0",
    "dropout": "a probability in [0, 1)",
}
DEFAULT_SETTINGS = {"activation": "relu", "init": "auto", "optimizer": "adam", "schedule": "none", "lr": None,
                    "weight_decay": 0.0, "dropout": 0.0}


class TrainingPage:
    """The written page: `html` its text, `runs` what each run recorded (lists per epoch), `path` where it was
    saved (None until `save`). Jupyter shows it inline, in a frame that holds the whole page."""

    def __init__(self, page_html, runs, description, path=None):
        self.html, self.runs, self.description, self.path = page_html, runs, description, path

    def save(self, path):
        """Write the page to path (an .html file) and return the path."""
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.html)
        self.path = os.fspath(path)
        return self.path

    def table(self):
        """Each run's final training and validation loss and accuracy, as text."""
        rows = [(run["label"], run["epochs"][-1], run["loss"][-1], run["val_loss"][-1], run["accuracy"][-1],
                 run["val_accuracy"][-1], run["seconds"]) for run in self.runs]
        headers = ["run", "epochs", "loss", "val loss", "accuracy", "val accuracy", "seconds"]
        return f"{self.description}\n" + format_table(headers, rows, ["", "d", ".4f", ".4f", ".4f", ".4f", ".1f"])

    def _repr_html_(self):
        return iframe(self.html, self.description, INLINE_HEIGHT)

    def __repr__(self):
        where = f", saved to {self.path}" if self.path else ""
        return f"<TrainingPage: {self.description}; {len(self.runs)} run(s), {len(self.html) / 1e6:.2f} MB{where}>"


def training_page(path=None, dataset="spirals", runs=None, epochs=None, hidden=None, samples=1500, noise=None,
                  batch_size=None, val_fraction=0.2, patience=None, seed=0, grid=60, progress=False, **settings):
    """Train the runs, write the page to `path` (when given) and return it as a TrainingPage.

    dataset: spirals, moons, circles, blobs or xor (`samples` points, `noise` their own default when None), split
    into training and validation points as `tinygrad-edu train` splits it. hidden: the hidden layer sizes;
    hidden, epochs and batch_size default to train's (64,64; 60; 32).
    settings: what every run starts from: activation, init, optimizer, lr (None: the optimizer's default rate),
    weight_decay, schedule ("none" for a constant rate), dropout, as `train`'s options of those names.
    runs: what the runs change: None (one run), a dict {setting: [values]} (every combination, in order), e.g.
    {"activation": ["relu", "tanh"]}, or a list of dicts, one per run, e.g. [{"optimizer": "sgd", "lr": 0.1}, {}].
    patience: stop a run early after this many epochs without a better validation loss.
    grid: the decision regions' lattice is grid × grid points. Every run starts from the same seed, so runs that
    differ only in the optimizer also start from the same weights and see the same batches.
    progress: print a line as each run ends.
    """
    base = _base_options(dataset, epochs, hidden, samples, noise, batch_size, val_fraction, patience, seed,
                         grid, settings)
    variations = run_variations(runs)
    task = Task(base, len(variations))
    recorded = []
    for number, changes in enumerate(variations, 1):
        recorded.append(_train_run(base, changes, task))
        if progress:
            print(f"run {number}/{len(variations)} ({recorded[-1]['label']}): validation accuracy "
                  f"{recorded[-1]['val_accuracy'][-1]:.4f} after {recorded[-1]['epochs'][-1]} epochs")
    page = TrainingPage(fill_page(PAGES, "training", f"tinygrad_edu training playground: {dataset}",
                                  task.payload(recorded)),
                        recorded, task.description)
    size = len(page.html.encode("utf-8"))
    if size > MAX_BYTES:
        raise LabError(f"the page would be {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit; "
                       f"use fewer samples (now {samples}), runs or epochs")
    if path is not None:
        page.save(path)
    return page


class Task:
    """What the runs share: the data (split as `train` splits it), the class count, the lattice of the regions,
    the settings with train's defaults resolved (`shared`) and how often the regions are kept (`every`)."""

    def __init__(self, base, runs):
        (self.X_train, self.y_train), (self.X_val, self.y_val), _ = command.load_dataset(base)
        self.classes = _class_count(self.y_train, self.y_val)
        self.lattice = Lattice(np.concatenate([self.X_train, self.X_val]), base.grid)
        self.shared = command.run_config(base, 2, self.classes, len(self.X_train) + len(self.X_val))
        self.every = region_stride(runs, self.shared["epochs"], base.grid)
        self.description = (f"{base.dataset}: {len(self.X_train)} training / {len(self.X_val)} validation points, "
                            f"MLP {'-'.join(map(str, self.shared['sizes']))}, batch {self.shared['batch_size']}, "
                            f"{self.shared['epochs']} epochs")

    def payload(self, recorded):
        """The page's data: the points, the lattice, the colours and every run, numbers rounded."""
        return {"description": self.description, "classes": self.classes, "colors": COLORS[:self.classes],
                "points": {"train": _points(self.X_train, self.y_train), "val": _points(self.X_val, self.y_val)},
                "grid": self.lattice.grid, "extent": self.lattice.extent, "regionEvery": self.every,
                "levels": LEVELS, "symbols": SYMBOLS, "runs": [_rounded(run) for run in recorded]}


# ---- the options of the runs ---------------------------------------------------------------------------------------
def _base_options(dataset, epochs, hidden, samples, noise, batch_size, val_fraction, patience, seed, grid, settings):
    """The options every run shares, as the namespace `tinygrad-edu train` reads (so its functions build the data
    and the optimizers), checked."""
    if dataset not in command.GENERATED:
        raise LabError(f"the training page needs a 2-D dataset: one of {', '.join(command.GENERATED)}; "
                       f"got {dataset!r}")
    for name, value, least in [("epochs", epochs, 1), ("samples", samples, command.MIN_SAMPLES),
                               ("batch_size", batch_size, 1), ("seed", seed, 0)]:
        if (value is not None or name in ("samples", "seed")) and not _integer_from(value, least):
            raise LabError(f"{name} must be an integer >= {least}, got {value!r}")
    if hidden is not None and not (isinstance(hidden, (list, tuple)) and hidden
                                   and all(_integer_from(size, 1) for size in hidden)):
        raise LabError(f"hidden must be a list of positive layer sizes like [32, 32], got {hidden!r}")
    if not isinstance(grid, (int, np.integer)) or not 10 <= grid <= 200:
        raise LabError(f"grid must be an integer from 10 to 200, got {grid!r}")
    if patience is not None and not _integer_from(patience, 1):
        raise LabError(f"patience must be a positive integer or None, got {patience!r}")
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise LabError(f"unknown setting(s) {', '.join(unknown)}; the runs' settings are {', '.join(SETTINGS)}")
    chosen = {**DEFAULT_SETTINGS, **{name: check_setting(name, value) for name, value in settings.items()}}
    return argparse.Namespace(dataset=dataset, data_root=None, samples=samples, noise=noise, val_fraction=val_fraction,
                              hidden=None if hidden is None else list(hidden), epochs=epochs, batch_size=batch_size,
                              patience=patience, seed=seed, grid=grid, **chosen)


def _integer_from(value, least):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= least


def check_setting(name, value):
    """value, checked for the setting `name` (a number, or one of its choices); LabError naming both if wrong."""
    if name not in SETTINGS:
        raise LabError(f"unknown setting {name!r}; the runs' settings are {', '.join(SETTINGS)}")
    rule = SETTINGS[name]
    if isinstance(rule, tuple):
        if value not in rule:
            raise LabError(f"{name} must be one of {', '.join(rule)}; got {value!r}")
        return value
    if name == "lr" and value is None:
        return None
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    low_ok = number > 0 if name == "lr" else number >= 0
    if not (math.isfinite(number) and low_ok and (name != "dropout" or number < 1)):
        raise LabError(f"{name} must be {rule}; got {value!r}")
    return float(number)


def run_variations(runs):
    """The changes each run makes to the shared settings: [{}] for None; every combination of a dict's values
    in order ({"activation": ["relu", "tanh"], "lr": [0.01]} -> two runs); a list of dicts as it is."""
    if runs is None:
        return [{}]
    if isinstance(runs, dict):
        names = list(runs)
        values = [value if isinstance(value, (list, tuple)) else [value] for value in runs.values()]
        variations = [dict(zip(names, combination)) for combination in itertools.product(*values)]
    elif isinstance(runs, (list, tuple)) and all(isinstance(run, dict) for run in runs):
        variations = [dict(run) for run in runs]
    else:
        raise LabError(f"runs must be None, a dict {{setting: [values]}} or a list of dicts; got {runs!r}")
    if not 1 <= len(variations) <= MAX_RUNS:
        raise LabError(f"the page holds 1 to {MAX_RUNS} runs; {runs!r} makes {len(variations)}")
    return [{name: check_setting(name, value) for name, value in run.items()} for run in variations]


def run_label(changes):
    """"activation=tanh, lr=0.01" for a run's changes (numbers as 0.01, 1e-05); "base settings" for none."""
    return ", ".join(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                     for name, value in changes.items()) or "base settings"


def _class_count(y_train, y_val):
    classes = int(max(y_train.max(), y_val.max())) + 1
    if classes > MAX_CLASSES:
        raise LabError(f"the page colours at most {MAX_CLASSES} classes; this dataset has {classes}")
    return classes


def region_stride(runs, epochs, grid):
    """The smallest stride s whose kept regions fit REGION_BUDGET: the regions of epoch 0, of every s-th epoch and
    of the last one, grid² characters each per run. (The slider shows the latest kept ones at or before its epoch.)"""
    def kept(stride):
        return epochs // stride + 1 + (epochs % stride != 0)
    fits = (stride for stride in range(1, epochs + 1) if runs * kept(stride) * grid * grid <= REGION_BUDGET)
    return next(fits, max(1, epochs))


# ---- one run -------------------------------------------------------------------------------------------------------
def _train_run(base, changes, task):
    """Train one run from the library seed and return what the page shows of it (full-precision floats)."""
    options = argparse.Namespace(**{**vars(base), **changes})
    # every default resolved as `tinygrad-edu train` resolves it, so the run is the one train would make
    config = command.run_config(options, 2, task.classes, len(task.X_train) + len(task.X_val))
    train, val = (task.X_train, task.y_train), (task.X_val, task.y_val)
    random.manual_seed(config["seed"])
    model = nn.build_mlp(config["sizes"], config["activation"], config["init"], config["dropout"])
    train_loader = data.DataLoader(train, config["batch_size"], shuffle=True, seed=config["seed"])
    val_loader = data.DataLoader(val, 1024)
    optimizer, scheduler, scheduler_step = command.build_optimizer(config, model.parameters(), len(train_loader))
    loss_fn = nn.CrossEntropyLoss()
    untrained = {"train": evaluate(model, loss_fn, data.DataLoader(train, 1024)),
                 "val": evaluate(model, loss_fn, val_loader)}
    norms, regions = ParameterNorms(loss_fn, data=train), RegionSnapshots(task.lattice, task.classes, task.every)
    stopping = [EarlyStopping(patience=config["patience"])] if config["patience"] else []
    start = time.perf_counter()
    # the recorders come before EarlyStopping, so they see the last epoch's weights before it restores the best
    history = fit(model, loss_fn, optimizer, train_loader, config["epochs"], val_loader=val_loader,
                  scheduler=scheduler, scheduler_step=scheduler_step, callbacks=[norms, regions, *stopping],
                  progress=False)
    layers = [name for name, param in model.named_parameters() if param.data.ndim == 2]
    return {"label": run_label(changes), "settings": {name: config[name] for name in SETTINGS},
            "epochs": [0, *history.epochs], "seconds": time.perf_counter() - start, **_curves(untrained, history),
            "lr": history["lr"], "layers": [_layer(name, model) for name in layers],
            "weights": [norms.weights[name] for name in layers],
            "gradients": [norms.gradients[name] for name in layers],
            "regionEpochs": regions.epochs, "regions": regions.codes}


def _curves(untrained, history):
    """loss, accuracy, val_loss and val_accuracy from epoch 0 on: the untrained net's (measured by evaluate), then
    fit's (a training value is the mean over the epoch's mini-batches, a validation value the net's at its end)."""
    return {prefix + name: [untrained[split][name], *history[prefix + name]]
            for split, prefix in [("train", ""), ("val", "val_")] for name in ("loss", "accuracy")}


def _layer(name, model):
    """{"name": "0.weight", "shape": [32, 2]} of a weight matrix."""
    return {"name": name, "shape": list(dict(model.named_parameters())[name].shape)}


class RegionSnapshots(Callback):
    """The decision regions of the untrained net and after every `every`-th epoch (and the last one): `codes[i]`
    is a string of one character per lattice cell (see `encode_regions`), for the epoch `epochs[i]`."""

    def __init__(self, lattice, classes, every):
        self.lattice, self.classes, self.every = lattice, classes, every

    def on_train_begin(self, model, optimizer):
        self.epochs, self.codes, self.last_epoch = [0], [self._code(model)], 0

    def on_epoch_end(self, epoch, logs, model, optimizer):
        self.last_epoch = epoch
        if epoch % self.every == 0:
            self.epochs.append(epoch)
            self.codes.append(self._code(model))
        return False

    def on_train_end(self, model, optimizer):
        if self.epochs[-1] != self.last_epoch:  # the regions the run ended with, whatever the stride
            self.epochs.append(self.last_epoch)
            self.codes.append(self._code(model))

    def _code(self, model):
        return encode_regions(predict_probabilities(model, self.lattice.points), self.classes)


def predict_probabilities(model, points):
    """softmax(model(points)) of shape (N, K), in eval mode (no dropout) and without building a graph."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return model(Tensor(points)).softmax(axis=1).numpy()
    finally:
        model.train(was_training)


def encode_regions(probabilities, classes):
    """One character per point: SYMBOLS[k·LEVELS + q] for the predicted class k = argmaxₖ pₖ and the sureness
    level q = ⌊LEVELS·(max pₖ − 1/K)/(1 − 1/K)⌋, at most LEVELS − 1: q = 0 is a guess, LEVELS − 1 a sure answer."""
    predicted = probabilities.argmax(axis=1)
    sureness = np.nan_to_num((probabilities.max(axis=1) - 1 / classes) / (1 - 1 / classes))  # a diverged net: 0
    levels = np.clip((LEVELS * sureness).astype(np.int64), 0, LEVELS - 1)
    return "".join(SYMBOLS[code] for code in predicted * LEVELS + levels)


class Lattice:
    """grid × grid points over a square around the data (a tenth of its widest span spare on every side), row by
    row from the top: point [r·grid + c] is the centre of the cell in row r (from the top) and column c."""

    def __init__(self, X, grid):
        self.grid = grid
        center = (X.min(axis=0) + X.max(axis=0)) / 2
        half = 0.6 * float((X.max(axis=0) - X.min(axis=0)).max())
        (x_low, y_low), (x_high, y_high) = center - half, center + half
        self.extent = [float(x_low), float(x_high), float(y_low), float(y_high)]
        step = 2 * half / grid
        xs = x_low + step * (np.arange(grid) + 0.5)
        ys = y_high - step * (np.arange(grid) + 0.5)
        columns, rows = np.meshgrid(xs, ys)
        self.points = np.column_stack([columns.ravel(), rows.ravel()]).astype(X.dtype)


# ---- the page ------------------------------------------------------------------------------------------------------
def _points(X, y):
    """[[x₁, x₂, class], ...] with the coordinates rounded as every number on the page."""
    return [[_round(float(a)), _round(float(b)), int(k)] for (a, b), k in zip(X, y)]


def _round(value):
    """value to SIGNIFICANT digits; None for a missing or non-finite one (a diverged run's nan or inf), which JSON
    cannot hold and the page draws as a gap."""
    return float(f"{value:.{SIGNIFICANT}g}") if value is not None and math.isfinite(value) else None


def _rounded(run):
    """The run with every float rounded to SIGNIFICANT digits (strings, ints and None as they are)."""
    if isinstance(run, dict):
        return {key: _rounded(value) for key, value in run.items()}
    if isinstance(run, list):
        return [_rounded(value) for value in run]
    return _round(run) if isinstance(run, float) else run


# ---- the command line ----------------------------------------------------------------------------------------------
def runs_option(text):
    """argparse type of --html-runs: "activation=relu,tanh" -> ("activation", ["relu", "tanh"]), values checked."""
    name, equals, values = text.partition("=")
    name = name.strip().replace("-", "_")
    try:
        if not equals or not values.strip():
            raise LabError(f"write the runs as SETTING=VALUE,VALUE,... (e.g. activation=relu,tanh), got {text!r}")
        texts = [value.strip() for value in values.split(",") if value.strip()]
        return name, [check_setting(name, _number_or_text(name, value)) for value in texts]
    except LabError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _number_or_text(name, text):
    """A number setting's text as a float; any other text as it is (check_setting then names it)."""
    if isinstance(SETTINGS.get(name), tuple):
        return text
    try:
        return float(text)
    except ValueError:
        return text


def from_args(args):
    """`tinygrad-edu train --html PAGE [--html-runs SETTING=V1,V2 ...]`: the page of the runs `train` would make
    with these options, one per combination of the --html-runs values; prints their table. Returns 0."""
    ignored = [option for option, value in [("--save", args.save), ("--plot", args.plot)] if value]
    if ignored:
        raise LabError(f"--html writes the page of its runs and nothing else; leave out {' and '.join(ignored)}, "
                       "or run train without --html for them")
    runs = {}
    for name, values in args.html_runs or []:
        if name in runs:
            raise LabError(f"--html-runs names {name} twice; give all its values once: {name}=a,b,c")
        runs[name] = values
    options = {name: getattr(args, name) for name in [*SETTINGS, "epochs", "hidden", "samples", "noise",
                                                       "batch_size", "val_fraction", "patience", "seed"]}
    page = training_page(args.html, dataset=args.dataset, runs=runs or None, progress=not args.no_progress, **options)
    print(page.table())
    print(f"page written to {page.path} ({len(page.html.encode('utf-8')) / 1e6:.2f} MB)")
    return 0
