"""The learning-rate range test: train briefly while the rate grows exponentially, and watch the loss."""
import math
from typing import List, NamedTuple

import numpy as np


class LRFinderResult(NamedTuple):
    lrs: List[float]
    losses: List[float]
    suggested_lr: float


def lr_finder(model, loss_fn, optimizer, loader, start_lr=1e-7, end_lr=10.0, num_steps=100, smoothing=0.05,
              diverge_factor=4.0):
    """Run the LR range test (Smith, 2017) and put everything back as it was.

    For step i = 0 … num_steps−1 the learning rate of every group is start_lr·(end_lr/start_lr)^(i/(num_steps−1)),
    one batch (inputs, targets) from `loader` is trained on with loss = loss_fn(model(inputs), targets), and the
    loss is recorded (the loader is restarted if it runs out). The test stops early once the loss exceeds
    diverge_factor × the best loss seen. Afterwards the parameters, the optimizer state and the learning
    rates are restored, so training can start from the same point with the chosen rate.

    Returns (lrs, losses, suggested_lr): suggested_lr is where the exponentially smoothed loss falls fastest
    per unit of log(lr) — a rate that is still clearly making progress, somewhat below the point of divergence.
    """
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got {start_lr}, {end_lr}")
    if num_steps < 2:
        raise ValueError(f"num_steps must be at least 2, got {num_steps}")
    params = [p for group in optimizer.param_groups for p in group["params"]]
    saved_weights = [p.data.copy() for p in params]
    saved_optimizer = optimizer.state_dict()
    lrs, losses = [], []
    try:
        batches = _cycle(loader)
        for lr in np.geomspace(start_lr, end_lr, num_steps):
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
            inputs, targets = next(batches)
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            value = float(loss.item())
            lrs.append(float(lr))
            losses.append(value)
            if not math.isfinite(value) or value > diverge_factor * min(losses):
                break
    finally:
        for param, weights in zip(params, saved_weights):
            param.data[...] = weights
            param.mark_modified()
        optimizer.load_state_dict(saved_optimizer)
        optimizer.zero_grad()
    return LRFinderResult(lrs, losses, _steepest_descent(lrs, losses, smoothing))


def _cycle(loader):
    """Batches from loader for ever, restarting it when it is exhausted."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("lr_finder: the loader yielded no batches")


def _steepest_descent(lrs, losses, smoothing):
    """The lr where the exponentially smoothed loss decreases fastest against log(lr)."""
    if len(losses) < 3:
        return lrs[0]
    smoothed, average = [], losses[0]
    for value in losses:
        average = smoothing * value + (1 - smoothing) * average if math.isfinite(value) else math.inf
        smoothed.append(average)
    slopes = np.gradient(np.array(smoothed), np.log(lrs))
    slopes[~np.isfinite(slopes)] = np.inf
    return lrs[int(np.argmin(slopes))]
