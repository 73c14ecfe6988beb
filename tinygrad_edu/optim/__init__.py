"""Optimizers (PyTorch's names, defaults and update rules, each step one fused C pass per parameter),
learning-rate schedules (`tinygrad_edu.optim.lr_scheduler`) and the LR range test (`lr_finder`).

Gradient descent (GD) is `SGD` given the full-batch gradient; there is no separate class.
"""
from . import lr_scheduler
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .lookahead import Lookahead
from .lr_finder import LRFinderResult, lr_finder
from .newton import Newton
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam",
           "Lookahead", "Newton", "lr_scheduler", "lr_finder", "LRFinderResult"]
