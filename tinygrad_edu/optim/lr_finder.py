"""The learning-rate range test: train briefly while the rate grows exponentially, and watch the loss."""
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LRFinderResult:
    """What lr_finder measured: the rate and the batch loss of every step, the exponentially smoothed loss the
    suggestion is read from, the suggested rate, and whether the sweep stopped early because the loss diverged.

    Unpacks to its three main values: `lrs, losses, suggested_lr = lr_finder(...)`.
    """
    lrs: list[float]
    losses: list[float]
    suggested_lr: float
    smoothed_losses: list[float]
    diverged: bool

    def __iter__(self):
        return iter((self.lrs, self.losses, self.suggested_lr))

    @property
    def lowest_loss_lr(self):
        """The rate at the lowest smoothed loss; a tenth of it is the cautious rule of thumb for training."""
        return self.lrs[int(np.argmin(self.smoothed_losses))]


def lr_finder(model, loss_fn, optimizer, loader, start_lr=1e-7, end_lr=10.0, num_steps=100, smoothing=0.05,
              diverge_factor=4.0):
    """Run the LR range test (Smith, 2017) and put everything back as it was.

    For step i = 0 … num_steps−1 the learning rate of every group is start_lr·(end_lr/start_lr)^(i/(num_steps−1)),
    one batch (inputs, targets) from `loader` is trained on with loss = loss_fn(model(inputs), targets), and the
    loss is recorded (the loader is restarted if it runs out). The test stops early once the loss exceeds
    diverge_factor × the best loss seen. Afterwards the parameters, the optimizer state and the learning
    rates are restored, so training can start from the same point with the chosen rate.

    Returns an LRFinderResult: suggested_lr is where the smoothed loss s falls fastest per unit of log(lr), with
    s₀ = loss₀ and sᵢ = smoothing·lossᵢ + (1 − smoothing)·sᵢ₋₁ — a rate that is still clearly making progress,
    somewhat below the point of divergence. The smoothing averages over about 1/smoothing steps, so s lags the
    raw losses by about as many steps: read the suggestion on the smoothed curve, not on the raw one.
    """
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got {start_lr}, {end_lr}")
    if num_steps < 2:
        raise ValueError(f"num_steps must be at least 2, got {num_steps}")
    params = [p for group in optimizer.param_groups for p in group["params"]]
    saved_weights = [p.data.copy() for p in params]
    saved_optimizer = optimizer.state_dict()
    try:
        lrs, losses, diverged = _sweep(model, loss_fn, optimizer, loader, np.geomspace(start_lr, end_lr, num_steps),
                                       diverge_factor)
    finally:
        for param, weights in zip(params, saved_weights):
            param.data[...] = weights
            param.mark_modified()
        optimizer.load_state_dict(saved_optimizer)
        optimizer.zero_grad()
    smoothed = smooth(losses, smoothing)
    return LRFinderResult(lrs, losses, _steepest_descent(lrs, smoothed), smoothed, diverged)


def _sweep(model, loss_fn, optimizer, loader, rates, diverge_factor):
    """One training step per rate, on one batch each: (lrs, losses, diverged) up to the step where the loss
    stopped being finite or exceeded diverge_factor × the best loss so far (diverged=True), or to the last rate."""
    batches = _cycle(loader)
    lrs, losses, diverged = [], [], False
    for lr in rates:
        for group in optimizer.param_groups:
            group["lr"] = float(lr)
        inputs, targets = next(batches)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        lrs.append(float(lr))
        losses.append(float(loss.item()))
        diverged = not math.isfinite(losses[-1]) or losses[-1] > diverge_factor * min(losses)
        if diverged:
            break
    return lrs, losses, diverged


def _cycle(loader):
    """Batches from loader for ever, restarting it when it is exhausted."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("lr_finder: the loader yielded no batches")


def smooth(losses, smoothing):
    """The exponential moving average s₀ = loss₀, sᵢ = smoothing·lossᵢ + (1 − smoothing)·sᵢ₋₁ (inf from the first
    non-finite loss on)."""
    smoothed, average = [], losses[0]
    for value in losses:
        average = smoothing * value + (1 - smoothing) * average if math.isfinite(value) else math.inf
        smoothed.append(average)
    return smoothed


def _steepest_descent(lrs, smoothed):
    """The lr where the smoothed loss decreases fastest against log(lr)."""
    if len(smoothed) < 3:
        return lrs[0]
    slopes = np.gradient(np.array(smoothed), np.log(lrs))
    slopes[~np.isfinite(slopes)] = np.inf
    return lrs[int(np.argmin(slopes))]
