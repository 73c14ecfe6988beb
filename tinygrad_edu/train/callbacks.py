"""Callbacks: hooks `fit` calls around training. EarlyStopping and ModelCheckpoint are the two built in;
ParameterNorms records how large every weight and its gradient are, epoch by epoch."""
import os

import numpy as np

from .. import checkpoint
from ..tensor import Tensor
from .history import _mode


class Callback:
    """Override any hook. `on_epoch_end` returning True asks `fit` to stop after this epoch."""

    def on_train_begin(self, model, optimizer):
        pass

    def on_epoch_end(self, epoch, logs, model, optimizer):
        return False

    def on_train_end(self, model, optimizer):
        pass


class _Monitor:
    """Tracks the best value of one logged quantity; `improved(value)` says whether it beat the best by min_delta."""

    def __init__(self, owner, monitor, mode, min_delta):
        self.owner, self.monitor, self.min_delta = owner, monitor, abs(min_delta)
        self.sign = 1 if _mode(monitor, mode) == "min" else -1  # compare sign·value: smaller is better
        self.best = None

    def value(self, logs):
        if self.monitor not in logs:
            hint = " (pass val_loader= to fit, or monitor a training quantity)" if self.monitor.startswith("val_") else ""
            raise KeyError(f"{self.owner} monitors {self.monitor!r}, but fit logged only {sorted(logs)}{hint}")
        return logs[self.monitor]

    def improved(self, logs):
        value = self.value(logs)
        if self.best is None or self.sign * value < self.sign * self.best - self.min_delta:
            self.best = value
            return True
        return False


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs.

    restore_best=True: when training ends the model holds the weights of its best epoch.
    After fit, `stopped_epoch` is the epoch training stopped at (None if it ran to the end), `best_epoch` the best one.
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto", restore_best=True):
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.restore_best = restore_best

    def on_train_begin(self, model, optimizer):
        self.tracker = _Monitor("EarlyStopping", self.monitor, self.mode, self.min_delta)
        self.wait, self.best_epoch, self.best_state, self.stopped_epoch = 0, None, None, None

    def on_epoch_end(self, epoch, logs, model, optimizer):
        if self.tracker.improved(logs):
            self.wait, self.best_epoch = 0, epoch
            if self.restore_best:
                self.best_state = model.state_dict()  # a copy, so later steps do not change it
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model, optimizer):
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)


class ModelCheckpoint(Callback):
    """Save {"model", "optimizer", "epoch", "logs"} to `path` (an .npz; may contain {epoch} or {val_loss:.3f}, ...).

    save_best_only=True: only when `monitor` improved; otherwise after every epoch.
    """

    def __init__(self, path, monitor="val_loss", mode="auto", save_best_only=True):
        self.path, self.monitor, self.mode, self.save_best_only = os.fspath(path), monitor, mode, save_best_only

    def on_train_begin(self, model, optimizer):
        self.tracker = _Monitor("ModelCheckpoint", self.monitor, self.mode, 0.0)
        self.last_saved = None

    def on_epoch_end(self, epoch, logs, model, optimizer):
        if not self.save_best_only or self.tracker.improved(logs):
            self.last_saved = self.path.format(epoch=epoch, **logs)
            checkpoint.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                             "epoch": epoch, "logs": dict(logs)}, self.last_saved)
        return False


class ParameterNorms(Callback):
    """Record the norm of every parameter and of its gradient, epoch by epoch (for gradient-flow plots).

    The norm of a parameter θ (a weight matrix or a bias) is ‖θ‖ = √(Σᵢ θᵢ²), the Frobenius norm of a matrix.
    After fit, `weights[name]` holds ‖θ‖ before training and after each epoch (epochs 0, 1, 2, ...), and
    `gradients[name]` holds ‖∂L/∂θ‖ after each epoch (None where θ got no gradient). Names are those of
    model.named_parameters() ("0.weight", "0.bias", "2.weight", ...).

    Which gradient: by default the one of the epoch's last mini-batch, the one its last optimizer step used
    (epochs 1, 2, ...). Given loss_fn and data=(X, y) (arrays), it is ∂L/∂θ of L = loss_fn(model(X), y) over all of
    data at the weights the epoch ended with, in eval mode (no dropout): a quantity of the weights alone, not of
    the batch order, measured before training too (epochs 0, 1, 2, ...). The .grad the optimizer holds is put back.
    """

    def __init__(self, loss_fn=None, data=None):
        if (loss_fn is None) != (data is None):
            raise ValueError("ParameterNorms: give both loss_fn and data=(X, y) for the gradient over all of data, "
                             "or neither for the last mini-batch's")
        self.loss_fn, self.data = loss_fn, data

    def on_train_begin(self, model, optimizer):
        self.weights = {name: [] for name, _ in model.named_parameters()}
        self.gradients = {name: [] for name in self.weights}
        self._record_weights(model)
        if self.data is not None:
            self._record_gradients(model)

    def on_epoch_end(self, epoch, logs, model, optimizer):
        self._record_weights(model)
        self._record_gradients(model)
        return False

    def _record_weights(self, model):
        for name, param in model.named_parameters():
            self.weights[name].append(_norm(param.data))

    def _record_gradients(self, model):
        if self.data is None:
            gradients = {name: param.grad for name, param in model.named_parameters()}
        else:
            gradients = self._gradients_over_data(model)
        for name, gradient in gradients.items():
            self.gradients[name].append(None if gradient is None else _norm(gradient.data))

    def _gradients_over_data(self, model):
        """{name: ∂L/∂θ} for L over all of self.data; every .grad and the model's mode are left as they were."""
        parameters = dict(model.named_parameters())
        held = {name: param.grad for name, param in parameters.items()}
        was_training = model.training
        model.eval()
        try:
            for param in parameters.values():
                param.grad = None
            X, y = self.data
            self.loss_fn(model(Tensor(X)), Tensor(y)).backward()
            return {name: param.grad for name, param in parameters.items()}
        finally:
            for name, param in parameters.items():
                param.grad = held[name]
            model.train(was_training)


def _norm(values):
    """√(Σᵢ vᵢ²) in float64, whatever the parameter's dtype."""
    return float(np.sqrt(np.sum(np.square(values, dtype=np.float64))))
