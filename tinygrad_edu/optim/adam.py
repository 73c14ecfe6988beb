"""The Adam family: Adam, AdamW, Adamax, NAdam, RAdam (momentum on g plus per-coordinate scaling by g²)."""
import math

import numpy as np

from .. import backend
from .optimizer import Optimizer, check_hyperparameters, weight_decay_terms


class _AdamFamily(Optimizer):
    """Shared constructor checks and the first/second moment buffers m and v."""

    def __init__(self, params, lr, betas, eps, weight_decay, **options):
        beta1, beta2 = betas
        check_hyperparameters(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, **options))

    def _init_state(self, param, group):
        return {"exp_avg": np.zeros(param.shape, dtype=param.dtype),
                "exp_avg_sq": np.zeros(param.shape, dtype=param.dtype)}

    @staticmethod
    def _weight_decay(group):
        """(L2 coefficient, parameter decay factor) for this group; see weight_decay_terms."""
        return weight_decay_terms(group["lr"], group["weight_decay"], group.get("decoupled_weight_decay", False))


class Adam(_AdamFamily):
    """Adam (Kingma & Ba, 2014), PyTorch's `torch.optim.Adam`.

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ                   ← L2 regularisation (weight_decay = λ)
        m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²
        m̂ = m / (1 − β₁ᵗ);    v̂ = v / (1 − β₂ᵗ)               (bias correction; bias_correction=False: m̂ = m, v̂ = v)
        amsgrad: v_max ← max(v_max, v), and v_max replaces v in v̂
        θ ← θ − η·m̂ / (√v̂ + ε)

    Lecture variant: `bias_correction=False` is the lectures' first Adam, θ ← θ − η·m / (√v + ε) (the lectures
    also write √(v + ε)). Without the correction the first steps are too small: m and v start at 0, so after
    t steps they are (1 − βᵗ) times the average they estimate.

    L2 regularisation vs decoupled weight decay (the one difference between Adam and AdamW): here λθ is added
    to the gradient, so it also passes through the division by √v̂ — weights whose gradients are large are
    barely decayed. AdamW instead shrinks θ directly by θ ← θ(1 − ηλ), outside the adaptive scaling, which is
    what "weight decay" means for plain SGD. `decoupled_weight_decay=True` makes this class AdamW.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False, bias_correction=True):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad=amsgrad, maximize=maximize,
                         decoupled_weight_decay=decoupled_weight_decay, bias_correction=bias_correction)

    def _init_state(self, param, group):
        state = super()._init_state(param, group)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros(param.shape, dtype=param.dtype)
        return state

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        step = state["step"]
        bias_correction1, bias_correction2 = 1 - beta1 ** step, 1 - beta2 ** step
        if not group["bias_correction"]:
            bias_correction1 = bias_correction2 = 1.0
        weight_decay, param_decay = self._weight_decay(group)
        # η·m̂/(√v̂ + ε) = η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε·√(1−β₂ᵗ)): the corrections become two scalars,
        # and the kernel divides once per element instead of twice (the divider bounds this update).
        root_correction2 = math.sqrt(bias_correction2)
        backend.current.adam_step(param, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"),
                                  step_size=group["lr"] * root_correction2 / bias_correction1, beta1=beta1,
                                  beta2=beta2, eps=group["eps"] * root_correction2, weight_decay=weight_decay,
                                  param_decay=param_decay, maximize=group["maximize"])


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019), PyTorch's `torch.optim.AdamW`: Adam with decoupled weight decay.

        θ ← θ·(1 − ηλ)                                        ← decoupled weight decay (weight_decay = λ)
        g ← ∇f(θ) (−∇f(θ) if maximize)                         (no λθ term: the gradient is left alone)
        m, v, m̂, v̂, amsgrad as in Adam;   θ ← θ − η·m̂ / (√v̂ + ε)

    Compared with Adam's L2 term λθ in the gradient, which √v̂ then divides (so weights with large gradients
    are barely regularised), the decay here shrinks every weight by the same fraction ηλ per step, independent
    of the gradient history. With a schedule, η scales the decay too, as in PyTorch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, bias_correction=True):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, bias_correction=bias_correction)


class Adamax(_AdamFamily):
    """Adamax (Kingma & Ba, 2014, section 7.1), PyTorch's `torch.optim.Adamax`: Adam with an infinity norm.

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ
        m ← β₁m + (1 − β₁)g;   u ← max(β₂u, |g| + ε)           (ε inside the max keeps u > 0)
        θ ← θ − η/(1 − β₁ᵗ) · m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, maximize=maximize)

    def _init_state(self, param, group):
        return {"exp_avg": np.zeros(param.shape, dtype=param.dtype),
                "exp_inf": np.zeros(param.shape, dtype=param.dtype)}

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        backend.current.adamax_step(param, grad, state["exp_avg"], state["exp_inf"],
                                    step_size=group["lr"] / (1 - beta1 ** state["step"]), beta1=beta1,
                                    beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                                    maximize=group["maximize"])


