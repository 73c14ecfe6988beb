"""Data: generated toy datasets, the IDX reader with Fashion-MNIST/MNIST loaders, and the DataLoader."""
from .datasets import blobs, circles, linear_regression, moons, spirals, xor
from .idx import DatasetNotFoundError, IDXError, fashion_mnist, load_idx, mnist
from .loader import DataLoader, Subset, TensorDataset, random_split, train_val_split

__all__ = ["spirals", "moons", "circles", "blobs", "xor", "linear_regression",
           "load_idx", "fashion_mnist", "mnist", "IDXError", "DatasetNotFoundError",
           "DataLoader", "TensorDataset", "Subset", "random_split", "train_val_split"]
