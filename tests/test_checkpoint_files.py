"""Checkpoint files: any key round-trips, every malformed or hostile file is a CheckpointError naming the file
(within a memory cap, without deep recursion), and saving respects the umask, existing modes and symlinks
and leaves no temporary file behind on any failure."""
import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from memory_limit import outcomes_under_cap

from tinygrad_edu import checkpoint
from tinygrad_edu.checkpoint import MAX_DEPTH, CheckpointError

ODD_KEYS = ["allow_pickle", "file", "args", "kwds", "__checkpoint__", "a.npy", "a", "", "a~", "x\0y", "\udc80",
            "ünïcode ✓", "[[[{{", 'quote " [[', "back\\slash", 0, -3, 2**70]


def small_state():
    return {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "step": 3, "betas": (0.9, 0.999)}


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npy_declaring(shape, dtype, data):
    """An .npy whose header declares `shape` and `dtype`, followed by `data` whatever its size."""
    buffer = io.BytesIO()
    descr = np.lib.format.dtype_to_descr(np.dtype(dtype))
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


def header_bytes(tree, version=checkpoint.VERSION):
    return npy_bytes(np.array(json.dumps({"format": checkpoint.FORMAT, "version": version, "tree": tree})))


def write_entries(path, entries, compression=zipfile.ZIP_STORED):
    """An .npz holding the given bytes as `<name>.npy` entries: the files `save` would never write."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name + ".npy", content)


def assert_same_state(loaded, expected):
    assert type(loaded) is type(expected) or isinstance(expected, np.ndarray)
    if isinstance(expected, dict):
        assert list(loaded) == list(expected)
        for key in expected:
            assert_same_state(loaded[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(loaded) == len(expected)
        for a, b in zip(loaded, expected):
            assert_same_state(a, b)
    else:
        np.testing.assert_array_equal(loaded, expected)


# ---- any key, any depth up to the limit --------------------------------------------------------------------
def test_any_str_or_int_key_round_trips_and_the_file_stays_a_plain_npz(tmp_path):
    state = {key: np.full(2, i) for i, key in enumerate(ODD_KEYS)}
    state["nested"] = {"a/b": np.zeros(1), "a": {"b": np.ones(1)}}  # both would be entry "nested/a/b"
    checkpoint.save(state, tmp_path / "keys.npz")
    assert_same_state(checkpoint.load(tmp_path / "keys.npz"), state)
    with np.load(tmp_path / "keys.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["allow_pickle"], state["allow_pickle"])
        np.testing.assert_array_equal(npz["file"], state["file"])


@pytest.mark.parametrize("array", [
    np.float32(2.5), np.array(7, np.int8), np.zeros((0, 3)), np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    np.arange(20, dtype=np.int16)[::3], np.array([1 + 2j, -1j], np.complex64), np.array([[True], [False]]),
    np.arange(24, dtype=np.uint64).reshape(2, 3, 4).transpose(2, 0, 1), np.array([np.nan, -np.inf, 0.0]),
])
def test_arrays_of_every_numeric_kind_layout_and_shape_round_trip(tmp_path, array):
    checkpoint.save({"a": array}, tmp_path / "a.npz")
    loaded = checkpoint.load(tmp_path / "a.npz")["a"]
    assert loaded.dtype == array.dtype and loaded.shape == np.shape(array) and loaded.flags.writeable
    np.testing.assert_array_equal(loaded, array)


def nested(depth, leaf, kinds=(dict,)):
    """`leaf` inside `depth` containers, cycling through `kinds`."""
    for level in range(depth):
        kind = kinds[level % len(kinds)]
        leaf = {f"level{level}": leaf} if kind is dict else kind([leaf])
    return leaf


@pytest.mark.parametrize("kinds", [(dict,), (list,), (tuple,), (dict, list, tuple)])
def test_states_nested_up_to_max_depth_round_trip_and_deeper_ones_are_refused_before_writing(tmp_path, kinds):
    state = nested(MAX_DEPTH, np.arange(3), kinds)
    checkpoint.save(state, tmp_path / "deep.npz")
    assert_same_state(checkpoint.load(tmp_path / "deep.npz"), state)
    with pytest.raises(CheckpointError, match=f"nested deeper than {MAX_DEPTH} containers"):
        checkpoint.save(nested(MAX_DEPTH + 1, np.arange(3), kinds), tmp_path / "deeper.npz")
    assert os.listdir(tmp_path) == ["deep.npz"]


def test_a_container_that_holds_itself_is_refused(tmp_path):
    loop = []
    loop.append(loop)
    with pytest.raises(CheckpointError, match="does a container hold itself"):
        checkpoint.save({"loop": loop}, tmp_path / "loop.npz")


# ---- malformed and hostile files -----------------------------------------------------------------------------------
def test_every_truncation_is_a_checkpoint_error_naming_the_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    checkpoint.save(small_state(), path)
    content = path.read_bytes()
    for length in range(len(content)):
        path.write_bytes(content[:length])
        with pytest.raises(CheckpointError, match=f"^{path}: "):
            checkpoint.load(path)


@settings(max_examples=300)
@given(position=st.integers(0, 10**6), value=st.integers(0, 255))
def test_a_changed_byte_gives_the_same_state_or_a_checkpoint_error(tmp_path_factory, position, value):
    path = tmp_path_factory.mktemp("flip") / "ckpt.npz"
    checkpoint.save(small_state(), path)
    content = bytearray(path.read_bytes())
    content[position % len(content)] = value
    path.write_bytes(content)
    try:
        loaded = checkpoint.load(path)
    except CheckpointError as exc:
        assert str(exc).startswith(f"{path}: ")
    else:  # the byte was in metadata that does not matter (a timestamp, a field the central directory repeats)
        assert_same_state(loaded, small_state())


def json_nested(depth):
    return json.dumps({"format": checkpoint.FORMAT, "version": 1, "tree": "TREE"}).replace('"TREE"', "[" * depth + "]" * depth)


def npy_header_nested(depth):
    """An .npy (format 2.0) whose header dict nests `depth` lists deep."""
    text = ("{'descr': '<f8', 'fortran_order': False, 'shape': " + "[" * depth + "]" * depth + "}\n").encode()
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(text)) + text


def central_size_patched(path, size):
    """A copy of the archive at `path` whose central directory declares `size` bytes for every entry."""
    content = bytearray(path.read_bytes())
    start = content.find(b"PK\x01\x02")
    while start != -1:
        content[start + 24:start + 28] = struct.pack("<I", size)  # the record's uncompressed size
        start = content.find(b"PK\x01\x02", start + 4)
    return bytes(content)


HOSTILE = {
    "json_nested_100000": lambda p: write_entries(p, {"__checkpoint__": npy_bytes(np.array(json_nested(100_000)))}),
    "npy_header_nested_100000": lambda p: write_entries(p, {"__checkpoint__": header_bytes({"array": "w"}),
                                                            "w": npy_header_nested(100_000)}),
    "npy_header_nested_3000": lambda p: write_entries(p, {"__checkpoint__": header_bytes({"array": "w"}),
                                                          "w": npy_header_nested(3000)}),
    "declares_29.8_GiB": lambda p: write_entries(p, {"__checkpoint__": header_bytes({"array": "w"}),
                                                     "w": npy_declaring((100_000, 80_000), np.float32, bytes(64))}),
    "zip_declares_2_GiB": lambda p: p.write_bytes(central_size_patched(
        (write_entries(p, {"__checkpoint__": header_bytes({"array": "w"}), "w": npy_bytes(np.ones(4))}), p)[1],
        2**31 - 1)),
}


@pytest.mark.parametrize("name, message", [
    ("json_nested_100000", f"the '__checkpoint__' header nests 100001 levels deep; .*{MAX_DEPTH} containers"),
    ("npy_header_nested_100000", "entry 'w' has no readable .npy header: Header info length .* is large"),
    ("npy_header_nested_3000", "entry 'w' has no readable .npy header"),
    ("declares_29.8_GiB", r"entry 'w' declares float32 \(100000, 80000\) \(32,000,000,000 bytes\) but holds 64"),
    ("zip_declares_2_GiB", "entry '__checkpoint__' declares 2,147,483,647 bytes, more than the file's remaining"),
])
def test_hostile_headers_and_sizes_are_refused_before_recursing_or_allocating(tmp_path, name, message):
    path = tmp_path / f"{name}.npz"
    HOSTILE[name](path)
    with pytest.raises(CheckpointError, match=f"{name}.npz: {message}"):
        checkpoint.load(path)


def test_hostile_files_are_refused_within_a_memory_cap(tmp_path):
    paths = [tmp_path / f"{name}.npz" for name in HOSTILE]
    for name, path in zip(HOSTILE, paths):
        HOSTILE[name](path)
    assert outcomes_under_cap("tinygrad_edu.checkpoint.load", paths) == {str(p): "CheckpointError" for p in paths}


@pytest.mark.parametrize("tree, message", [
    ({"array": 5}, "malformed structure node"),
    ({"dict": [[1]]}, "malformed structure node"),
    ({"dict": [[True, 1]]}, "malformed structure node"),
    ({"tuple": 3}, "malformed structure node"),
    ({"array": "w", "tuple": []}, "malformed structure node"),
    ({"array": "missing"}, "no entry 'missing' in the archive"),
    ({"array": "__checkpoint__"}, "entry '__checkpoint__' holds <U.*expected kinds 'biufc'"),
])
def test_malformed_structures_are_checkpoint_errors(tmp_path, tree, message):
    path = tmp_path / "tree.npz"
    write_entries(path, {"__checkpoint__": header_bytes(tree), "w": npy_bytes(np.ones(2))})
    with pytest.raises(CheckpointError, match=f"tree.npz: {message}"):
        checkpoint.load(path)


@pytest.mark.parametrize("entries, message", [
    ({"__checkpoint__": header_bytes({"array": "w"}, version=2)}, "format version 2 is not supported"),
    ({"__checkpoint__": npy_bytes(np.ones(3))}, "entry '__checkpoint__' holds float64, expected kinds 'U'"),
    ({"__checkpoint__": npy_bytes(np.array(["a", "b"]))}, "has shape \\(2,\\), expected one string"),
    ({"__checkpoint__": npy_bytes(np.array("[1, 2]"))}, "not a tinygrad_edu checkpoint header"),
    ({"__checkpoint__": b"\x93NUMPY\x07\x00 later"}, "no readable .npy header: .*format version \\(7, 0\\)"),
    ({"__checkpoint__": b"PK not numpy"}, "no readable .npy header"),
    ({"__checkpoint__": header_bytes({"array": "w"}), "w": npy_bytes(np.ones(3))[:-1]}, "but holds 23 bytes"),
    ({"__checkpoint__": header_bytes({"array": "w"}), "w": npy_bytes(np.array([b"ab"]))}, "holds dtype \\|S2"),
])
def test_malformed_entries_are_checkpoint_errors(tmp_path, entries, message):
    path = tmp_path / "entries.npz"
    write_entries(path, entries)
    with pytest.raises(CheckpointError, match=f"entries.npz: .*{message}"):
        checkpoint.load(path)


def test_compressed_entries_are_refused(tmp_path):
    path = tmp_path / "compressed.npz"
    write_entries(path, {"__checkpoint__": header_bytes({"array": "w"}), "w": npy_bytes(np.ones(3))},
                  zipfile.ZIP_DEFLATED)
    with pytest.raises(CheckpointError, match="entry '__checkpoint__' is compressed or encrypted"):
        checkpoint.load(path)


@pytest.mark.parametrize("content, message", [(b"", "an empty file"), (b"\x89PNG\r\n\x1a\n", "not a checkpoint: wrong magic"),
                                              (b"PK\x03\x04", "not a complete zip archive")])
def test_files_of_other_kinds_are_named_as_such(tmp_path, content, message):
    path = tmp_path / "other.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=f"other.npz: {message}"):
        checkpoint.load(path)


# ---- how save writes -----------------------------------------------------------------------------------------------
@pytest.fixture
def umask():
    """Sets the process umask for one test (`umask(0o077)`), restoring the old one afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o027, 0o000])
