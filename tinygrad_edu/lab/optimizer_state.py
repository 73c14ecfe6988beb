"""What an optimizer remembers between steps, under the lectures' symbols, for the playground's step tables.

Read from `optimizer.state[param]` (the buffers each rule in tinygrad_edu/optim keeps), never recomputed:

    momentum, lecture form   h ← μh + ηg;  θ ← θ − h           "momentum_buffer" (PyTorch form b ← μb + g: b)
    AdaGrad                  G ← G + g²                        "sum"
    RMSprop                  v ← αv + (1 − α)g²                "square_avg"  (lectures 0 and 4 write G, g)
    Adam family              m ← β₁m + (1 − β₁)g               "exp_avg"
                             v ← β₂v + (1 − β₂)g²              "exp_avg_sq"
    Adam, AdamW              m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)   (bias_corrected, the one formula computed here)
    Lookahead                φ, the slow weights, and the state of the optimizer it wraps
"""
import numpy as np

from .. import optim

# state key -> symbol; SGD's momentum buffer is the lecture's h when it runs in the lecture's form
SYMBOLS = {"momentum_buffer": "b", "sum": "G", "square_avg": "v", "grad_avg": "ḡ", "acc_delta": "u",
           "exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v_max", "exp_inf": "u"}


def bias_corrected(moment, beta, step):
    """m̂ = m / (1 − βᵗ): a running average started at 0 has expectation (1 − βᵗ)·E[g] after t steps
    (lecture 0 derives it), so dividing by 1 − βᵗ makes it an unbiased estimate."""
    return moment / (1.0 - beta ** step)


def state_columns(optimizer, param):
    """{symbol: copy of the array} for what `optimizer` holds about `param` now; {} before its first step."""
    if isinstance(optimizer, optim.Lookahead):
        return {**state_columns(optimizer.base_optimizer, param), "φ": optimizer.slow_weights[param].copy()}
    state = optimizer.state.get(param)
    if state is None:
        return {}
    group = next(group for group in optimizer.param_groups if any(p is param for p in group["params"]))
    columns = {_symbol(key, group): value.copy() for key, value in state.items() if isinstance(value, np.ndarray)}
    if group.get("bias_correction"):  # Adam and AdamW (with amsgrad, v̂ is made from v_max)
        beta1, beta2 = group["betas"]
        columns["m̂"] = bias_corrected(state["exp_avg"], beta1, state["step"])
        columns["v̂"] = bias_corrected(state.get("max_exp_avg_sq", state["exp_avg_sq"]), beta2, state["step"])
    return columns


def _symbol(key, group):
    if key == "momentum_buffer" and group.get("momentum_style") == "lecture":
        return "h"
    return SYMBOLS.get(key, key)
