"""Training: `fit` and `evaluate`, the per-epoch `History`, callbacks, and checkpoint `save`/`load`."""
from ..checkpoint import CheckpointError, load, save
from .callbacks import Callback, EarlyStopping, ModelCheckpoint
from .history import History
from .loop import METRICS, accuracy, evaluate, fit

__all__ = ["fit", "evaluate", "History", "Callback", "EarlyStopping", "ModelCheckpoint",
           "accuracy", "METRICS", "save", "load", "CheckpointError"]
