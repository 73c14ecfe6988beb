"""IDX files (the MNIST family's format) and the Fashion-MNIST / MNIST loaders.

An IDX file is: two zero bytes, a type code, the number of dimensions n, then n big-endian uint32 sizes,
then the values in C order, big-endian. Files may be gzip-compressed (detected from the content).
"""
import gzip
import os
import zlib

import numpy as np

from ..errors import TinygradEduError

# IDX type code -> big-endian numpy dtype
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(TinygradEduError, ValueError):
    """A file that is not a well-formed IDX file (bad header, truncated, corrupt compression)."""


class DatasetNotFoundError(TinygradEduError, FileNotFoundError):
    """A dataset's files are not where they were looked for; the message says how to get them."""


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; a cut-off stream is EOFError
        raise IDXError(f"{path}: corrupt or truncated gzip data ({exc})") from exc


def load_idx(path):
    """Read an IDX file (raw or gzip) into a numpy array of its declared shape and dtype (native byte order)."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise IDXError(f"{path}: not an IDX file (expected the header to start with two zero bytes, "
                       f"got {raw[:4]!r})")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in _IDX_DTYPES)
        raise IDXError(f"{path}: unknown IDX type code 0x{type_code:02X} (expected one of {known})")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IDXError(f"{path}: truncated header: {ndim} dimensions need {header_size} bytes, file has {len(raw)}")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has trailing bytes"
        raise IDXError(f"{path}: {problem}: shape {shape} of {dtype.name} needs {expected} bytes, file has {len(raw)}")
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


FASHION_MNIST_ROOT = "/usr/share/datasets/fashion-mnist"
MNIST_ROOT = "/usr/share/datasets/mnist"
_SPLIT_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_HOW_TO_GET = {
    "Fashion-MNIST": "install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu; it fills "
                     f"{FASHION_MNIST_ROOT}) or download the four files of the Fashion-MNIST release "
                     "(github.com/zalandoresearch/fashion-mnist, data/fashion) into a directory and pass root=",
    "MNIST": "download the four MNIST files (train-images, train-labels, t10k-images, t10k-labels; raw or .gz) "
             f"into {MNIST_ROOT} or another directory and pass root=",
}


def _find(root, name, dataset):
    for candidate in (name + ".gz", name):
        path = os.path.join(root, candidate)
        if os.path.exists(path):
            return path
    raise DatasetNotFoundError(f"{dataset}: {name}[.gz] not found in {root}; expected the four files "
                               f"{', '.join(n for pair in _SPLIT_FILES.values() for n in pair)} (raw or .gz); "
                               f"{_HOW_TO_GET[dataset]}")


def _load_split(root, split, dataset):
    image_path, label_path = (_find(root, name, dataset) for name in _SPLIT_FILES[split])
    images, labels = load_idx(image_path), load_idx(label_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise IDXError(f"{image_path}: expected uint8 images of shape (N, 28, 28), got {images.dtype} {images.shape}")
    if labels.shape != images.shape[:1]:
        raise IDXError(f"{label_path}: expected {len(images)} labels to match the images, got shape {labels.shape}")
    X = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
    return X, labels.astype(np.int64)


def _load_mnist_like(root, default_root, dataset):
    root = default_root if root is None else os.fspath(root)
    if not os.path.isdir(root):
        raise DatasetNotFoundError(f"{dataset}: directory {root} does not exist; {_HOW_TO_GET[dataset]}")
    return _load_split(root, "train", dataset), _load_split(root, "test", dataset)


def fashion_mnist(root=None):
    """Fashion-MNIST as ((X_train, y_train), (X_test, y_test)): X float32 in [0, 1] of shape (N, 784), y int64.

    Reads the four standard IDX files (raw or .gz) from `root`, by default /usr/share/datasets/fashion-mnist.
    """
    return _load_mnist_like(root, FASHION_MNIST_ROOT, "Fashion-MNIST")


def mnist(root=None):
    """MNIST as ((X_train, y_train), (X_test, y_test)), same layout as `fashion_mnist`; default root /usr/share/datasets/mnist."""
    return _load_mnist_like(root, MNIST_ROOT, "MNIST")
