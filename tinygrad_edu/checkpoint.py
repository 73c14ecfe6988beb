"""Checkpoints: nested state (model and optimizer state dicts, epoch, ...) in one `.npz` file.

Layout. Every array in the state becomes one npz entry named by its path of keys joined with "/"
(`model/0.weight`, `optimizer/state/0/exp_avg`, ...), so `np.load(path).files` shows what is inside.
The structure itself is one more entry, `__checkpoint__`: a JSON string in which dicts are lists of
[key, value] pairs (so int keys stay ints), tuples are marked, numbers/strings/bools/None are stored
inline and each array is a reference {"array": "<entry name>"}. Keys are only ever data, never keyword
arguments, so any str or int key is stored (`file` and `allow_pickle` too). Nothing is pickled.

Safety. `save` writes to a temporary file in the target's directory, flushes it to disk, then renames it over
the target (`os.replace` is atomic): a crash mid-save leaves the previous checkpoint intact, and the temporary
file is removed on any failure, Ctrl-C included. A new file gets the mode `open(path, "w")` would give it
(0o666 minus the umask), a re-saved one keeps its mode, and a symlink is written through: its target is
replaced, the link stays.

Limits. `load` refuses anything malformed with a `CheckpointError` naming the file and the problem, and
checks before allocating: entries must be stored uncompressed (as `save` writes them), every entry's
declared size must fit in the bytes the file really has (all entries together too), and the structure may
nest at most `MAX_DEPTH` containers deep (so a hostile header cannot exhaust the stack).
"""
import contextlib
import errno
import itertools
import json
import math
import os
import re
import secrets
import stat
import zipfile

import numpy as np

from . import safetensors_file
from .errors import TinygradEduError
from .tensor import Tensor

FORMAT = "tinygrad_edu.checkpoint"
VERSION = 1
MAX_DEPTH = 64
"""Containers (dicts, lists, tuples) a state may nest; real ones nest about five deep."""
_STRUCTURE_ENTRY = "__checkpoint__"
# the header JSON nests {"tree": ...}, then {"dict": [[key, value], ...]} (3 levels) per container, then
# {"array": name} at the bottom
_MAX_JSON_DEPTH = 1 + 3 * MAX_DEPTH + 1
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_ZIP_MAGIC, _NPY_MAGIC = b"PK", b"\x93NUMPY"
_NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
_NUMERIC_KINDS = "biufc"


class CheckpointError(TinygradEduError, ValueError):
    """A file that is not a readable tinygrad_edu checkpoint, or a state that cannot be stored in one."""


