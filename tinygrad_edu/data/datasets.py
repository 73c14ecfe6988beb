"""Small generated datasets: no download, the same arrays for the same seed.

Every generator returns `(X, y)` as numpy arrays: X float32 of shape (n_samples, n_features), y int64 class
labels of shape (n_samples,) (float32 targets of shape (n_samples, 1) for `linear_regression`). Samples come
shuffled, so any slice is a fair sample. With `seed=None` the library RNG is used (see `manual_seed`).
"""
import numpy as np

from .. import random as _random


def _rng(seed):
    return _random.generator() if seed is None else np.random.default_rng(seed)


def _per_class(n_samples, n_classes):
    """Split n_samples as evenly as possible over the classes (the first classes get the remainder)."""
    if n_samples < n_classes:
        raise ValueError(f"n_samples={n_samples} is fewer than the {n_classes} classes")
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def _finish(rng, X, y):
    """Shuffle the samples together and fix the dtypes."""
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def spirals(n_samples=1500, n_classes=3, noise=0.2, turns=1.0, seed=None):
    """Interleaved spiral arms, one per class: radius r ∈ [0, 1], angle = 2πk/K + 4·turns·r + noise."""
    rng = _rng(seed)
    X, y = [], []
    for k, count in enumerate(_per_class(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, count)
        angle = 2 * np.pi * k / n_classes + 4.0 * turns * r + noise * rng.standard_normal(count)
        X.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
        y.append(np.full(count, k))
    return _finish(rng, np.concatenate(X), np.concatenate(y))


def moons(n_samples=1000, noise=0.1, seed=None):
    """Two interleaving half circles: class 0 is the upper arc, class 1 the lower arc shifted by (1, −0.5)."""
    rng = _rng(seed)
    n0, n1 = _per_class(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    return _finish(rng, X, np.repeat([0, 1], [n0, n1]))


def circles(n_samples=1000, noise=0.05, factor=0.5, seed=None):
    """Two concentric circles: class 0 of radius 1, class 1 of radius `factor`."""
    if not 0 < factor < 1:
        raise ValueError(f"factor must lie in (0, 1), got {factor}")
    rng = _rng(seed)
    n0, n1 = _per_class(n_samples, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    return _finish(rng, X, np.repeat([0, 1], [n0, n1]))


def blobs(n_samples=1000, centers=3, n_features=2, cluster_std=1.0, center_box=(-10.0, 10.0), seed=None):
    """Gaussian clusters: `centers` (a count, or an array of shape (k, n_features)) with std `cluster_std`."""
    rng = _rng(seed)
    if isinstance(centers, (int, np.integer)):
        centers = rng.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(f"centers must be a count or an array of shape (k, n_features), got shape {centers.shape}")
    counts = _per_class(n_samples, len(centers))
    X = np.concatenate([c + cluster_std * rng.standard_normal((n, centers.shape[1]))
                        for c, n in zip(centers, counts)])
    return _finish(rng, X, np.repeat(np.arange(len(centers)), counts))


def xor(n_samples=1000, noise=0.0, seed=None):
    """Points uniform in [−1, 1]²; label 1 when the two coordinates have opposite signs (x₀·x₁ < 0)."""
    rng = _rng(seed)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    return _finish(rng, X + noise * rng.standard_normal(X.shape), y)


def linear_regression(n_samples=200, n_features=1, noise=0.1, bias=0.0, return_coef=False, seed=None):
    """y = X·w + bias + noise·ε with X, w, ε standard normal; y has shape (n_samples, 1).

    With `return_coef=True` also returns the true weights w (shape (n_features,)), for comparing a fit.
    """
    rng = _rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal(n_features)
    y = (X @ coef + bias + noise * rng.standard_normal(n_samples))[:, None]
    X, y = X.astype(np.float32), y.astype(np.float32)
    return (X, y, coef) if return_coef else (X, y)


GENERATED = {"spirals": spirals, "moons": moons, "circles": circles, "blobs": blobs, "xor": xor}