def test_a_new_checkpoint_gets_the_mode_open_gives_under_the_umask(tmp_path, umask, mask):
    umask(mask)
    checkpoint.save(small_state(), tmp_path / "ckpt.npz")
    with open(tmp_path / "plain.txt", "w"):
        pass
    mode = os.stat(tmp_path / "ckpt.npz").st_mode & 0o7777
    assert mode == os.stat(tmp_path / "plain.txt").st_mode & 0o7777 == 0o666 & ~mask


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640, 0o604, 0o444])
def test_re_saving_keeps_the_existing_mode_whatever_the_umask(tmp_path, umask, mode):
    path = tmp_path / "ckpt.npz"
    checkpoint.save(small_state(), path)
    os.chmod(path, mode)
    umask(0o077)
    checkpoint.save({"step": 4}, path)
    assert os.stat(path).st_mode & 0o7777 == mode and checkpoint.load(path) == {"step": 4}


@pytest.mark.parametrize("hops", [1, 2])
def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path, hops):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "ckpt.npz"
    checkpoint.save({"step": 1}, target)
    link = target
    for hop in range(hops):
        (tmp_path / f"link{hop}.npz").symlink_to(os.path.relpath(link, tmp_path))
        link = tmp_path / f"link{hop}.npz"
    checkpoint.save({"step": 2}, link)
    assert link.is_symlink() and os.path.realpath(link) == str(target)
    assert checkpoint.load(target) == {"step": 2}
    assert sorted(os.listdir(tmp_path / "real")) == ["ckpt.npz"]
    assert sorted(os.listdir(tmp_path)) == sorted(["real"] + [f"link{hop}.npz" for hop in range(hops)])


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    (tmp_path / "link.npz").symlink_to("made.npz")
    checkpoint.save({"step": 1}, tmp_path / "link.npz")
    assert (tmp_path / "link.npz").is_symlink() and checkpoint.load(tmp_path / "made.npz") == {"step": 1}


def fail_with(exception):
    def fail(*args, **kwargs):
        raise exception
    return fail


@pytest.mark.parametrize("where", ["write_array", "fsync", "replace", "chmod"])
@pytest.mark.parametrize("exception", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_any_failure_during_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, where, exception):
    path = tmp_path / "ckpt.npz"
    checkpoint.save({"step": 1}, path)
    owner = np.lib.format if where == "write_array" else os
    monkeypatch.setattr(owner, where, fail_with(exception))
    with pytest.raises(type(exception)):
        checkpoint.save({"step": 2, "w": np.ones(1000)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.npz"] and checkpoint.load(path) == {"step": 1}


def test_saving_into_a_missing_directory_names_the_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cannot write a checkpoint there: .*'.*/absent/ckpt.npz'$"):
        checkpoint.save({"step": 1}, tmp_path / "absent" / "ckpt.npz")


def test_saving_over_a_directory_says_so_and_writes_nothing(tmp_path):
    (tmp_path / "runs").mkdir()
    with pytest.raises(IsADirectoryError, match="cannot save a checkpoint over a directory.*runs"):
        checkpoint.save({"step": 1}, tmp_path / "runs")
    assert os.listdir(tmp_path) == ["runs"] and not os.listdir(tmp_path / "runs")
