"""Why weights must not start equal: the symmetry problem of zero (or any constant) initialisation.

If every weight of a layer starts at the same value, every hidden unit j of it computes the same
pre-activation z_j = W[j, :]·x + b_j for every input, so the same output. Backward then hands each unit the
same δ_j = ∂L/∂z_j (the next layer's weights out of these units are equal too), hence the same gradient

    ∂L/∂W[j, :] = δ_jᵀ·X,   ∂L/∂b_j = Σ δ_j       (equal rows for all units j)

and the same step. However long it trains, the units stay copies of each other: a layer of n units works as
one unit. (With ReLU or tanh, zero weights give zero outputs and zero gradients, so nothing moves at all; the
sigmoid, σ(0) = ½, shows the subtler case of units that learn but all learn the same thing.)

symmetry_lab trains one small MLP on the two-circles data with full-batch Adam from a zero init and from a random
init (Adam's per-coordinate steps do not break the tie either: equal gradients give equal m, v and steps), and
records per hidden layer and step how far apart its units are,

    spread(W) = max over units j and inputs k of |W[j, k] − W[0, k]|   (bias included as one more input),

which stays exactly 0 from a zero init, for the weights and for their gradients alike. A net whose layers act as
one unit each cannot draw a circle: its loss stalls where the random init's goes on to 0.
"""
import numpy as np

from .. import data, nn, optim
from ..display import InlineFigure
from ..random import manual_seed
from ..tensor import Tensor
from .choices import choose
from .init_lab import ACTIVATIONS, INITS, linear_stack
from .plotting import COLORS, finish, new_figure
from .tables import format_table


def unit_spread(matrix):
    """max_j,k |M[j, k] − M[0, k]|: 0 exactly when every row (every unit's incoming weights) equals the first."""
    return float(np.max(np.abs(matrix - matrix[:1])))


def _incoming(linear, of_gradients=False):
    """[W | b] of a Linear layer (or of its gradients): one row per unit, its weights and then its bias."""
    weight, bias = (linear.weight.grad, linear.bias.grad) if of_gradients else (linear.weight, linear.bias)
    return np.hstack([weight.data, bias.data[:, None]])


class SymmetryRun:
    """One training run: loss per step and, per hidden layer, the spread of the weights and of their gradients."""

    def __init__(self, init, losses, weight_spreads, grad_spreads, grad_norms, first_layer):
        self.init = init
        self.losses = np.array(losses)                  # before step 1 … before the last step, then the final loss
        self.weight_spreads = np.array(weight_spreads)  # (steps + 1, hidden layers): at the start and after each step
        self.grad_spreads = np.array(grad_spreads)      # (steps, hidden layers)
        self.grad_norms = np.array(grad_norms)          # (steps, hidden layers): ‖∂L/∂[W | b]‖
        self.first_layer = first_layer                  # [W | b] of the first hidden layer after training


