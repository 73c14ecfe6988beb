"""Training: `fit` and `evaluate`, the per-epoch `History`, callbacks, and checkpoint `save`/`load`."""
from ..checkpoint import CheckpointError, load, save
from .callbacks import Callback, EarlyStopping, ModelCheckpoint
from .history import History
from .loop import METRICS, accuracy, evaluate, fit
from . import search
from .search import SearchResult, grid_search, random_search

__all__ = ["fit", "evaluate", "History", "Callback", "EarlyStopping", "ModelCheckpoint",
           "accuracy", "METRICS", "save", "load", "CheckpointError",
           "search", "grid_search", "random_search", "SearchResult"]
