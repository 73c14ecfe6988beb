"""Hyper-parameter search: train one model per point with `fit`, rank the points by a validation metric.

    grid_search    every combination of the listed values: k₁·k₂·…·kₙ trainings for n hyper-parameters,
                   so the cost grows exponentially with how many are searched (the lectures' GridSearch)
    random_search  n_trials points drawn at random: for the same budget each hyper-parameter gets n_trials
                   distinct values instead of kᵢ, which pays off when only a few of them matter

`build(**params)` turns one point into `(model, loss_fn, optimizer)`. What random_search may draw from:

    [a, b, c]           one of the values, each equally likely (grid_search takes only lists)
    uniform(a, b)       a float uniform in [a, b]
    log_uniform(a, b)   a float whose logarithm is uniform: as likely in [1e-4, 1e-3] as in [1e-2, 1e-1],
                        the right scale for learning rates and weight decay
    int_range(a, b)     an integer from a to b, both included

Direction: a metric whose name contains "loss" is minimised, any other (accuracy, ...) maximised;
mode="min" or "max" overrides. A trial's score is the metric at its final epoch, the weights whose state dict
the result keeps for the best trial. Ctrl-C stops the search and returns the trials that finished.
"""
import copy
import itertools
import math
import time

import numpy as np

from ..random import manual_seed
from .loop import fit


class Range:
    """An interval random_search draws from; made by uniform(), log_uniform() or int_range()."""

    kind = "range"

    def __init__(self, low, high):
        if not low < high:
            raise ValueError(f"{self.kind}({low!r}, {high!r}): low must be smaller than high")
        self.low, self.high = low, high

    def sample(self, rng):
        raise NotImplementedError

    def __repr__(self):
        return f"{self.kind}({self.low!r}, {self.high!r})"


class _Uniform(Range):
    kind = "uniform"

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))


class _LogUniform(Range):
    kind = "log_uniform"

    def __init__(self, low, high):
        if not low > 0:
            raise ValueError(f"log_uniform({low!r}, {high!r}): both bounds must be > 0 (it draws log x uniformly)")
        super().__init__(low, high)

    def sample(self, rng):
        value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        return min(max(value, self.low), self.high)  # exp(log b) may round a hair above b


class _IntRange(Range):
    kind = "int_range"

    def __init__(self, low, high):
        if not all(isinstance(bound, (int, np.integer)) for bound in (low, high)):
            raise TypeError(f"int_range({low!r}, {high!r}) takes two ints")
        super().__init__(int(low), int(high))

    def sample(self, rng):
        return int(rng.integers(self.low, self.high + 1))


def uniform(low, high):
    """A float drawn uniformly from [low, high]."""
    return _Uniform(low, high)


def log_uniform(low, high):
    """A float x with log x uniform in [log low, log high] (low > 0): each decade equally likely."""
    return _LogUniform(low, high)


def int_range(low, high):
    """An integer drawn uniformly from low, low + 1, ..., high (both included)."""
    return _IntRange(low, high)


def metric_direction(metric, mode="auto"):
    """"min" for metrics named like a loss, "max" for the others; mode "min" or "max" overrides."""
    if mode == "auto":
        return "min" if "loss" in metric else "max"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    return mode


class Trial:
    """One finished training: its number (order of running, from 1), params, score, final logs, History, seconds."""

    def __init__(self, number, params, score, logs, history, seconds):
        self.number, self.params, self.score, self.logs = number, params, score, logs
        self.history, self.seconds = history, seconds

    def __repr__(self):
        return f"Trial({self.number}, {self.params}, score={self.score:.4g})"


class SearchResult:
    """The finished trials, best first, with `best_params`, `best_score` and `best_state_dict`.

    print(result) shows the table; result.to_list() gives it as a list of dicts. `interrupted` is True when
    Ctrl-C stopped the search (then only `len(result)` of `planned` trials are in it).
    """

    def __init__(self, trials, metric, mode, best_state_dict, planned, interrupted):
        self.metric, self.mode, self.planned, self.interrupted = metric, mode, planned, interrupted
        self.trials = sorted(trials, key=lambda trial: _rank_key(trial.score, mode))
        self.best_state_dict = best_state_dict

    @property
    def best(self):
        return self.trials[0] if self.trials else None

    @property
    def best_params(self):
        return dict(self.best.params) if self.trials else None

    @property
    def best_score(self):
        return self.best.score if self.trials else None

    def __len__(self):
        return len(self.trials)

    def to_list(self):
        """One dict per trial, best first: trial number, the params, the final-epoch logs, and time in seconds."""
        return [{"trial": t.number, **t.params, **t.logs, "time": t.seconds} for t in self.trials]

    def __str__(self):
        rows = self.to_list()
        status = f"{len(rows)} of {self.planned} trials" + (" (interrupted)" if self.interrupted else "")
        if not rows:
            return f"no finished trials: {status}"
        columns = list(rows[0])
        cells = [[_format(row[column]) for column in columns] for row in rows]
        widths = [max(len(column), *(len(row[i]) for row in cells)) for i, column in enumerate(columns)]
        lines = ["  ".join(text.rjust(width) for text, width in zip(row, widths)) for row in [columns] + cells]
        lines.append(f"best {self.metric} ({self.mode}) = {self.best_score:.4g} with {self.best_params}; {status}")
        return "\n".join(lines)

    def __repr__(self):
        return (f"SearchResult({self.metric}, {len(self)}/{self.planned} trials, best_score="
                f"{_format(self.best_score)}, best_params={self.best_params})")


