"""Optimizer: parameter groups, per-parameter state, and the step loop every update rule shares.

A subclass says which state buffers its rule keeps (`_init_state`) and how one parameter is updated
(`_update`), by computing the per-step scalars in Python and handing the element-wise work to one fused
kernel of the active backend (`backend.current.<rule>_step`: C, or the numpy reference).

One departure from the textbook arithmetic, the same in both backends: a decaying state (momentum, running
averages) that falls below the smallest normal float (1.2e-38 in float32) is stored as 0. Without it, the
average of a gradient that is exactly 0 (a dead unit, an always-black pixel) decays into the subnormal range
and stays there, a few ulps above 0 (0.9·x rounds back to x), and arithmetic on subnormal numbers is many
times slower on x86 (see docs/performance.md, flush_subnormal).
"""
import numpy as np

from ..autograd_mode import enable_grad
from ..errors import DTypeError, ShapeError
from ..tensor import Tensor


class Optimizer:
    """Base class: holds `param_groups` (list of dicts: "params" plus that group's hyper-parameters) and `state`.

    `state[param]` is a dict of numpy arrays and counters, created on the parameter's first update.
    Parameters whose `.grad` is None are skipped by `step()` (their state is not touched either).
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or of dicts (parameter groups), "
                            "got a single Tensor; wrap it in a list")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a dict {"params": [...], hyper-parameter: value, ...}; missing hyper-parameters take the defaults."""
        if not isinstance(group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(group).__name__}")
        params = group.get("params")
        params = [params] if isinstance(params, Tensor) else list(params or [])
        if not params:
            raise ValueError("a parameter group needs a non-empty 'params' list")
        for i, param in enumerate(params):
            _check_trainable(param, i)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValueError("a parameter appears more than once across the parameter groups")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(f"unknown hyper-parameter(s) {sorted(unknown)} for {type(self).__name__}; "
                             f"it takes {sorted(self.defaults)}")
        self.param_groups.append({**self.defaults, **group, "params": params})

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set `.grad` to None (default, so step() skips them), or fill it with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.data[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient; `closure` (optional) re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = _checked_grad(param)
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = {"step": 0, **self._init_state(param.data, group)}
                state["step"] += 1
                self._update(param.data, grad, state, group)
                param.mark_modified()  # a graph that saved the old value must not backpropagate through it
        return loss

    def _init_state(self, param, group):
        """The state buffers of one parameter (numpy array `param`) before its first update."""
        raise NotImplementedError

    def _update(self, param, grad, state, group):
        """Update numpy array `param` in place from `grad`; `state["step"]` is already this step's number (1, 2, ...)."""
        raise NotImplementedError

    # ---- saving and resuming ---------------------------------------------------------------------------
    def state_dict(self):
        """A copy of the optimizer state: {"state": {index: {...}}, "param_groups": [{..., "params": [index]}]}.

        Parameters are numbered in group order, as in PyTorch; arrays are copied, so later steps do not
        change a saved state dict.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index.setdefault(id(param), len(index))
            groups.append({**group, "params": [index[id(p)] for p in group["params"]]})
        state = {index[id(p)]: _copy_state(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state_dict() taken from an optimizer with the same group sizes; training resumes bit-identically."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"state dict has {len(saved_groups)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        by_index = {}
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"a parameter group has {len(group['params'])} parameters but its saved "
                                 f"version has {len(saved['params'])}")
            by_index.update(zip(saved["params"], group["params"]))
        state = {}
        for index, saved_state in state_dict["state"].items():
            if index not in by_index:
                raise ValueError(f"state dict holds state for parameter {index}, which no group lists")
            param = by_index[index]
            state[param] = _restored_state(saved_state, param.data)
        self.param_groups = [{**saved, "params": group["params"]}
                             for saved, group in zip(saved_groups, self.param_groups)]
        self.state = state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines + [")"])


def zeros_state(state, name, param):
    """state[name], created as zeros shaped like `param` if missing (options such as momentum may switch on later)."""
    if state.get(name) is None:
        state[name] = np.zeros(param.shape, dtype=param.dtype)
    return state[name]


def weight_decay_terms(lr, weight_decay, decoupled):
    """(L2 coefficient added to the gradient, factor the parameter is multiplied by before the update).

    L2 regularisation: g ← g + λθ (the decay then passes through the adaptive scaling).
    Decoupled weight decay (AdamW): θ ← θ·(1 − ηλ) (every weight shrinks by the same fraction).
    """
    return (0.0, 1.0 - lr * weight_decay) if decoupled else (weight_decay, 1.0)


def check_hyperparameters(**values):
    """Reject impossible hyper-parameters, naming them: all ≥ 0, betas in [0, 1), rho in [0, 1]."""
    for name, value in values.items():
        if value < 0.0:
            raise ValueError(f"invalid {name}: {value} (must be >= 0)")
        if name in ("beta1", "beta2") and value >= 1.0:
            raise ValueError(f"invalid {name}: {value} (must be in [0, 1))")
        if name == "rho" and value > 1.0:
            raise ValueError(f"invalid rho: {value} (must be in [0, 1])")


def _check_trainable(param, position):
    if not isinstance(param, Tensor):
        raise TypeError(f"optimizer params must be Tensors, got {type(param).__name__} at position {position}")
    if not param.requires_grad:
        raise ValueError(f"parameter {position} ({param.name or tuple(param.shape)}) does not require grad; "
                         "an optimizer can only update tensors created with requires_grad=True")
    if not param.is_leaf:
        raise ValueError(f"parameter {position} ({param.name or tuple(param.shape)}) is not a leaf: it was "
                         "computed by an op; optimize the tensors it was computed from instead")


def _checked_grad(param):
    """The gradient as a numpy array, after checking it fits the parameter (both backends rely on this)."""
    grad = param.grad.data
    if grad.shape != param.data.shape:
        raise ShapeError(f"gradient of shape {grad.shape} does not match its parameter of shape {param.data.shape}")
    if grad.dtype != param.data.dtype:
        raise DTypeError(f"gradient is {grad.dtype} but its parameter is {param.data.dtype}")
    return grad


def _copy_state(state):
    return {key: value.copy() if isinstance(value, np.ndarray) else value for key, value in state.items()}


def _restored_state(saved, param):
    restored = {}
    for key, value in saved.items():
        if isinstance(value, np.ndarray):
            if value.shape != param.shape:
                raise ValueError(f"saved state {key!r} has shape {value.shape}, its parameter {param.shape}")
            value = np.array(value, dtype=param.dtype, order="C", copy=True)
        restored[key] = value
    return restored

