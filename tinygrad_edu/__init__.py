"""tinygrad_edu: a minimal autograd framework with a C core."""
from .backend import backend_info, set_num_threads

__version__ = "0.1.0"
