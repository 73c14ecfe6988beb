"""IDX files (the MNIST family's format) and the Fashion-MNIST / MNIST loaders.

An IDX file is: two zero bytes, a type code, the number of dimensions n, then n big-endian uint32 sizes,
then the values in C order, big-endian. Files may be gzip-compressed (detected from the content).

Limits. Every malformed file raises `IDXError` naming the file and the problem, and the declared size is checked
before anything is allocated: header + d₁·d₂·…·dₙ·itemsize bytes (Python ints, so no product wraps around)
must equal the size of a raw file, and cannot exceed `MAX_GZIP_EXPANSION` times the size of a gzip file. A
gzip file is inflated in chunks of at most 1 MiB and never beyond the declared size + 1 byte (the byte that
tells trailing data), so a small file that claims or holds gigabytes (a gzip bomb) costs almost nothing.
"""
import math
import os
import struct
import zlib

import numpy as np

from ..errors import TinygradEduError

# IDX type code -> big-endian numpy dtype
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
MAX_NDIM = 32
"""Dimensions an IDX file may declare: what every numpy (1.x and 2.x) array can hold; MNIST files have 1 or 3."""
MAX_GZIP_EXPANSION = 1032
"""Deflate codes a run of at most 258 bytes in no fewer than 2 bits, so n compressed bytes inflate to at most
1032·n: a larger declared size cannot be in the file."""
_CHUNK = 1 << 20


class IDXError(TinygradEduError, ValueError):
    """A file that is not a well-formed IDX file (bad header, truncated, corrupt compression)."""


class DatasetNotFoundError(TinygradEduError, FileNotFoundError):
    """A dataset's files are not where they were looked for; the message says how to get them."""


class _GzipStream:
    """The decompressed bytes of a gzip file on demand: `read(n)` inflates at most n more bytes.

    Members of a concatenated gzip follow one another, as `gzip.open` reads them; zlib checks each member's
    CRC-32 and length.
    """

    def __init__(self, file):
        self.file, self.pending, self.inflater = file, b"", self._new_inflater()

    @staticmethod
    def _new_inflater():
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # 16 +: expect the gzip header and trailer

    def read(self, n):
        out = bytearray()
        while len(out) < n:
            if not self.pending:
                self.pending = self.file.read(_CHUNK)
                if not self.pending:
                    if self.inflater.eof:  # the file ends right after a whole member
                        break
                    raise EOFError("the compressed data ends before the gzip end-of-stream marker")
            if self.inflater.eof:  # more bytes after a whole member: the next member starts here
                self.inflater = self._new_inflater()
            out += self.inflater.decompress(self.pending, n - len(out))
            self.pending = self.inflater.unused_data if self.inflater.eof else self.inflater.unconsumed_tail
        return bytes(out)


def load_idx(path):
    """Read an IDX file (raw or gzip) into a numpy array of its declared shape and dtype (native byte order).

    Raises `IDXError` for a malformed file (see the module's limits), before allocating more than it holds.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        compressed = file.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        file.seek(0)
        stream = _GzipStream(file) if compressed else file
        try:
            return _read_idx(path, stream, os.fstat(file.fileno()).st_size, compressed)
        except (EOFError, zlib.error) as exc:
            raise IDXError(f"{path}: corrupt or truncated gzip data ({exc})") from exc


def _read_idx(path, stream, file_size, compressed):
    type_code, ndim = _read_magic(path, stream)
    header_size = 4 + 4 * ndim
    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IDXError(f"{path}: truncated header: {ndim} dimensions need {header_size} bytes, "
                       f"{'the decompressed data' if compressed else 'the file'} has {4 + len(sizes)}")
    shape = struct.unpack(f">{ndim}I", sizes)
    dtype = np.dtype(_IDX_DTYPES[type_code])
    data_size = math.prod(shape) * dtype.itemsize  # Python ints: exact for any declared sizes
    describe = f"shape {shape} of {dtype.name} needs {header_size + data_size:,} bytes"
    if not compressed and header_size + data_size != file_size:
        problem = "truncated" if file_size < header_size + data_size else "has trailing bytes"
        raise IDXError(f"{path}: {problem}: {describe}, the file has {file_size:,}")
    if compressed and header_size + data_size > MAX_GZIP_EXPANSION * file_size:
        raise IDXError(f"{path}: {describe}, more than a gzip file of {file_size:,} bytes can hold "
                       f"(at most {MAX_GZIP_EXPANSION}x its size)")
    data = _read_data(stream, data_size)
    if len(data) != data_size:  # only a gzip stream gets here: a raw file's size was checked above
        problem = "truncated" if len(data) < data_size else "has trailing bytes"
        holds = f"{header_size + len(data):,}" if len(data) < data_size else "more"
        raise IDXError(f"{path}: {problem}: {describe}, the decompressed data has {holds}")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def _read_magic(path, stream):
    """(type code, number of dimensions) from the first four bytes, each checked."""
    magic = stream.read(4)
    if len(magic) < 4 or magic[:2] != b"\0\0":
        raise IDXError(f"{path}: not an IDX file (expected the header to start with two zero bytes, got {magic!r})")
    type_code, ndim = magic[2], magic[3]
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in _IDX_DTYPES)
        raise IDXError(f"{path}: unknown IDX type code 0x{type_code:02X} (expected one of {known})")
    if not 1 <= ndim <= MAX_NDIM:
        raise IDXError(f"{path}: the header declares {ndim} dimensions; an IDX file has 1 to {MAX_NDIM}")
    return type_code, ndim


def _read_data(stream, size):
    """`size` bytes from the stream, or fewer if it ends, or size + 1 if it goes on: read in chunks of at most
    1 MiB, so memory follows the bytes that are really there, not the size a header claims."""
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(min(_CHUNK, size - len(data)))
        if not chunk:
            return data
        data += chunk
    data += stream.read(1)
    return data


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
    if len(images) == 0:
        raise IDXError(f"{image_path}: holds no images (shape {images.shape}); the {split} split needs at least one")
    if labels.shape != images.shape[:1]:
        raise IDXError(f"{label_path}: expected {len(images)} labels to match the images, got shape {labels.shape}")
    if labels.dtype.kind not in "iu" or labels.min() < 0:
        raise IDXError(f"{label_path}: expected class labels (integers >= 0), got {labels.dtype} "
                       f"from {labels.min()} to {labels.max()}")
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
