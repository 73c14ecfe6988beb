"""Decision regions of a 2-D classifier: which class it predicts at every point of the plane."""
import numpy as np

from ..autograd_mode import no_grad
from ..tensor import Tensor
from .plotting import finish, new_figure


def plot_decision_regions(model, X, y, path=None, title=None, resolution=200):
    """Colour the plane by model(point).argmax() and scatter the samples (X of shape (N, 2)). Needs matplotlib."""
    figure, (axes,) = new_figure(width=5.0, height=4.5)
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0))
    (x_low, y_low), (x_high, y_high) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.meshgrid(np.linspace(x_low, x_high, resolution), np.linspace(y_low, y_high, resolution))
    grid = np.column_stack([xs.ravel(), ys.ravel()]).astype(X.dtype)
    with no_grad():
        predicted = model(Tensor(grid)).data.argmax(axis=1).reshape(xs.shape)
    classes = int(max(y.max(), predicted.max())) + 1
    axes.contourf(xs, ys, predicted, levels=np.arange(classes + 1) - 0.5, cmap="tab10", vmin=0, vmax=9, alpha=0.3)
    axes.scatter(X[:, 0], X[:, 1], c=y, cmap="tab10", vmin=0, vmax=9, s=8, edgecolors="k", linewidths=0.2)
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    axes.set_title(title or "decision regions", fontsize="medium")
    return finish(figure, path)
