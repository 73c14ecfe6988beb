"""Lookahead: k steps forward with any optimizer, then one step back towards where they started."""
import numpy as np

from .. import backend
from .optimizer import check_hyperparameters


class Lookahead:
    """Lookahead (Zhang, Lucas, Hinton & Ba, 2019) around any optimizer ("fast weights" θ, "slow weights" φ).

        φ ← θ₀ (a copy of the parameters when they are first seen)
        every step: θ ← base_optimizer.step(θ)
        every k-th step: φ ← φ + α(θ − φ);  θ ← φ

    `param_groups` is the base optimizer's own list, so learning-rate schedulers work through the wrapper.
    """

    def __init__(self, base_optimizer, k=5, alpha=0.5):
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"Lookahead: k must be a positive int, got {k!r}")
        check_hyperparameters(alpha=alpha)
        if alpha > 1:
            raise ValueError(f"Lookahead: alpha must be in [0, 1], got {alpha}")
        self.base_optimizer = base_optimizer
        self.k = k
        self.alpha = alpha
        self.step_count = 0
        self.slow_weights = {}
        self._remember_new_params()

    @property
    def param_groups(self):
        return self.base_optimizer.param_groups

    @property
    def defaults(self):
        return self.base_optimizer.defaults

    @property
    def state(self):
        return self.base_optimizer.state

    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def _remember_new_params(self):
        for param in self._params():
            if param not in self.slow_weights:
                self.slow_weights[param] = np.array(param.data, order="C", copy=True)

    def zero_grad(self, set_to_none=True):
        self.base_optimizer.zero_grad(set_to_none)

    def step(self, closure=None):
        self._remember_new_params()  # groups added to the base optimizer after wrapping
        loss = self.base_optimizer.step(closure)
        self.step_count += 1
        if self.step_count % self.k == 0:
            for param in self._params():
                backend.current.lookahead_step(param.data, self.slow_weights[param], alpha=self.alpha)
                param.mark_modified()
        return loss

    def state_dict(self):
        index = {id(p): i for i, p in enumerate(self._params())}
        return {"base": self.base_optimizer.state_dict(), "k": self.k, "alpha": self.alpha,
                "step_count": self.step_count,
                "slow_weights": {index[id(p)]: w.copy() for p, w in self.slow_weights.items()}}

    def load_state_dict(self, state_dict):
        self.base_optimizer.load_state_dict(state_dict["base"])
        self.k, self.alpha, self.step_count = state_dict["k"], state_dict["alpha"], state_dict["step_count"]
        params = self._params()
        self.slow_weights = {params[i]: np.array(w, dtype=params[i].data.dtype, order="C", copy=True)
                             for i, w in state_dict["slow_weights"].items()}

    def __repr__(self):
        inner = "\n".join("    " + line for line in repr(self.base_optimizer).splitlines())
        return f"Lookahead (k={self.k}, alpha={self.alpha},\n{inner}\n)"