class NAdam(_AdamFamily):
    """NAdam (Dozat, 2016), PyTorch's `torch.optim.NAdam`: Adam with Nesterov momentum.

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ   (decoupled_weight_decay: θ ← θ(1 − ηλ) instead)
        μ_t = β₁(1 − ½·0.96^(tψ));   Π_t = μ₁μ₂…μ_t                           (momentum_decay = ψ)
        m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   v̂ = v / (1 − β₂ᵗ)
        θ ← θ − η(1 − μ_t)/(1 − Π_t) · g/(√v̂ + ε) − η·μ_{t+1}/(1 − Π_t·μ_{t+1}) · m/(√v̂ + ε)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False):
        check_hyperparameters(momentum_decay=momentum_decay)
        super().__init__(params, lr, betas, eps, weight_decay, momentum_decay=momentum_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)

    def _init_state(self, param, group):
        return {**super()._init_state(param, group), "mu_product": 1.0}

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        step, psi = state["step"], group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        weight_decay, param_decay = self._weight_decay(group)
        # 1/(√v̂ + ε) = √(1−β₂ᵗ)/(√v + ε·√(1−β₂ᵗ)): the correction joins the two step sizes and ε, and the kernel
        # takes one reciprocal per element for both terms (as in Adam, the divider bounds the update).
        root_correction2 = math.sqrt(1 - beta2 ** step)
        backend.current.nadam_step(param, grad, state["exp_avg"], state["exp_avg_sq"],
                                   grad_step=group["lr"] * (1.0 - mu) / (1.0 - mu_product) * root_correction2,
                                   avg_step=group["lr"] * mu_next / (1.0 - mu_product * mu_next) * root_correction2,
                                   beta1=beta1, beta2=beta2, eps=group["eps"] * root_correction2,
                                   weight_decay=weight_decay, param_decay=param_decay, maximize=group["maximize"])


class RAdam(_AdamFamily):
    """RAdam (Liu et al., 2019), PyTorch's `torch.optim.RAdam`: Adam whose adaptive step is switched on only
    once the variance of v̂ is tractable, and rectified by r_t until then.

        g ← ∇f(θ) (−∇f(θ) if maximize) + λθ   (decoupled_weight_decay: θ ← θ(1 − ηλ) instead)
        m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   m̂ = m / (1 − β₁ᵗ)
        ρ_∞ = 2/(1 − β₂) − 1;   ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
        ρ_t > 5:  r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t));  θ ← θ − η·m̂·r_t·√(1 − β₂ᵗ)/(√v + ε)
        else:     θ ← θ − η·m̂                                             (SGD with momentum while warming up)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
                 *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay=decoupled_weight_decay,
                         maximize=maximize)

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        step = state["step"]
        bias_correction1, bias_correction2 = 1 - beta1 ** step, 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        rectified = rho_t > 5
        step_size = group["lr"] / bias_correction1
        if rectified:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step_size *= rect * math.sqrt(bias_correction2)
        weight_decay, param_decay = self._weight_decay(group)
        backend.current.radam_step(param, grad, state["exp_avg"], state["exp_avg_sq"], step_size=step_size,
                                   beta1=beta1, beta2=beta2, eps=group["eps"], rectified=rectified,
                                   weight_decay=weight_decay, param_decay=param_decay, maximize=group["maximize"])
