"""The training loop: `fit` runs epochs of mini-batch steps and records a History; `evaluate` measures a model.

One step is the whole of backprop training:
    outputs = model(x); loss = loss_fn(outputs, y); optimizer.zero_grad(); loss.backward(); optimizer.step()
"""
import inspect
import time

import numpy as np

from ..autograd_mode import no_grad
from .history import History


def accuracy(outputs, targets):
    """Fraction of samples whose predicted class is the target class.

    The prediction is argmax over classes, or `output > 0` for a single output column (a logit, as with
    BCEWithLogitsLoss). Targets are class indices, 0/1 values, or class probabilities (argmax taken).
    """
    outputs = outputs.reshape(len(outputs), -1)
    targets = targets.reshape(len(targets), -1)
    predicted = outputs[:, 0] > 0 if outputs.shape[1] == 1 else outputs.argmax(axis=1)
    truth = targets.argmax(axis=1) if targets.shape[1] > 1 else targets[:, 0]
    return float(np.mean(predicted == truth))


METRICS = {"accuracy": accuracy}


def _resolve_metrics(metrics):
    """Names from METRICS, or callables f(outputs, targets) -> float (logged under their __name__)."""
    resolved = {}
    for metric in metrics:
        if callable(metric):
            resolved[metric.__name__] = metric
        elif metric in METRICS:
            resolved[metric] = METRICS[metric]
        else:
            raise ValueError(f"unknown metric {metric!r}; use one of {sorted(METRICS)} or a function(outputs, targets)")
    return resolved


def _run_batches(model, loss_fn, batches, metric_fns, optimizer=None, on_batch=None):
    """Average loss and metrics over all batches (weighted by batch size); takes optimizer steps if given."""
    totals = dict.fromkeys(["loss", *metric_fns], 0.0)
    count = 0
    for x, y in batches:
        outputs = model(x)
        loss = loss_fn(outputs, y)
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        n = len(x)
        count += n
        totals["loss"] += loss.item() * n
        for name, fn in metric_fns.items():
            totals[name] += fn(outputs.data, y.data) * n
        if on_batch is not None:
            on_batch(loss.item())
    if count == 0:
        raise ValueError("the data loader yielded no batches (empty dataset, or drop_last with too few samples)")
    return {name: total / count for name, total in totals.items()}


def evaluate(model, loss_fn, loader, metrics=("accuracy",)):
    """Mean loss and metrics of `model` over `loader`, in eval mode and without building a graph."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return _run_batches(model, loss_fn, loader, _resolve_metrics(metrics))
    finally:
        model.train(was_training)


def _step_scheduler(scheduler, logs):
    """Schedulers whose step() needs a value (ReduceLROnPlateau) get the validation loss, else the train loss."""
    needs_value = any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                      for p in inspect.signature(scheduler.step).parameters.values())
    if needs_value:
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


class _Progress:
    """A tqdm bar over all batches when tqdm is installed, plus one summary line per epoch (about 20 in all)."""

    def __init__(self, enabled, epochs, batches_per_epoch):
        self.enabled, self.epochs = enabled, epochs
        self.every = max(1, epochs // 20)
        self.bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=epochs * batches_per_epoch, unit="batch", dynamic_ncols=True, leave=False)

    def batch(self, loss):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def epoch(self, epoch, logs, last):
        if not self.enabled:
            return
        if epoch % self.every == 0 or epoch == 1 or last:
            stats = "  ".join(f"{key} {value:.4f}" for key, value in logs.items() if key not in ("lr", "time"))
            line = f"epoch {epoch:>{len(str(self.epochs))}}/{self.epochs}  {stats}  lr {logs['lr']:.3g}  {logs['time']:.2f}s"
            (self.bar.write if self.bar is not None else print)(line)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _train_epoch(model, loss_fn, optimizer, train_loader, val_loader, metrics, metric_fns, on_batch):
    """One pass over train_loader, then the validation scores: the epoch's logs, with its starting lr and time."""
    start = time.perf_counter()
    lr = optimizer.param_groups[0]["lr"]  # the rate this epoch started with
    model.train()
    logs = _run_batches(model, loss_fn, train_loader, metric_fns, optimizer, on_batch)
    if val_loader is not None:
        logs.update({"val_" + key: value for key, value in evaluate(model, loss_fn, val_loader, metrics).items()})
    logs.update(lr=lr, time=time.perf_counter() - start)
    return logs


def fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=None, scheduler=None,
        metrics=("accuracy",), callbacks=(), progress=True, scheduler_step="epoch"):
    """Train for `epochs` epochs and return a History of per-epoch loss, metrics, val_*, lr and time.

    scheduler: stepped after every epoch (scheduler_step="epoch") or after every batch ("batch", for
    one-cycle/cyclical schedules). callbacks: Callback objects; one returning True from on_epoch_end stops
    training. progress: a tqdm bar if tqdm is installed, and per-epoch summary lines; False for silence.
    """
    if scheduler_step not in ("epoch", "batch"):
        raise ValueError(f"scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
    metric_fns = _resolve_metrics(metrics)
    history = History()
    bar = _Progress(progress, epochs, len(train_loader))

    def on_batch(loss):
        bar.batch(loss)
        if scheduler is not None and scheduler_step == "batch":
            scheduler.step()

    for callback in callbacks:
        callback.on_train_begin(model, optimizer)
    try:
        for epoch in range(1, epochs + 1):
            logs = _train_epoch(model, loss_fn, optimizer, train_loader, val_loader, metrics, metric_fns, on_batch)
            history.append(epoch, logs)
            if scheduler is not None and scheduler_step == "epoch":
                _step_scheduler(scheduler, logs)
            stop = [callback.on_epoch_end(epoch, logs, model, optimizer) for callback in callbacks]
            bar.epoch(epoch, logs, last=any(stop) or epoch == epochs)
            if any(stop):
                break
    finally:
        bar.close()
    for callback in callbacks:
        callback.on_train_end(model, optimizer)
    return history
