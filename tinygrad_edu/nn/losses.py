"""Loss modules: `loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, y)`. The math is in nn.functional."""
from . import functional as F
from .module import Module


class _Loss(Module):
    function = None  # the nn.functional loss this module applies

    def __init__(self, reduction="mean"):
        super().__init__()
        F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def forward(self, input, target):
        return type(self).function(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    """ℓ = (x − y)², mean squared error"""
    function = F.mse_loss


class L1Loss(_Loss):
    """ℓ = |x − y|, mean absolute error"""
    function = F.l1_loss


class BCELoss(_Loss):
    """ℓ = −[y·log p + (1 − y)·log(1 − p)] on probabilities p (clamped away from 0 and 1)"""
    function = F.binary_cross_entropy


class BCEWithLogitsLoss(_Loss):
    """ℓ = BCE(σ(z), y) computed stably from logits z; ∂ℓ/∂z = σ(z) − y"""
    function = F.binary_cross_entropy_with_logits


class CrossEntropyLoss(_Loss):
    """ℓ = −log softmax(z)_y from logits z and class indices y (or class probabilities); ∂ℓ/∂z = softmax(z) − onehot(y)"""
    function = F.cross_entropy


class NLLLoss(_Loss):
    """ℓ = −log_probs[y], for models that end in LogSoftmax"""
    function = F.nll_loss