# ---- state <-> header tree ---------------------------------------------------------------------------------------
def _encode(value, path, arrays):
    """The JSON-able skeleton of `value`; arrays are moved into `arrays` under their path name."""
    where = "/".join(path) or "top level"
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise CheckpointError(f"cannot store {where}: arrays of dtype {value.dtype} are not supported")
        name = _entry_name(path)
        while name in arrays or name == _STRUCTURE_ENTRY:  # keys containing "/" could collide
            name += "~"
        arrays[name] = np.asarray(value)
        return {"array": name}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dict, list, tuple)) and len(path) >= MAX_DEPTH:
        raise CheckpointError(f"cannot store {where}: nested deeper than {MAX_DEPTH} containers "
                              "(does a container hold itself?)")
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise CheckpointError(f"cannot store dict key {key!r} at {where}: keys must be str or int")
        return {"dict": [[key, _encode(item, path + [str(key)], arrays)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_encode(item, path + [str(i)], arrays) for i, item in enumerate(value)]
        return {"tuple": items} if isinstance(value, tuple) else items
    raise CheckpointError(f"cannot store {type(value).__name__} at {where}: "
                          "a checkpoint holds dicts, lists, tuples, arrays/Tensors, numbers, strings, bools and None")


def _entry_name(path):
    """The archive entry of the array at `path`: its keys joined by "/", spelled so a zip can hold the name
    (zip names end at a NUL byte and are UTF-8)."""
    name = "/".join(path) or "value"
    return name.replace("\0", "\\0").encode("utf-8", "backslashreplace").decode("utf-8")


def _decode(node, read_array):
    """The value a header node describes; `read_array(name)` gives the array of an entry."""
    if isinstance(node, list):
        return [_decode(item, read_array) for item in node]
    if not isinstance(node, dict):
        return node
    kind, content = next(iter(node.items())) if len(node) == 1 else (None, None)
    if kind == "array" and isinstance(content, str):
        return read_array(content)
    if kind == "tuple" and isinstance(content, list):
        return tuple(_decode(item, read_array) for item in content)
    if kind == "dict" and isinstance(content, list) and all(map(_is_key_value_pair, content)):
        return {key: _decode(item, read_array) for key, item in content}
    raise CheckpointError(f"malformed structure node {json.dumps(node)[:80]} (expected {{'array': name}}, "
                          "{'tuple': [...]} or {'dict': [[key, value], ...]})")


def _is_key_value_pair(pair):
    return (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
            and not isinstance(pair[0], bool))


# ---- writing -----------------------------------------------------------------------------------------------------
def save(state, path):
    """Write `state` (nested dicts/lists of arrays, Tensors and plain values) to `path` as an .npz, atomically; a path
    ending in .safetensors gets that format instead, which holds a flat state dict (see safetensors_file.py).

    The file gets the mode `open(path, "w")` would give it (0o666 & ~umask), or keeps its mode when it exists;
    through a symlink the link's target is written. Values that cannot be stored raise `CheckpointError`
    before anything is written; on any failure the temporary file is removed and the old file stays as it was.
    """
    if safetensors_file.is_safetensors_path(path):
        content = safetensors_file.to_bytes(state, CheckpointError)
        write_atomically(path, lambda file: file.write(content))
        return
    arrays = {}
    tree = _encode(state, [], arrays)
    header = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    write_atomically(path, lambda file: _write_archive(file, {_STRUCTURE_ENTRY: np.array(header), **arrays}))


def write_atomically(path, write):
    """Call write(file) on a temporary file beside `path`, flush it to disk, then rename it over `path`: readers see
    the old file or the whole new one, never a part (the ONNX export writes its files this way too)."""
    target = _target_file(path)
    fd, temporary = _create_beside(target)
    try:
        with open(fd, "wb") as file:
            _keep_mode(target, temporary)
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):  # already renamed to the target on success
            os.unlink(temporary)


def _target_file(path):
    """The file `save` replaces: `path` with every symlink followed, so a link keeps pointing at the new file."""
    target = os.path.realpath(os.fspath(path))
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "cannot save a checkpoint over a directory", os.fspath(path))
    return target


def _create_beside(target):
    """(fd, name) of a new file in the target's directory (so the final rename stays on one filesystem).

    Mode 0o666 is asked for and the kernel removes the umask's bits, as for any file `open(path, "w")` creates.
    """
    directory, base = os.path.split(target)
    while True:
        temporary = os.path.join(directory, f"{base}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:  # another save picked the same random name: draw again
            continue
        except OSError as exc:  # name the checkpoint, not the temporary file (OSError picks the subclass)
            raise OSError(exc.errno, f"cannot write a checkpoint there: {exc.strerror}", target) from None


def _keep_mode(target, temporary):
    """Give the new file the permission bits of the file it replaces, if there is one."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))


def _write_archive(file, entries):
    """A zip with one uncompressed `<name>.npy` per entry: the layout `np.savez` writes, with every name
    passed as data rather than as a keyword argument."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in entries.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


# ---- reading -----------------------------------------------------------------------------------------------------
class _ArrayReader:
    """Reads the archive's `.npy` entries one at a time, each at most once, within the file's real size.

    `budget` starts at the file's size in bytes and every entry read spends its size, so neither one entry
    nor many entries overlapping in a crafted archive can make `load` allocate more than the file holds.
    """

    def __init__(self, archive, file_size):
        self.archive, self.budget, self.arrays = archive, file_size, {}

    def __call__(self, name, kinds=_NUMERIC_KINDS):
        """The array of entry `name`, which must be of one of the dtype `kinds` (numbers, or "U" for text)."""
        if name not in self.arrays:
            self.arrays[name] = self._read(name)
        if self.arrays[name].dtype.kind not in kinds:
            raise CheckpointError(f"entry {name!r} holds {self.arrays[name].dtype}, expected kinds {kinds!r}")
        return self.arrays[name]

    def _read(self, name):
        info = self._entry(name)
        with self.archive.open(info) as member:
            shape, fortran_order, dtype = self._npy_header(name, member)
            if dtype.kind not in _NUMERIC_KINDS + "U":
                raise CheckpointError(f"entry {name!r} holds dtype {dtype}, not numbers or text"
                                      + (" (Python objects: checkpoints are read without pickle)"
                                         if dtype.hasobject else ""))
            size = math.prod(shape) * dtype.itemsize  # Python ints: no overflow whatever the header says
            if size != info.file_size - member.tell():
                raise CheckpointError(f"entry {name!r} declares {dtype} {shape} ({size:,} bytes) but holds "
                                      f"{info.file_size - member.tell():,} bytes of data")
            data = bytearray(size)
            if member.readinto(data) != size:
                raise CheckpointError(f"entry {name!r} is truncated")
        return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran_order else "C")

    def _entry(self, name):
        try:
            info = self.archive.getinfo(name + ".npy")
        except KeyError:
            raise CheckpointError(f"no entry {name!r} in the archive (entries: {self.archive.namelist()[:10]})"
                                  ) from None
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise CheckpointError(f"entry {name!r} is compressed or encrypted; save writes plain stored entries")
        if info.file_size > self.budget:
            raise CheckpointError(f"entry {name!r} declares {info.file_size:,} bytes, more than the file's "
                                  f"remaining {self.budget:,}: truncated or damaged")
        self.budget -= info.file_size
        return info

    @staticmethod
    def _npy_header(name, member):
        """(shape, fortran_order, dtype) from an .npy header (numpy >= 1.24 caps its length at 10 000 bytes)."""
        try:
            version = np.lib.format.read_magic(member)
            if version not in _NPY_HEADER_READERS:
                raise ValueError(f"format version {version}, expected one of {list(_NPY_HEADER_READERS)}")
            return _NPY_HEADER_READERS[version](member)
        except ValueError as exc:  # numpy's words for what is wrong: magic, length, dict, dtype
            raise CheckpointError(f"entry {name!r} has no readable .npy header: {exc}") from None


