"""Optimizer comparison on a real task: the same MLP, the same initial weights and the same batches, trained
once per optimizer, with the loss curves drawn together (as in the Adam paper's MNIST comparison)."""
import time

from .. import data, nn
from ..display import InlineFigure
from ..nn import build_mlp
from ..optim import lr_finder
from ..optim.schedules import make_scheduler, steps_in_run
from ..random import manual_seed
from ..train import fit
from .choices import LabError, choose
from .optimizers import resolve, spec_list, unique_labels
from .plotting import finish, fit_y_axis, legend_beside, new_figure, run_style, titled
from .schedules import SCHEDULES
from .tables import format_table

# Learning rates that suit each rule on the generated 2-D datasets (an adaptive rule wants a smaller η).
DEFAULT_OPTIMIZERS = [("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.05}), ("adagrad", {"lr": 0.05}),
                      ("rmsprop", {"lr": 1e-3}), ("adam", {"lr": 1e-2})]
IMAGE_DATASETS = {"fashion-mnist": data.fashion_mnist, "mnist": data.mnist}


class CompareResult(InlineFigure):
    """`histories[label]` is the History fit() recorded for that optimizer; `seconds[label]` its training time."""

    def __init__(self, description, histories, seconds):
        self.description, self.histories, self.seconds = description, histories, seconds

    def table(self):
        headers = ["optimizer", "train loss", "val loss", "val accuracy", "seconds"]
        rows = [(label, h["loss"][-1], h["val_loss"][-1], h["val_accuracy"][-1], self.seconds[label])
                for label, h in self.histories.items()]
        return f"{self.description}\n" + format_table(headers, rows, ["", ".4f", ".4f", ".4f", ".1f"])

    def plot(self, path=None):
        """Training loss and validation accuracy per epoch, one look per optimizer and one legend beside both
        panels; the loss axis is logarithmic over decades and clipped when a run diverges. Needs matplotlib."""
        figure, (losses, accuracies) = new_figure(panels=2)
        for index, (label, history) in enumerate(self.histories.items()):
            style = run_style(index, len(history.epochs))
            losses.plot(history.epochs, history["loss"], label=label, **style)
            accuracies.plot(history.epochs, history["val_accuracy"], label=label, **style)
        note = fit_y_axis(losses, {label: history["loss"] for label, history in self.histories.items()})
        for axes, title, quantity, axis_note in [(losses, "training loss", "cross-entropy loss", note),
                                                 (accuracies, "validation accuracy", "accuracy", "")]:
            axes.set_xlabel("epoch")
            axes.set_ylabel(quantity)
            titled(axes, title, axis_note)
            axes.grid(alpha=0.3)
        legend_beside(figure, losses)
        figure.suptitle(self.description, fontsize="medium")
        return finish(figure, path)


def compare_optimizers(optimizers=None, dataset="spirals", epochs=20, hidden=None, batch_size=None, samples=1500,
                       seed=0, data_root=None, schedule=None):
    """Train the same MLP with each optimizer and return a CompareResult.

    optimizers: names or (name, settings) pairs as for lab.playground (default DEFAULT_OPTIMIZERS).
    dataset: a generated one (spirals, moons, circles, blobs, xor; `samples` points) or "fashion-mnist"/"mnist"
    from `data_root` (their default folders otherwise), of which the first `samples` training images are used.
    schedule: None for a constant learning rate, or a name from lab.SCHEDULES (step, cosine, sgdr, cyclic,
    onecycle, ...): every run's rate then follows that shape over the whole run from the rate its optimizer was
    given, stepped per epoch or per batch as the registry says.
    Every run starts from the same weights (the library RNG is reseeded with `seed`) and sees the same batches.
    """
    optimizers = spec_list(DEFAULT_OPTIMIZERS if optimizers is None else optimizers)
    if schedule is not None:
        choose("schedule", schedule, SCHEDULES)  # an unknown name fails before any training
        schedule = str(schedule).lower()
    task = Task(dataset, samples, hidden, batch_size, seed, data_root)
    histories, seconds = {}, {}
    for label, spec in zip(unique_labels(optimizers), optimizers):
        model, optimizer = task.model_and_optimizer(spec)
        loader = task.train_loader()
        start = time.perf_counter()
        histories[label] = fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs,
                               val_loader=data.DataLoader(task.val, 1024), progress=False,
                               **_scheduling(schedule, optimizer, epochs, len(loader)))
        seconds[label] = time.perf_counter() - start
    scheduled = f", {schedule} schedule" if schedule is not None else ""
    return CompareResult(f"{task.description}, {epochs} epochs{scheduled}", histories, seconds)


def _scheduling(schedule, optimizer, epochs, batches):
    """fit()'s scheduler options for the named schedule over the whole run ({} for a constant rate)."""
    if schedule is None:
        return {}
    steps = steps_in_run(schedule, epochs, batches)
    return {"scheduler": make_scheduler(schedule, optimizer, steps), "scheduler_step": SCHEDULES[schedule].unit}


def lr_range_test(optimizer=("sgd", {"momentum": 0.9}), dataset="spirals", samples=1500, hidden=None,
                  batch_size=None, seed=0, data_root=None, start_lr=1e-5, end_lr=10.0, num_steps=100):
    """optim.lr_finder on the task compare_optimizers trains: returns (lrs, losses, suggested_lr)."""
    task = Task(dataset, samples, hidden, batch_size, seed, data_root)
    model, built = task.model_and_optimizer(optimizer)
    return lr_finder(model, nn.CrossEntropyLoss(), built, task.train_loader(), start_lr=start_lr, end_lr=end_lr,
                     num_steps=num_steps)


class Task:
    """A classification task: the data split 80/20, an MLP for it, and a seeded loader (same batches every run)."""

    def __init__(self, dataset="spirals", samples=1500, hidden=None, batch_size=None, seed=0, data_root=None):
        (X, y), is_image = _load(dataset, samples, seed, data_root)
        self.train, self.val = data.train_val_split(X, y, val_fraction=0.2, seed=seed)
        hidden = list(hidden) if hidden is not None else ([128] if is_image else [64, 64])
        self.sizes = [X.shape[1], *hidden, int(y.max()) + 1]
        self.batch_size = batch_size or (128 if is_image else 32)
        self.seed = seed
        self.description = (f"{dataset}: {len(self.train[0])} train / {len(self.val[0])} val samples, "
                            f"MLP {'-'.join(map(str, self.sizes))} relu, batch {self.batch_size}")

    def model_and_optimizer(self, spec):
        """A new MLP, its weights drawn after reseeding (so every call starts from the same ones), and its optimizer."""
        _, make_optimizer, settings = resolve(spec)
        manual_seed(self.seed)
        model = build_mlp(self.sizes, activation="relu")
        return model, make_optimizer(model.parameters(), **settings)

    def train_loader(self):
        return data.DataLoader(self.train, self.batch_size, shuffle=True, seed=self.seed)


def _load(dataset, samples, seed, data_root):
    """((X, y), whether it is an image dataset)."""
    if dataset in IMAGE_DATASETS:
        (X, y), _ = IMAGE_DATASETS[dataset](data_root)
        return (X[:samples], y[:samples]), True
    if dataset in data.datasets.GENERATED:
        return data.datasets.GENERATED[dataset](n_samples=samples, seed=seed), False
    raise LabError(f"unknown dataset {dataset!r}; choose one of: "
                   f"{', '.join([*data.datasets.GENERATED, *IMAGE_DATASETS])}")
