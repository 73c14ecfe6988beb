"""History: what `fit` measured, one value per epoch for each key (loss, accuracy, val_loss, ..., lr, time)."""
from ..display import InlineFigure


class History(InlineFigure):
    """`history["val_loss"]` is the list of per-epoch validation losses; `history.epochs` the epoch numbers.

    In Jupyter a History shows its plot (the learning curves) under the cell, or its repr without matplotlib.
    """

    def __init__(self):
        self.epochs = []
        self.history = {}

    def append(self, epoch, logs):
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        if key not in self.history:
            raise KeyError(f"History has no {key!r}; it recorded {sorted(self.history)}")
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def __len__(self):
        return len(self.epochs)

    def last(self):
        """The logs of the final epoch as a dict."""
        return {key: values[-1] for key, values in self.history.items()}

    def best(self, monitor="val_loss", mode="auto"):
        """(epoch, value) where `monitor` was lowest (highest for accuracy-like keys, or with mode="max")."""
        values = self[monitor]
        pick = max if _mode(monitor, mode) == "max" else min
        index = pick(range(len(values)), key=values.__getitem__)
        return self.epochs[index], values[index]

    def to_dict(self):
        return {"epoch": list(self.epochs), **{key: list(values) for key, values in self.history.items()}}

    def __repr__(self):
        last = ", ".join(f"{key}={value:.4g}" for key, value in self.last().items()) if self.epochs else ""
        return f"History(epochs={len(self)}{', ' + last if last else ''})"

    def plot(self, path=None):
        """Draw loss and each metric per epoch, train vs validation, one panel each; save to `path` if given.

        Needs matplotlib (`pip install matplotlib`); returns the matplotlib Figure.
        """
        try:  # a bare Figure needs no GUI backend and no pyplot state
            from matplotlib.figure import Figure
        except ImportError as exc:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib "
                              "(or pip install 'tinygrad_edu[plot]')") from exc
        names = [key for key in self.history if not key.startswith("val_") and key not in ("lr", "time")]
        figure = Figure(figsize=(4.5 * len(names), 3.5), layout="tight")
        for axes, name in zip(figure.subplots(1, len(names), squeeze=False)[0], names):
            axes.plot(self.epochs, self.history[name], marker=".", label="train")
            if "val_" + name in self.history:
                axes.plot(self.epochs, self.history["val_" + name], marker=".", label="validation")
            axes.set_xlabel("epoch")
            axes.set_title(name)
            axes.grid(alpha=0.3)
            axes.legend()
        if path is not None:
            figure.savefig(path, dpi=120)
        return figure


def _mode(monitor, mode):
    """"min" or "max": mode="auto" maximises accuracy-like quantities and minimises everything else."""
    if mode == "auto":
        return "max" if "acc" in monitor else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    return mode