def _check_magic(start):
    """Refuse a file that is not a zip archive from its first bytes, saying what it looks like instead."""
    if start == _NPY_MAGIC:
        raise CheckpointError("not a checkpoint (a single .npy array, not an .npz archive)")
    if not start.startswith(_ZIP_MAGIC):
        raise CheckpointError("an empty file, not a checkpoint" if not start else
                              f"not a checkpoint: wrong magic {start!r} (an .npz is a zip archive, which starts "
                              f"with {_ZIP_MAGIC!r})")


def _read_header(read_array):
    """The checkpoint's header dict, its nesting checked before `json.loads` recurses into it."""
    entry = read_array(_STRUCTURE_ENTRY, kinds="U")
    if entry.shape != ():
        raise CheckpointError(f"the {_STRUCTURE_ENTRY!r} entry has shape {entry.shape}, expected one string")
    text = entry.item()
    depth = max(itertools.accumulate({"[": 1, "{": 1, "]": -1, "}": -1}.get(c, 0)
                                     for c in _JSON_STRING.sub('""', text)), default=0)
    if depth > _MAX_JSON_DEPTH:
        raise CheckpointError(f"the {_STRUCTURE_ENTRY!r} header nests {depth} levels deep; a checkpoint "
                              f"nests at most {_MAX_JSON_DEPTH} ({MAX_DEPTH} containers)")
    header = json.loads(text)
    if not isinstance(header, dict) or header.get("format") != FORMAT or "tree" not in header:
        raise CheckpointError(f"the {_STRUCTURE_ENTRY!r} entry is not a tinygrad_edu checkpoint header")
    if header.get("version") != VERSION:
        raise CheckpointError(f"checkpoint format version {header.get('version')} is not supported "
                              f"(this tinygrad_edu reads version {VERSION})")
    return header


def _read(path):
    with open(path, "rb") as file:
        _check_magic(file.read(len(_NPY_MAGIC)))
        file.seek(0)
        try:
            archive = zipfile.ZipFile(file)
        except zipfile.BadZipFile as exc:
            raise CheckpointError(f"not a complete zip archive, truncated or damaged ({exc})") from None
        with archive:
            read_array = _ArrayReader(archive, os.fstat(file.fileno()).st_size)
            return _decode(_read_header(read_array)["tree"], read_array)


def load(path):
    """Read a checkpoint written by `save`: the same structure, with arrays as numpy arrays.

    Raises `CheckpointError` ("<path>: <problem>") for any file that is not a well-formed checkpoint, before
    allocating more memory than the file's size; a missing file is a `FileNotFoundError`.
    """
    path = os.fspath(path)
    if safetensors_file.is_safetensors_path(path):
        with open(path, "rb") as file:
            return safetensors_file.from_bytes(file.read(), path, CheckpointError)
    try:
        return _read(path)
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (OSError, ValueError, EOFError, NotImplementedError, zipfile.BadZipFile) as exc:
        # zipfile reports a bad CRC as BadZipFile, a cut-off entry as EOFError, an unknown zip version as
        # NotImplementedError; json a damaged header as ValueError
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc}); "
                              "expected an .npz written by tinygrad_edu.save") from exc
