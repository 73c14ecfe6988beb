"""Malformed IDX files: every cut, flip and hostile header gives IDXError naming the file, sizes are checked
before anything is allocated, and a gzip bomb is inflated no further than its declared size + 1 byte."""
import gzip
import math
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from memory_limit import outcomes_under_cap
from test_data import idx_bytes, write_mnist_like

from tinygrad_edu import data
from tinygrad_edu.data import IDXError, idx

SAMPLE = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)


def header(type_code, shape):
    """An IDX header declaring `shape` (sizes as big-endian uint32, as the format stores them)."""
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def gzip_of_zeros(head, mebibytes):
    """A gzip file holding `head` then `mebibytes` MiB of zeros, built in milliseconds from one repeated block:
    after a full flush the compressor starts afresh, so every further MiB of zeros deflates to the same bytes."""
    zeros = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate; the gzip frame is added here
    first = deflate.compress(head + zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    body = first + block * (mebibytes - 1) + deflate.flush()
    crc = zlib.crc32(head + zeros)
    for _ in range(mebibytes - 1):
        crc = zlib.crc32(zeros, crc)
    size = len(head) + (mebibytes << 20)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no flags, no mtime, max compression, unix
    return gzip_header + body + struct.pack("<II", crc, size % 2**32)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """~1 MB gzip files that inflate to 1 GiB of zeros; their IDX headers declare 10 bytes, or far too many."""
    directory = tmp_path_factory.mktemp("bombs")
    files = {"declares 10 bytes": header(0x08, (10,)), "declares (2^32-1)^3 bytes": header(0x08, (2**32 - 1,) * 3)}
    paths = {}
    for name, head in files.items():
        paths[name] = directory / (name.replace(" ", "_") + ".gz")
        paths[name].write_bytes(gzip_of_zeros(head, 1024))
    return paths


def test_the_bomb_builder_makes_a_valid_gzip_of_the_header_and_zeros():
    head = header(0x08, (7,))
    assert gzip.decompress(gzip_of_zeros(head, 3)) == head + bytes(3 << 20)


def test_a_gzip_bomb_is_inflated_only_to_its_declared_size_plus_one_byte(bombs, monkeypatch):
    inflated, read = [], idx._GzipStream.read

    def counting_read(stream, n):
        chunk = read(stream, n)
        inflated.append(len(chunk))
        return chunk

    monkeypatch.setattr(idx._GzipStream, "read", counting_read)
    assert bombs["declares 10 bytes"].stat().st_size < 1.1e6
    with pytest.raises(IDXError, match=r"declares_10_bytes.gz: has trailing bytes: shape \(10,\) of uint8 needs 18"):
        data.load_idx(bombs["declares 10 bytes"])
    assert sum(inflated) == len(header(0x08, (10,))) + 10 + 1  # the header, the data, one byte that shows more


def test_a_gzip_declaring_more_than_deflate_can_hold_is_refused_before_inflating(bombs, monkeypatch):
    path = bombs["declares (2^32-1)^3 bytes"]
    needed = 16 + (2**32 - 1) ** 3
    with pytest.raises(IDXError, match=f"needs {needed:,} bytes, more than a gzip file of {path.stat().st_size:,}"):
        data.load_idx(path)


def test_hostile_files_are_refused_within_a_memory_cap(bombs, tmp_path):
    wrapped = tmp_path / "wraps_int64.idx"  # 4 sizes of 2^16: an int64 product wraps to 0 bytes of data
    wrapped.write_bytes(header(0x08, (2**16,) * 4))
    huge = tmp_path / "huge.idx"
    huge.write_bytes(header(0x0E, (2**32 - 1,) * 3) + bytes(64))
    paths = [*bombs.values(), wrapped, huge]
    assert outcomes_under_cap("tinygrad_edu.data.load_idx", paths) == {str(p): "IDXError" for p in paths}


@pytest.mark.parametrize("shape", [(2**16,) * 4, (2**32 - 1,) * 3, (2**31, 2**31, 4), (0, 2**32 - 1)])
def test_declared_sizes_are_exact_python_ints_that_never_wrap(tmp_path, shape):
    path = tmp_path / "a.idx"
    path.write_bytes(header(0x0C, shape) + bytes(8))
    needed = 4 + 4 * len(shape) + 4 * math.prod(shape)
    problem = "truncated" if needed > path.stat().st_size else "has trailing bytes"
    with pytest.raises(IDXError, match=f"a.idx: {problem}: shape .* of int32 needs {needed:,} bytes"):
        data.load_idx(path)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("content, message", [
    (header(0x08, ())[:3] + b"\x00", "declares 0 dimensions"),
    (bytes([0, 0, 0x08, 255]) + bytes(4 * 255), "declares 255 dimensions; an IDX file has 1 to 32"),
    (header(0x08, (1,) * 33) + b"\x07", "declares 33 dimensions"),
    (bytes([0, 0, 0x08, 3]) + struct.pack(">I", 5), "truncated header: 3 dimensions need 16 bytes, .* has 8"),
    (bytes([0, 0, 0x08, 20]) + bytes(12), "truncated header: 20 dimensions need 84 bytes, .* has 16"),
    (bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 9]), "unknown IDX type code 0x0A"),
    (bytes([0, 1, 0x08, 1, 0, 0, 0, 1, 9]), "not an IDX file"),
    (b"", "not an IDX file"),
])
def test_malformed_headers_raise_idx_error_naming_file_and_problem(tmp_path, content, message, compress):
    path = tmp_path / "bad.idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(IDXError, match=f"bad.idx: .*{message}"):
        data.load_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_every_truncation_is_an_idx_error(tmp_path, compress):
    content = idx_bytes(SAMPLE)
    content = gzip.compress(content) if compress else content
    path = tmp_path / "cut.idx"
    for length in range(len(content)):
        path.write_bytes(content[:length])
        with pytest.raises(IDXError, match="cut.idx: "):
            data.load_idx(path)


