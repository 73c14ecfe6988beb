"""Per-coordinate learning rates from the history of squared gradients: Adagrad, RMSprop, Adadelta."""
import numpy as np

from .. import backend
from .optimizer import Optimizer, check_hyperparameters, zeros_state


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011), PyTorch's `torch.optim.Adagrad`.

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ;   η_t = η / (1 + (t − 1)·lr_decay)
        G ← G + g²                                             (G₀ = initial_accumulator_value)
        θ ← θ − η_t · g / (√G + ε)            (the lectures write √(G + ε): ε inside the root)

    Coordinates with a history of large gradients take small steps; G only grows, so steps shrink for ever.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 *, maximize=False):
        check_hyperparameters(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                              initial_accumulator_value=initial_accumulator_value)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def _init_state(self, param, group):
        return {"sum": np.full(param.shape, group["initial_accumulator_value"], dtype=param.dtype)}

    def _update(self, param, grad, state, group):
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        backend.current.adagrad_step(param, grad, state["sum"], clr=clr, eps=group["eps"],
                                     weight_decay=group["weight_decay"], maximize=group["maximize"])


class RMSprop(Optimizer):
    """RMSprop (Hinton, lecture 6.5 of "Neural Networks for Machine Learning", 2012), PyTorch's `torch.optim.RMSprop`.

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ
        v ← αv + (1 − α)g²
        centered:  ḡ ← αḡ + (1 − α)g;  v̂ = v − ḡ²  (a variance instead of a raw second moment); else v̂ = v
        u = g / (√v̂ + ε)                      (the lectures write g / √(v + ε) and α = 0.9)
        momentum μ > 0: b ← μb + u;  θ ← θ − η·b;     otherwise: θ ← θ − η·u
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, *,
                 maximize=False):
        check_hyperparameters(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _init_state(self, param, group):
        return {"square_avg": np.zeros(param.shape, dtype=param.dtype)}

    def _update(self, param, grad, state, group):
        grad_avg = zeros_state(state, "grad_avg", param) if group["centered"] else None
        momentum_buffer = zeros_state(state, "momentum_buffer", param) if group["momentum"] > 0 else None
        backend.current.rmsprop_step(param, grad, state["square_avg"], grad_avg, momentum_buffer, lr=group["lr"],
                                     alpha=group["alpha"], eps=group["eps"], momentum=group["momentum"],
                                     weight_decay=group["weight_decay"], maximize=group["maximize"])


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), PyTorch's `torch.optim.Adadelta`.

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ
        v ← ρv + (1 − ρ)g²
        Δ = √(u + ε) / √(v + ε) · g           (u: running average of squared updates, so Δ has θ's units)
        u ← ρu + (1 − ρ)Δ²
        θ ← θ − η·Δ                           (the lectures' rule is η = 1, PyTorch's default)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False):
        check_hyperparameters(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _init_state(self, param, group):
        return {"square_avg": np.zeros(param.shape, dtype=param.dtype),
                "acc_delta": np.zeros(param.shape, dtype=param.dtype)}

    def _update(self, param, grad, state, group):
        backend.current.adadelta_step(param, grad, state["square_avg"], state["acc_delta"], lr=group["lr"],
                                      rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                                      maximize=group["maximize"])
