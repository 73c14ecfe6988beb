"""Gradient noise versus batch size: full-batch gradient descent and mini-batch SGD on one loss surface.

The lecture's linear regression L(w) = 1/N·Σᵢ (yᵢ − xᵢᵀw)² with two weights, so the surface is a picture: elliptic
contours around the least-squares solution ŵ. A batch of B samples drawn without replacement gives the gradient

    g_B(w) = 1/B·Σ_{i∈batch} ∇Lᵢ(w),   ∇Lᵢ(w) = −2(yᵢ − xᵢᵀw)·xᵢ,

an unbiased estimate of ∇L(w) whose noise shrinks with the batch:

    E‖g_B − ∇L‖² = tr Σ / B · (N − B)/(N − 1)      (Σ: covariance of the N per-sample gradients ∇Lᵢ(w))

— about 1/B, and exactly 0 for the full batch B = N. At ŵ the full gradient is 0, so gradient descent stops there
while SGD keeps taking steps of size about η·√(tr Σ/B) and wanders around it: the smaller the batch, the wider.

batch_noise_lab runs the library's SGD (real backward passes, real optimizer) from one start for the same number of
steps with each batch size, and measures the noise of g_B at ŵ by drawing many batches of each size.
"""
import numpy as np

from .. import data, optim
from ..display import InlineFigure
from ..random import generator, manual_seed
from ..tensor import Tensor
from .choices import LabError
from .plotting import COLORS, finish, new_figure
from .tables import format_table

TRUE_WEIGHTS = np.array([2.0, -1.0])
START = np.array([-1.5, 2.5])


def _regression_data(samples, noise):
    """X (samples, 2) with correlated inputs of unequal scale (elongated contours), y = X·(2, −1) + noise·ε."""
    X = generator().standard_normal((samples, 2)) @ np.array([[1.0, 0.4], [0.0, 0.6]])
    return X, X @ TRUE_WEIGHTS + noise * generator().standard_normal(samples)


def mse_gradient(w, X, y):
    """∇L(w) of L = mean((Xw − y)²) over the rows of X, through a real backward pass."""
    weights = Tensor(np.array(w, dtype=np.float64), requires_grad=True)
    ((Tensor(X) @ weights - Tensor(y)) ** 2).mean().backward()
    return weights.grad.data.copy()