def test_concatenated_gzip_members_read_as_one_stream_and_trailing_data_is_refused(tmp_path):
    content, path = idx_bytes(SAMPLE), tmp_path / "a.idx.gz"
    path.write_bytes(gzip.compress(content[:7]) + gzip.compress(content[7:30]) + gzip.compress(content[30:]))
    np.testing.assert_array_equal(data.load_idx(path), SAMPLE)
    path.write_bytes(gzip.compress(content) + gzip.compress(b"\x01"))
    with pytest.raises(IDXError, match=r"has trailing bytes: shape \(3, 4, 5\) of uint8 needs 76 bytes"):
        data.load_idx(path)


@settings(max_examples=150)
@given(position=st.integers(0, 10**6), value=st.integers(0, 255), compress=st.booleans())
def test_a_changed_byte_gives_the_array_or_an_idx_error(tmp_path_factory, position, value, compress):
    content = idx_bytes(SAMPLE.astype(np.int16), 0x0B)
    content = bytearray(gzip.compress(content) if compress else content)
    content[position % len(content)] = value
    path = tmp_path_factory.mktemp("flip") / "f.idx"
    path.write_bytes(content)
    try:
        loaded = data.load_idx(path)
    except IDXError as exc:
        assert str(exc).startswith(f"{path}: ")
    else:
        assert loaded.dtype.isnative and loaded.size * loaded.itemsize <= len(content) * idx.MAX_GZIP_EXPANSION


@pytest.mark.parametrize("n_train, n_test, bad", [(0, 4, "train-images"), (6, 0, "t10k-images")])
def test_an_empty_split_is_an_idx_error(tmp_path, n_train, n_test, bad):
    write_mnist_like(tmp_path, n_train=n_train, n_test=n_test)
    with pytest.raises(IDXError, match=f"{bad}-idx3-ubyte.gz: holds no images .*needs at least one"):
        data.fashion_mnist(root=tmp_path)


@pytest.mark.parametrize("labels", [np.array([0.0, 1, 2, 3], np.float32), np.array([0, -1, 2, 3], np.int8)])
def test_labels_that_are_not_class_indices_are_an_idx_error(tmp_path, labels):
    write_mnist_like(tmp_path, n_test=4)
    code = {np.float32: 0x0D, np.int8: 0x09}[labels.dtype.type]
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels, code)))
    with pytest.raises(IDXError, match=f"t10k-labels-idx1-ubyte.gz: expected class labels .*got {labels.dtype}"):
        data.mnist(root=tmp_path)