class SymmetryResult(InlineFigure):
    """Runs from several inits of the same model on the same data; `.table()` and `.plot(path)`."""

    def __init__(self, runs, architecture, activation, lr):
        self.runs = runs
        self.architecture, self.activation, self.lr = architecture, activation, lr

    def table(self, rows=6):
        """Per run, at `rows` steps: the loss and, per hidden layer, how far apart the units' weights and gradients
        are, next to the gradient's norm (so a 0 spread is seen not to come from a 0 gradient)."""
        hidden = self.runs[0].grad_spreads.shape[1]
        headers = ["step", "loss"] + [f"{name}{layer}" for layer in range(1, hidden + 1)
                                      for name in ("W spread L", "dW spread L", "|dW| L")]
        steps = len(self.runs[0].grad_spreads)
        shown = sorted({round(i * (steps - 1) / max(1, rows - 1)) for i in range(rows)})
        parts = []
        for run in self.runs:
            body = [(t, run.losses[t], *np.ravel(np.column_stack([run.weight_spreads[t], run.grad_spreads[t],
                                                                  run.grad_norms[t]]))) for t in shown]
            parts.append(f"{run.init} init, {self.activation}, MLP {self.architecture}, full-batch Adam lr={self.lr}\n"
                         + format_table(headers, body, ["d", ".4f"] + [".3g"] * (3 * hidden)))
        return "\n\n".join(parts)

    def plot(self, path=None):
        """First hidden layer's [W | b] after training, one heat map per init (equal rows: copied units), and the
        loss curves. Needs matplotlib."""
        figure, panels = new_figure(panels=len(self.runs) + 1, width=4.2, height=4.0)
        limit = max(np.abs(run.first_layer).max() for run in self.runs) or 1.0
        for axes, run in zip(panels, self.runs):
            image = axes.imshow(run.first_layer, cmap="coolwarm", vmin=-limit, vmax=limit, aspect="auto")
            inputs = run.first_layer.shape[1] - 1
            axes.set_xticks(range(inputs + 1), [f"w from x{k + 1}" for k in range(inputs)] + ["bias"])
            axes.set_xlabel("incoming weight of the unit")
            axes.set_ylabel("hidden unit of layer 1")
            axes.set_title(f"{run.init} init: units differ by {unit_spread(run.first_layer):.3g}", fontsize="medium")
            figure.colorbar(image, ax=axes, label="weight after training")
        losses = panels[-1]
        for index, run in enumerate(self.runs):
            losses.plot(run.losses, label=f"{run.init} init", color=COLORS[index % len(COLORS)])
        losses.set_xlabel("Adam step (full batch)")
        losses.set_ylabel("cross-entropy")
        losses.set_title(f"training loss, {self.activation} MLP {self.architecture}", fontsize="medium")
        losses.grid(alpha=0.3)
        losses.legend()
        return finish(figure, path)


def _train(model, X, y, steps, lr):
    """Full-batch Adam; per step the loss, spreads and gradient norms of every hidden layer."""
    hidden = [module for module in model if isinstance(module, nn.Linear)][:-1]
    optimizer, loss_fn = optim.Adam(model.parameters(), lr=lr), nn.CrossEntropyLoss()
    losses, weight_spreads, grad_spreads, grad_norms = [], [[unit_spread(_incoming(m)) for m in hidden]], [], []
    for _ in range(steps):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        gradients = [_incoming(m, of_gradients=True) for m in hidden]
        grad_spreads.append([unit_spread(g) for g in gradients])
        grad_norms.append([float(np.linalg.norm(g)) for g in gradients])
        optimizer.step()
        losses.append(loss.item())
        weight_spreads.append([unit_spread(_incoming(m)) for m in hidden])
    losses.append(loss_fn(model(X), y).item())
    return losses, weight_spreads, grad_spreads, grad_norms, _incoming(hidden[0])


def symmetry_lab(inits=("zero", "xavier"), activation="sigmoid", hidden=(8, 8), steps=200, lr=0.05, samples=300,
                 seed=0):
    """Train an MLP 2-hidden…-2 (float64) on two circles from each init in `inits` (names from INITS), with the same
    data and full-batch Adam, and record whether its hidden units stay copies of each other."""
    activation_class = choose("activation", activation, ACTIVATIONS)
    X, y = data.circles(n_samples=samples, noise=0.05, seed=seed)
    # keep half of class 1 (2:1 classes): with balanced classes a zero-init net starts exactly at a saddle, where
    # even the output layer's gradient Σ(p − onehot)·h is 0, and nothing but rounding would move it
    kept = (y == 0) | (np.arange(len(y)) % 2 == 0)
    X, y = Tensor(X[kept].astype(np.float64)), Tensor(y[kept])
    sizes = [2, *hidden, 2]
    runs = []
    for init in inits:
        init_fn = choose("init scheme", init, INITS)
        manual_seed(seed)
        blocks = linear_stack(sizes, init_fn, activation_class)
        logits_model = nn.Sequential(*list(blocks)[:-1])  # no activation after the last layer: it gives logits
        runs.append(SymmetryRun(init, *_train(logits_model, X, y, steps, lr)))
    return SymmetryResult(runs, "-".join(map(str, sizes)), activation, lr)