def _sgd_path(X, y, batch_size, steps, lr, seed):
    """The weights at steps 0 … steps of SGD with shuffled mini-batches of batch_size (reshuffled every epoch)."""
    w = Tensor(START.copy(), requires_grad=True)
    optimizer = optim.SGD([w], lr=lr)
    loader = data.DataLoader((X, y), batch_size, shuffle=True, drop_last=True, seed=seed)
    path = [w.data.copy()]
    while len(path) <= steps:
        for X_batch, y_batch in loader:
            loss = ((X_batch @ w - y_batch) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            path.append(w.data.copy())
            if len(path) > steps:
                break
    return np.array(path)


def gradient_noise(w, X, y, batch_size, draws):
    """E‖g_B − ∇L‖² at w, estimated from `draws` batches of batch_size samples drawn without replacement."""
    full = mse_gradient(w, X, y)
    errors = [mse_gradient(w, X[rows], y[rows]) - full
              for rows in (generator().choice(len(X), batch_size, replace=False) for _ in range(draws))]
    return float(np.mean(np.sum(np.square(errors), axis=1)))


def noise_theory(w, X, y, batch_size):
    """tr Σ / B · (N − B)/(N − 1), with Σ the (population) covariance of the per-sample gradients −2(yᵢ − xᵢᵀw)xᵢ."""
    per_sample = 2 * (X @ w - y)[:, None] * X
    n = len(X)
    return float(np.trace(np.cov(per_sample.T, bias=True))) / batch_size * (n - batch_size) / (n - 1)


def mean_squared_error(weights, X, y):
    """L(w) = mean((Xw − y)²) for each row w of `weights` (shape (..., 2)): the surface under the paths."""
    weights = np.asarray(weights)
    residuals = np.tensordot(weights, X, axes=([-1], [1])) - y
    return np.mean(residuals ** 2, axis=-1)


def _label(batch_size, samples):
    return f"full batch (GD), B = {samples}" if batch_size == samples else f"SGD, B = {batch_size}"


class BatchNoiseResult(InlineFigure):
    """`paths[B]`: weights (steps + 1, 2) of SGD with batch size B (B = N: gradient descent); `noise[B]`:
    (measured, theoretical) E‖g_B − ∇L‖² at the least-squares solution `optimum`."""

    def __init__(self, X, y, optimum, paths, noise, lr):
        self.X, self.y, self.optimum, self.paths, self.noise, self.lr = X, y, optimum, paths, noise, lr

    def table(self):
        """The paths (where they end, how far they wander around ŵ over their second half) and the noise per B."""
        n, lowest = len(self.X), float(mean_squared_error(self.optimum, self.X, self.y))
        rows = []
        for batch_size, path in self.paths.items():
            distances = np.linalg.norm(path - self.optimum, axis=1)
            rows.append((_label(batch_size, n), len(path) - 1, float(mean_squared_error(path[-1], self.X, self.y)),
                         distances[-1], distances[len(path) // 2:].mean()))
        paths = format_table(["run", "steps", "final loss", "|w - w*|", "mean |w - w*|, 2nd half"], rows,
                             ["s", "d", ".5f", ".4f", ".4f"])
        noise_rows = [(b, measured, theory, measured / theory if theory else float("nan"), b * measured)
                      for b, (measured, theory) in self.noise.items()]
        noise = format_table(["B", "E|g_B - grad L|^2", "trS/B*(N-B)/(N-1)", "measured/theory", "B * measured"],
                             noise_rows, ["d", ".4g", ".4g", ".3f", ".4g"])
        return (f"SGD on L(w) = mean((y - Xw)^2), N = {n}, lr = {self.lr}, from w0 = ({START[0]:g}, {START[1]:g}); "
                f"least squares w* = ({self.optimum[0]:.4f}, {self.optimum[1]:.4f}), L(w*) = {lowest:.5f}\n{paths}\n\n"
                f"gradient noise at w* (where the full gradient is 0), per batch size B\n{noise}")

    def plot(self, path=None):
        """Left: the paths over the loss contours; right: gradient noise against B (log-log) with 1/B theory."""
        figure, (surface, noise) = new_figure(panels=2, width=6.0, height=5.0)
        self._draw_paths(surface)
        sizes = np.array(list(self.noise))
        measured, theory = np.array(list(self.noise.values())).T
        below_full = sizes < len(self.X)  # the full batch has no noise: nothing to draw on a log axis
        noise.loglog(sizes[below_full], measured[below_full], "o", label="measured (random batches)")
        noise.loglog(sizes[below_full], theory[below_full], "-", label="tr Σ / B · (N − B)/(N − 1)")
        noise.loglog(sizes[below_full], theory[0] * sizes[0] / sizes[below_full], ":", color="0.4", label="∝ 1/B")
        noise.set_xlabel("batch size B")
        noise.set_ylabel("E‖g_B − ∇L‖² at w*")
        noise.set_title(f"gradient noise (N = {len(self.X)}; 0 at B = N)", fontsize="medium")
        noise.grid(alpha=0.2, which="both")
        noise.legend(fontsize="small")
        return finish(figure, path)

    def _draw_paths(self, axes):
        every = np.vstack(list(self.paths.values()))
        low, high = every.min(axis=0) - 0.3, every.max(axis=0) + 0.3
        grid = np.stack(np.meshgrid(np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120)), axis=-1)
        levels = np.quantile(mean_squared_error(grid, self.X, self.y), np.linspace(0.01, 0.9, 12))
        axes.contour(grid[..., 0], grid[..., 1], mean_squared_error(grid, self.X, self.y), levels=levels,
                     colors="0.75", linewidths=0.8)
        for index, (batch_size, path) in enumerate(self.paths.items()):
            axes.plot(path[:, 0], path[:, 1], color=COLORS[index % len(COLORS)], marker=".", markersize=3,
                      linewidth=1.6 if batch_size == len(self.X) else 0.9, label=_label(batch_size, len(self.X)))
        axes.plot(*START, "ks", label="start")
        axes.plot(*self.optimum, "k*", markersize=12, label="least squares w*")
        axes.set_xlabel("w1")
        axes.set_ylabel("w2")
        steps = len(next(iter(self.paths.values()))) - 1
        axes.set_title(f"paths over the contours of L(w): {steps} steps each, lr = {self.lr}", fontsize="medium")
        axes.legend(fontsize="small", loc="lower left")  # the paths run from upper left to lower right


def _batch_sizes(batch_sizes, samples):
    """The sizes as ints, "full" meaning all samples; LabError for anything outside 1 … samples."""
    sizes = [samples if size == "full" else size for size in batch_sizes]
    if not sizes or not all(isinstance(s, (int, np.integer)) and 1 <= s <= samples for s in sizes):
        raise LabError(f"batch sizes must be 'full' or ints from 1 to {samples} (the samples), got {list(batch_sizes)}")
    return [int(s) for s in sizes]


def batch_noise_lab(batch_sizes=("full", 32, 8, 1), steps=100, lr=0.1, samples=256, noise=0.5, draws=500, seed=0):
    """Paths of SGD with each batch size (the same start, lr and number of steps) on a 2-D least-squares problem of
    `samples` points, and the gradient noise at the solution for B = 1, 2, 4, … and the given sizes."""
    sizes = _batch_sizes(batch_sizes, samples)
    manual_seed(seed)
    X, y = _regression_data(samples, noise)
    optimum = np.linalg.lstsq(X, y, rcond=None)[0]  # where the full gradient is 0: what remains is noise
    paths = {size: _sgd_path(X, y, size, steps, lr, seed) for size in sizes}
    noise_sizes = sorted({*(2 ** k for k in range(samples.bit_length()) if 2 ** k < samples), *sizes, samples})
    noise = {size: (gradient_noise(optimum, X, y, size, draws), noise_theory(optimum, X, y, size))
             for size in noise_sizes}
    return BatchNoiseResult(X, y, optimum, paths, noise, lr)