def grid_search(build, grid, train_loader, val_loader, epochs, metric="val_accuracy", mode="auto", seed=None,
                progress=True, **fit_kwargs):
    """Train `build(**point)` for every combination of the values in `grid` (a dict of lists); a SearchResult.

    seed: an int makes the search reproducible: before each build the library RNG is reseeded (and a train loader
    with its own generator rewound), so every trial starts from the same initial weights and sees the same batches;
    the differences then come from the hyper-parameters, not from luck. progress: one line per trial. fit_kwargs (metrics=, callbacks=, ...) go to every fit.
    """
    for name, values in grid.items():
        if isinstance(values, Range):
            raise TypeError(f"grid_search: {name!r} is {values!r}; a grid takes lists of values "
                            "(use random_search to draw from a range)")
        _check_values(name, values)
    names = list(grid)
    points = [dict(zip(names, combination)) for combination in itertools.product(*grid.values())]
    return _run_trials(build, points, train_loader, val_loader, epochs, metric, mode, seed, progress, fit_kwargs)


def random_search(build, space, train_loader, val_loader, epochs, n_trials, metric="val_accuracy", mode="auto",
                  seed=None, progress=True, **fit_kwargs):
    """Train `build(**point)` for `n_trials` points drawn from `space` (lists and Ranges); a SearchResult.

    seed: an int draws the same points on every run and, as in grid_search, reseeds the library before each build.
    """
    if not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive int, got {n_trials!r}")
    for name, values in space.items():
        if not isinstance(values, Range):
            _check_values(name, values)
    rng = np.random.default_rng(seed)
    points = [{name: _draw(values, rng) for name, values in space.items()} for _ in range(n_trials)]
    return _run_trials(build, points, train_loader, val_loader, epochs, metric, mode, seed, progress, fit_kwargs)


def _check_values(name, values):
    if not isinstance(values, (list, tuple)) or not values:
        raise TypeError(f"{name!r}: expected a non-empty list of values, got {values!r} "
                        f"(for a single value write [{values!r}])")


def _draw(values, rng):
    return values.sample(rng) if isinstance(values, Range) else values[int(rng.integers(len(values)))]


def _run_trials(build, points, train_loader, val_loader, epochs, metric, mode, seed, progress, fit_kwargs):
    """Train one model per point, in order, keeping the best model's weights; Ctrl-C ends the loop early."""
    mode = metric_direction(metric, mode)
    if metric.startswith("val_") and val_loader is None:
        raise ValueError(f"metric {metric!r} is measured on validation data: pass val_loader, "
                         f"or rank by a training metric such as {metric[4:]!r}")
    trials, best_key, best_state_dict, interrupted = [], None, None, False
    restart_randomness = _randomness_restarter(seed, train_loader)
    try:
        for number, params in enumerate(points, 1):
            restart_randomness()
            start = time.perf_counter()
            model, loss_fn, optimizer = _built(build, params)
            history = fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=val_loader,
                          **{"progress": False, **fit_kwargs})
            trial = Trial(number, params, _score(history, metric), _final_logs(history), history,
                          time.perf_counter() - start)
            is_best = best_key is None or _rank_key(trial.score, mode) < best_key
            if is_best:
                best_key, best_state_dict = _rank_key(trial.score, mode), model.state_dict()
            trials.append(trial)
            if progress:
                print(f"[{number}/{len(points)}] {_describe(params)}: {metric} {_format(trial.score)} "
                      f"({trial.seconds:.1f}s){'  best so far' if is_best else ''}", flush=True)
    except KeyboardInterrupt:
        interrupted = True
        if progress:
            print(f"interrupted: returning the {len(trials)} finished trial(s) of {len(points)}", flush=True)
    return SearchResult(trials, metric, mode, best_state_dict, len(points), interrupted)


def _randomness_restarter(seed, train_loader):
    """A function that puts every source of randomness back to where the first trial found it (if seed is set).

    manual_seed(seed) covers initialisation and loaders that shuffle with the library RNG; a loader with a
    private generator (DataLoader(..., seed=...)) gets that generator's starting state back, so every trial
    sees the same sequence of batches.
    """
    if seed is None:
        return lambda: None
    private = getattr(train_loader, "rng", None)
    start = copy.deepcopy(private) if isinstance(private, np.random.Generator) else None

    def restart():
        manual_seed(seed)
        if start is not None:
            train_loader.rng = copy.deepcopy(start)
    return restart


def _built(build, params):
    built = build(**params)
    if not isinstance(built, (tuple, list)) or len(built) != 3:
        raise TypeError(f"build(**{params}) must return (model, loss_fn, optimizer), got {type(built).__name__}")
    return built


def _score(history, metric):
    if metric not in history:
        raise KeyError(f"metric {metric!r} was not logged; fit logged {sorted(history.history)} "
                       "(choose one of those, or add it with metrics=[...])")
    return float(history[metric][-1])


def _final_logs(history):
    """The last epoch's loss and metrics; lr and time are left out (a hyper-parameter may be called lr)."""
    return {key: value for key, value in history.last().items() if key not in ("lr", "time")}


def _rank_key(score, mode):
    """Sort key, smaller is better: NaN (a diverged run) last, then by score in the metric's direction."""
    return (math.isnan(score), score if mode == "min" else -score)


def _describe(params):
    return ", ".join(f"{name}={_format(value)}" for name, value in params.items()) or "(no parameters)"


def _format(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
