"""Learning-rate schedules by name, scaled to the length of a run: the one registry that `train --schedule`, the
`schedule` and `compare` commands and the labs all read.

    from tinygrad_edu.optim.schedules import SCHEDULES, make_scheduler
    scheduler = make_scheduler("sgdr", optimizer, steps=epochs * len(train_loader))
    SCHEDULES["sgdr"].unit      # "batch": call scheduler.step() after every batch

Each entry builds a scheduler of `optim.lr_scheduler` over T = `steps` scheduler steps, so the whole shape fits
the run, starting from (or peaking at) the learning rate η₀ the optimizer was made with. `unit` says when a
training loop steps it: once per epoch for the slow decays, once per batch for the schedules whose shape has
several turns (cyclic rates, warm restarts) or a warm-up (one-cycle), which a few dozen epochs would draw with
too few points. `steps_in_run` turns epochs and batches into T for either unit.

When the optimizer has momentum (SGD's momentum > 0, or the Adam family's β₁), cyclic and one-cycle move it
against the learning rate, as Smith proposes; a plain SGD optimizer is left without momentum.
"""
import math
from collections.abc import Callable
from dataclasses import dataclass

from . import lr_scheduler as _lr


@dataclass(frozen=True)
class Schedule:
    """One named schedule: `build(optimizer, steps)` makes its scheduler; `unit` is "epoch" or "batch"."""
    formula: str
    unit: str
    build: Callable


def _has_momentum(optimizer):
    """True for the Adam family (β₁) and for SGD with momentum > 0: those whose momentum a cycle may move."""
    defaults = optimizer.defaults
    return "betas" in defaults or defaults.get("momentum", 0) > 0


def _peak_rates(optimizer):
    """η₀ of every parameter group: the rate a cyclic or one-cycle schedule peaks at."""
    return [group["lr"] for group in optimizer.param_groups]


def _cyclic(optimizer, steps):
    peaks = _peak_rates(optimizer)
    return _lr.CyclicLR(optimizer, base_lr=[peak / 10 for peak in peaks], max_lr=peaks,
                        step_size_up=math.ceil(steps / 8), cycle_momentum=_has_momentum(optimizer))


def _onecycle(optimizer, steps):
    return _lr.OneCycleLR(optimizer, max_lr=_peak_rates(optimizer), total_steps=steps,
                          cycle_momentum=_has_momentum(optimizer))


SCHEDULES = {
    "step": Schedule("η₀·0.5^⌊4t/T⌋", "epoch",
                     lambda opt, steps: _lr.StepLR(opt, step_size=max(1, steps // 4), gamma=0.5)),
    "multistep": Schedule("η₀, ×0.1 at T/2 and at 3T/4", "epoch",
                          lambda opt, steps: _lr.MultiStepLR(opt, milestones=[steps // 2, 3 * steps // 4], gamma=0.1)),
    "exponential": Schedule("η₀·e^(−4t/T)", "epoch",
                            lambda opt, steps: _lr.ExponentialLR(opt, time_constant=steps / 4)),
    "linear": Schedule("η₀·(1 − t/T)", "epoch",
                       lambda opt, steps: _lr.LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=steps)),
    "cosine": Schedule("η₀·(1 + cos(πt/T))/2", "epoch",
                       lambda opt, steps: _lr.CosineAnnealingLR(opt, T_max=steps)),
    "sgdr": Schedule("cosine, periods T/7, 2T/7, 4T/7", "batch",
                     lambda opt, steps: _lr.CosineAnnealingWarmRestarts(opt, T_0=math.ceil(steps / 7), T_mult=2)),
    "cyclic": Schedule("η₀/10 ↗ η₀ ↘ η₀/10, 4 cycles", "batch", _cyclic),
    "onecycle": Schedule("η₀/25 ↗ η₀ (0.3T) ↘ η₀/25e4", "batch", _onecycle),
}


def _schedule(name):
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
    return SCHEDULES[name]


def make_scheduler(name, optimizer, steps):
    """The scheduler SCHEDULES[name] over `steps` scheduler steps (a positive int) on `optimizer`."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"a schedule needs a positive int number of steps, got {steps!r}")
    return _schedule(name).build(optimizer, steps)


def steps_in_run(name, epochs, batches_per_epoch):
    """T for a run of `epochs` epochs of `batches_per_epoch` batches: epochs, or epochs·batches for a per-batch
    schedule."""
    if _schedule(name).unit == "batch":
        return epochs * batches_per_epoch
    return epochs
