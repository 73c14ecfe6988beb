"""The library's one random number generator, so `manual_seed` makes every draw reproducible.

Constructors (`randn`, `rand`), `nn.init`, `Dropout` and data shuffling all draw from `generator()`.
"""
import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the library RNG; the same seed gives the same draws, bit for bit."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator():
    """The numpy Generator every random draw in the library uses."""
    return _generator
