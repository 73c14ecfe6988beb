"""Newton's method: step to the minimum of the local quadratic model, using the Hessian (for small problems only)."""
import numpy as np

from ..autograd_mode import enable_grad, no_grad
from ..second_order import SecondOrderError, default_eps, flat_gradient, hessian_from_gradient
from .optimizer import Optimizer, check_hyperparameters


class Newton(Optimizer):
    """Newton's method with damping, for problems of at most `MAX_PARAMETERS` (1000) parameters.

    The loss near θ is modelled by its second-order Taylor expansion
    f(θ + s) ≈ f(θ) + gᵀs + ½ sᵀHs, whose minimum is at s = −H⁻¹g:

        g ← ∇f(θ);  H ← ∇²f(θ)   (central differences of g: 2n closure calls, see tinygrad_edu.second_order)
        solve (H + λI)·d = g      (damping = λ)
        θ ← θ − η·d               (lr = η; η = 1, λ = 0 is the pure Newton step)

    On a quadratic the model is exact, so one pure step lands on the minimum. Far from a minimum H may be
    indefinite or nearly singular and the pure step can jump far or uphill; damping λ > 0 shortens it and turns
    it towards the gradient direction (for large λ, d ≈ g/λ: gradient descent with rate η/λ).

    All parameters are solved for together (H couples them); each parameter group's lr and damping apply to
    its own coordinates. step(closure) needs a closure, as torch.optim.LBFGS does: closure() evaluates the loss,
    calls backward and returns the loss; Newton calls it 2n + 1 times per step and clears the gradients before
    each call. The Hessian costs n² numbers and 2n backward passes per step, hence the size limit.
    """

    MAX_PARAMETERS = 1000  # a 1000×1000 Hessian is 8 MB and 2000 backward passes per step

    def __init__(self, params, lr=1.0, damping=0.0, *, eps=None):
        check_hyperparameters(lr=lr, damping=damping)
        if eps is not None and not eps > 0:
            raise ValueError(f"invalid eps: {eps} (must be > 0, or None for the dtype's default)")
        super().__init__(params, dict(lr=lr, damping=damping))
        self.eps = eps

    def add_param_group(self, group):
        super().add_param_group(group)
        count = sum(param.size for param in self._params())
        if count > self.MAX_PARAMETERS:
            self.param_groups.pop()
            raise SecondOrderError(
                f"Newton handles at most {self.MAX_PARAMETERS} parameters, got {count}: its Hessian would hold "
                f"{count}² numbers and need {2 * count} backward passes per step; use a first-order optimizer "
                "(SGD, Adam) for a network")

    def _params(self):
        return [param for group in self.param_groups for param in group["params"]]

    def step(self, closure=None):
        """One Newton step; returns the loss closure() gave at the parameters before the step."""
        if closure is None:
            raise SecondOrderError("Newton.step needs a closure: step(closure) where closure() computes the loss, "
                                   "calls loss.backward() and returns the loss (as for torch.optim.LBFGS)")
        params = self._params()
        start = np.concatenate([param.data.astype(np.float64).reshape(-1) for param in params])
        losses = []

        def gradient_at(point):
            self._write(params, point)
            self.zero_grad()
            with enable_grad():
                losses.append(closure())
            return np.concatenate([flat_gradient(param) for param in params])

        eps = self.eps if self.eps is not None else max(default_eps(param.dtype) for param in params)
        hessian = hessian_from_gradient(gradient_at, start, eps)
        gradient = gradient_at(start)  # last, so .grad and the returned loss belong to the current parameters
        lr, damping = self._per_coordinate("lr"), self._per_coordinate("damping")
        try:
            direction = np.linalg.solve(hessian + np.diag(damping), gradient)
        except np.linalg.LinAlgError:
            raise SecondOrderError(f"Newton: the Hessian{' plus damping' if damping.any() else ''} is singular "
                                   "at the current parameters; use damping > 0 (e.g. Newton(params, damping=1e-3))"
                                   ) from None
        self._write(params, start - lr * direction)
        return losses[-1]

    def _per_coordinate(self, name):
        """The hyper-parameter `name` repeated once per coordinate, in the flat order of the parameters."""
        return np.concatenate([np.full(param.size, group[name], dtype=np.float64)
                               for group in self.param_groups for param in group["params"]])

    @staticmethod
    def _write(params, point):
        """Copy the flat vector `point` into the parameters, in order (in place, so models keep their arrays)."""
        offset = 0
        with no_grad():
            for param in params:
                param.data[...] = point[offset:offset + param.size].reshape(param.shape)
                param.mark_modified()
                offset += param.size
