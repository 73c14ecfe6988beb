"""Datasets as indexable collections of samples, and the DataLoader that cuts them into mini-batches.

A dataset is anything with `len(ds)` and `ds[i]` returning a tuple of arrays (one sample). `TensorDataset`
wraps whole arrays and also answers `ds[index_array]` with a whole batch at once, which is what makes
the DataLoader fast: one fancy-indexing per array per batch, no Python loop over samples.
"""
import math

import numpy as np

from .. import random as _random
from ..errors import ShapeError
from ..tensor import Tensor


def _as_array(a):
    return a.data if isinstance(a, Tensor) else np.asarray(a)


class TensorDataset:
    """Samples are the rows of the given arrays (numpy arrays or Tensors), which share their first dimension."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_as_array(a) for a in arrays)
        lengths = [len(a) if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ShapeError(f"TensorDataset: every array needs the same first dimension, got shapes {shapes}")

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class Subset:
    """The samples of `dataset` at positions `indices`."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]


def _split_lengths(n, lengths):
    """Lengths given as counts, or as fractions summing to 1 (rounded down, the remainder to the first parts)."""
    if all(isinstance(x, (int, np.integer)) for x in lengths):
        counts = [int(x) for x in lengths]
    elif math.isclose(sum(lengths), 1.0) and all(0 <= x <= 1 for x in lengths):
        counts = [int(math.floor(n * x)) for x in lengths]
        for k in range(n - sum(counts)):
            counts[k % len(counts)] += 1
    else:
        raise ValueError(f"lengths must be counts summing to {n} or fractions summing to 1, got {lengths}")
    if sum(counts) != n or min(counts) < 0:
        raise ValueError(f"lengths {lengths} do not add up to the dataset size {n}")
    return counts


def random_split(dataset, lengths, seed=None):
    """Split a dataset into non-overlapping random Subsets of the given lengths (counts or fractions)."""
    rng = _random.generator() if seed is None else np.random.default_rng(seed)
    order = rng.permutation(len(dataset))
    bounds = np.cumsum([0] + _split_lengths(len(dataset), lengths))
    return [Subset(dataset, order[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]


def train_val_split(*arrays, val_fraction=0.2, shuffle=True, seed=None):
    """Split arrays row-wise: returns (train_arrays, val_arrays), e.g. `(X_tr, y_tr), (X_val, y_val)`."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    n = len(TensorDataset(*arrays))  # checks the arrays agree in length
    rng = _random.generator() if seed is None else np.random.default_rng(seed)
    order = rng.permutation(n) if shuffle else np.arange(n)
    n_val = max(1, int(round(n * val_fraction)))
    train_idx, val_idx = order[n_val:], order[:n_val]
    arrays = [_as_array(a) for a in arrays]
    return tuple(a[train_idx] for a in arrays), tuple(a[val_idx] for a in arrays)


def _takes_index_arrays(dataset):
    """Whether dataset[index_array] returns a whole batch (TensorDatasets and Subsets of them)."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    return isinstance(dataset, TensorDataset)


def _collate(samples):
    """Stack a list of sample tuples into one tuple of batch arrays."""
    return tuple(np.stack(column) for column in zip(*samples))


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors: `for X, y in DataLoader((X, y), batch_size=64, shuffle=True)`.

    dataset_or_arrays: a dataset, or a tuple/list of arrays (wrapped in a TensorDataset).
    shuffle: a new order every epoch, drawn from the library RNG, or from a private RNG seeded with `seed`
    (then the sequence of epochs is reproducible on its own). drop_last: skip a final short batch.
    Floating arrays come out as float Tensors, integer labels as int64 Tensors.
    """

    def __init__(self, dataset_or_arrays, batch_size=32, shuffle=False, drop_last=False, seed=None):
        if isinstance(dataset_or_arrays, (tuple, list)):
            dataset_or_arrays = TensorDataset(*dataset_or_arrays)
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset_or_arrays
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.rng or _random.generator()).permutation(n)

    def _fetch(self, indices):
        if _takes_index_arrays(self.dataset):
            return self.dataset[indices]  # one fancy-index per array
        return _collate([self.dataset[int(i)] for i in indices])

    def __iter__(self):
        order = self._order()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = self._fetch(order[start:start + self.batch_size])
            yield tuple(Tensor(a, dtype=np.int64 if a.dtype.kind in "iu" else None) for a in batch)
