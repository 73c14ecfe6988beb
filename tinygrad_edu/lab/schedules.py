"""Learning-rate schedules and the LR range test, as numbers and as pictures.

    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
    lab.plot_schedule(scheduler, steps=100, path="cosine.png")

Stepping a scheduler changes its optimizer's learning rate, so draw schedules on an optimizer made for the
purpose (make_schedule does that) rather than on one that is about to train.
"""
from .. import optim
from ..creation import zeros
from ..optim.schedules import SCHEDULES, make_scheduler
from .choices import LabError, choose
from .plotting import COLORS, finish, legend_beside, new_figure, new_grid
from .tables import format_table, spaced_rows

_lr = optim.lr_scheduler


def make_schedule(name, lr=0.1, steps=100):
    """The scheduler SCHEDULES[name] over `steps` steps, on a fresh one-parameter SGD optimizer with rate `lr`."""
    choose("schedule", name, SCHEDULES)
    optimizer = optim.SGD([zeros(1, requires_grad=True)], lr=lr)
    return make_scheduler(str(name).lower(), optimizer, steps)


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
    """Draw the learning rate per step of a scheduler, or of each in a {label: scheduler} dict, one panel each
    (small multiples: every shape readable on its own axes). Needs matplotlib."""
    if not isinstance(schedulers, dict):
        schedulers = {type(schedulers).__name__: schedulers}
    count = len(schedulers)
    figure, panels = new_grid(count, columns=min(4, count), width=3.2 if count > 1 else 5.0)
    for axes, (label, scheduler) in zip(panels, schedulers.items()):
        axes.plot(range(steps), schedule_values(scheduler, steps))
        axes.set_title(_panel_title(label), fontsize="medium")
        axes.set_xlabel("step")
        axes.set_ylabel("learning rate")
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
    figure.suptitle(f"learning-rate schedules, T = {steps} steps", fontsize="medium")
    return finish(figure, path)


def _panel_title(label):
    """A registry name with its stepping and formula ("cosine, stepped per epoch" over "η₀·(1 + cos(πt/T))/2")."""
    schedule = SCHEDULES.get(label)
    return label if schedule is None else f"{label}, stepped per {schedule.unit}\n{schedule.formula}"


def plot_lr_finder(result, path=None):
    """Loss against learning rate (log scale) from optim.lr_finder: every step's batch loss, faint, and the smoothed
    loss the suggestion is read from, with the suggested rate marked on it. Needs matplotlib."""
    figure, (axes,) = new_figure(width=6.0)
    axes.plot(result.lrs, result.losses, color=COLORS[0], alpha=0.35, linewidth=1.0, label="loss of each batch")
    axes.plot(result.lrs, result.smoothed_losses, color=COLORS[0], linewidth=2.0, label="smoothed loss")
    suggested = result.lrs.index(result.suggested_lr)
    axes.axvline(result.suggested_lr, color=COLORS[3], linestyle="--", linewidth=1.0)
    axes.plot(result.suggested_lr, result.smoothed_losses[suggested], "o", color=COLORS[3],
              label=f"suggested lr {result.suggested_lr:.2g}:\nsteepest descent of\nthe smoothed loss")
    axes.set_xscale("log")
    axes.set_xlabel("learning rate")
    axes.set_ylabel("training loss")
    axes.set_title("LR range test" + (" (stopped when the loss diverged)" if result.diverged else ""),
                   fontsize="medium")
    axes.grid(alpha=0.3)
    legend_beside(figure, axes)
    return finish(figure, path)


def lr_finder_report(result, rows=11):
    """The LR range test as text: lr, batch loss and smoothed loss at `rows` evenly spaced steps, then the suggested
    rate and the rule of thumb. The lr-finder command and examples/lr_finder.py both print this, so one setup
    gives one suggestion wherever it is run."""
    shown = spaced_rows(len(result.lrs), rows)
    table = format_table(["lr", "loss", "smoothed"],
                         [(result.lrs[i], result.losses[i], result.smoothed_losses[i]) for i in shown],
                         [".3g", ".4f", ".4f"])
    stopped = ", stopped early: the loss diverged" if result.diverged else ""
    lowest = result.lowest_loss_lr
    sweep = f"{len(result.lrs)} steps from lr {result.lrs[0]:.3g} to {result.lrs[-1]:.3g}{stopped}"
    suggestion = f"suggested learning rate: {result.suggested_lr:.3g} (where the smoothed loss falls fastest)"
    rule = f"lowest smoothed loss at lr {lowest:.3g}; a tenth of it, {lowest / 10:.2g}, is the cautious rule of thumb"
    return f"{table}\n{sweep}\n{suggestion}\n{rule}"
