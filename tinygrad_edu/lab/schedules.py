"""Learning-rate schedules and the LR range test, as numbers and as pictures.

    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
    lab.plot_schedule(scheduler, steps=100, path="cosine.png")

Stepping a scheduler changes its optimizer's learning rate, so draw schedules on an optimizer made for the
purpose (make_schedule does that) rather than on one that is about to train.
"""
from .. import optim
from ..tensor import zeros
from .choices import LabError, choose
from .plotting import finish, new_figure

_lr = optim.lr_scheduler

# name -> scheduler over `steps` steps on `optimizer` with initial rate `lr`: the lectures' decay forms and
# PyTorch's schedulers, scaled to the run length so each shows its whole shape.
SCHEDULES = {
    "step": lambda opt, lr, steps: _lr.StepLR(opt, step_size=max(1, steps // 4), gamma=0.5),
    "multistep": lambda opt, lr, steps: _lr.MultiStepLR(opt, milestones=[steps // 2, 3 * steps // 4], gamma=0.1),
    "exponential": lambda opt, lr, steps: _lr.ExponentialLR(opt, time_constant=steps / 4),
    "linear": lambda opt, lr, steps: _lr.LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=steps),
    "cosine": lambda opt, lr, steps: _lr.CosineAnnealingLR(opt, T_max=steps),
    "sgdr": lambda opt, lr, steps: _lr.CosineAnnealingWarmRestarts(opt, T_0=max(1, steps // 7), T_mult=2),
    "cyclic": lambda opt, lr, steps: _lr.CyclicLR(opt, base_lr=lr / 10, max_lr=lr, step_size_up=max(1, steps // 8),
                                                  cycle_momentum=False),
    "onecycle": lambda opt, lr, steps: _lr.OneCycleLR(opt, max_lr=lr, total_steps=steps, cycle_momentum=False),
}


def make_schedule(name, lr=0.1, steps=100):
    """A scheduler from SCHEDULES on a fresh one-parameter SGD optimizer with learning rate `lr`."""
    factory = choose("schedule", name, SCHEDULES)
    optimizer = optim.SGD([zeros(1, requires_grad=True)], lr=lr)
    return factory(optimizer, lr, steps)


def schedule_values(scheduler, steps):
    """The learning rate (of the first parameter group) at steps 0 … steps−1; steps the scheduler as it goes."""
    if not isinstance(scheduler, _lr.LRScheduler):
        raise LabError(f"{type(scheduler).__name__} depends on the loss it is given, not only on the step; "
                       "it has no schedule to draw in advance")
    values = []
    for t in range(steps):
        if t:
            scheduler.step()
        values.append(scheduler.get_last_lr()[0])
    return values


def plot_schedule(schedulers, steps, path=None):
    """Draw the learning rate per step of a scheduler, or of each in a {label: scheduler} dict. Needs matplotlib."""
    if not isinstance(schedulers, dict):
        schedulers = {type(schedulers).__name__: schedulers}
    figure, (axes,) = new_figure(width=7.0)
    for label, scheduler in schedulers.items():
        axes.plot(range(steps), schedule_values(scheduler, steps), label=label)
    axes.set_xlabel("step")
    axes.set_ylabel("learning rate")
    axes.set_title("learning-rate schedules", fontsize="medium")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return finish(figure, path)


def plot_lr_finder(result, path=None):
    """Loss against learning rate (log scale) from optim.lr_finder, with its suggested rate marked. Needs matplotlib."""
    figure, (axes,) = new_figure(width=6.0)
    axes.plot(result.lrs, result.losses)
    axes.axvline(result.suggested_lr, color="C3", linestyle="--", label=f"suggested lr {result.suggested_lr:.2g}")
    axes.set_xscale("log")
    axes.set_xlabel("learning rate")
    axes.set_ylabel("training loss")
    axes.set_title("LR range test", fontsize="medium")
    axes.grid(alpha=0.3)
    axes.legend()
    return finish(figure, path)
