"""Stochastic gradient descent, with momentum and Nesterov momentum in PyTorch's form or the lectures' form."""
from .. import backend
from .optimizer import Optimizer, check_hyperparameters, zeros_state

MOMENTUM_STYLES = ("pytorch", "lecture")


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), PyTorch's `torch.optim.SGD`.

    Gradient descent (GD) is this same class fed the gradient of the loss over the full training set:
    the rule is identical, only the data per step differs (SGD: one sample or a mini-batch).

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ                                         (weight_decay = λ)
        no momentum:              θ ← θ − η·g
        momentum_style="pytorch": b ← μb + (1−τ)g  (b₁ = g);   θ ← θ − η·(nesterov ? g + μb : b)
        momentum_style="lecture": h ← μh + (1−τ)ηg (h₁ = ηg);  θ ← θ − (nesterov ? ηg + μh : h)

    The two momentum styles are the same method written two ways: with a constant learning rate
    h = η·b at every step, so they give the same trajectory. They differ when η changes during training
    (a schedule): PyTorch's buffer b stores gradients and the current η scales the whole step, while the
    lecture's h stores steps already scaled by the η of their time, so a new η acts only on new gradients.
    The Nesterov line is the lectures' "look-ahead" gradient rewritten in the shifted parameters
    θ̂ = θ − μh, so the gradient is still taken at the current parameters.

    Args: lr (η), momentum (μ), dampening (τ, from the second step on), weight_decay (λ, L2),
    nesterov (needs momentum > 0 and dampening = 0), maximize, momentum_style ("pytorch" or "lecture").
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *,
                 maximize=False, momentum_style="pytorch"):
        check_hyperparameters(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires momentum > 0 and dampening = 0")
        if momentum_style not in MOMENTUM_STYLES:
            raise ValueError(f"momentum_style must be one of {MOMENTUM_STYLES}, got {momentum_style!r}")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, momentum_style=momentum_style))

    def _init_state(self, param, group):
        return {"momentum_buffer": None}

    def _update(self, param, grad, state, group):
        buffer, dampening = None, group["dampening"]
        if group["momentum"] != 0:
            # A new buffer starts at zero with no dampening, so it receives exactly the first gradient (b₁ = g).
            if state["momentum_buffer"] is None:
                dampening = 0.0
            buffer = zeros_state(state, "momentum_buffer", param)
        backend.current.sgd_step(param, grad, buffer, lr=group["lr"], momentum=group["momentum"],
                                 dampening=dampening, weight_decay=group["weight_decay"],
                                 nesterov=group["nesterov"], maximize=group["maximize"],
                                 lecture_style=group["momentum_style"] == "lecture")
