"""Checkpoints: nested state (model and optimizer state dicts, epoch, ...) in one `.npz` file.

Layout. Every array in the state becomes one npz entry named by its path of keys joined with "/"
(`model/0.weight`, `optimizer/state/0/exp_avg`, ...), so `np.load(path).files` shows what is inside.
The structure itself is one more entry, `__checkpoint__`: a JSON string in which dicts are lists of
[key, value] pairs (so int keys stay ints), tuples are marked, numbers/strings/bools/None are stored
inline and each array is a reference {"array": "<entry name>"}. Nothing is pickled, and the file is
read back with `allow_pickle=False`.

Safety. `save` writes to a temporary file in the same directory, flushes it to disk, then renames it over
the target (`os.replace` is atomic): a crash mid-save leaves the previous checkpoint intact.
"""
import json
import os
import tempfile
import zipfile

import numpy as np

from .errors import TinygradEduError
from .tensor import Tensor

FORMAT = "tinygrad_edu.checkpoint"
VERSION = 1
_STRUCTURE_ENTRY = "__checkpoint__"


class CheckpointError(TinygradEduError, ValueError):
    """A file that is not a readable tinygrad_edu checkpoint, or a state that cannot be stored in one."""


def _encode(value, path, arrays):
    """The JSON-able skeleton of `value`; arrays are moved into `arrays` under their path name."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "biufc":
            raise CheckpointError(f"cannot store {'/'.join(path)}: arrays of dtype {value.dtype} are not supported")
        name = "/".join(path) or "value"
        while name in arrays or name == _STRUCTURE_ENTRY:  # keys containing "/" could collide
            name += "~"
        arrays[name] = np.asarray(value)
        return {"array": name}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise CheckpointError(f"cannot store dict key {key!r} at {'/'.join(path) or 'top level'}: "
                                      "keys must be str or int")
        return {"dict": [[key, _encode(item, path + [str(key)], arrays)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_encode(item, path + [str(i)], arrays) for i, item in enumerate(value)]
        return {"tuple": items} if isinstance(value, tuple) else items
    raise CheckpointError(f"cannot store {type(value).__name__} at {'/'.join(path) or 'top level'}: "
                          "a checkpoint holds dicts, lists, tuples, arrays/Tensors, numbers, strings, bools and None")


def _decode(node, arrays):
    if isinstance(node, list):
        return [_decode(item, arrays) for item in node]
    if isinstance(node, dict):
        if "array" in node:
            return arrays[node["array"]]
        if "tuple" in node:
            return tuple(_decode(item, arrays) for item in node["tuple"])
        return {key: _decode(item, arrays) for key, item in node["dict"]}
    return node


def save(state, path):
    """Write `state` (nested dicts/lists of arrays, Tensors and plain values) to `path` as an .npz, atomically."""
    arrays = {}
    tree = _encode(state, [], arrays)
    header = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{_STRUCTURE_ENTRY: np.array(header)}, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        os.unlink(tmp_path)
        raise


def _read(path):
    npz = np.load(path, allow_pickle=False)
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{path}: not a checkpoint (a single .npy array, not an .npz archive)")
    with npz:
        if _STRUCTURE_ENTRY not in npz.files:
            raise CheckpointError(f"{path}: an .npz archive but not a tinygrad_edu checkpoint "
                                  f"(no {_STRUCTURE_ENTRY!r} entry; entries: {npz.files[:10]})")
        header = json.loads(str(npz[_STRUCTURE_ENTRY]))
        arrays = {name: npz[name] for name in npz.files if name != _STRUCTURE_ENTRY}
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"{path}: the {_STRUCTURE_ENTRY!r} entry is not a tinygrad_edu checkpoint header")
    if header.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {header.get('version')} is not supported "
                              f"(this tinygrad_edu reads version {VERSION})")
    return _decode(header["tree"], arrays)


def load(path):
    """Read a checkpoint written by `save`: the same structure, with arrays as numpy arrays."""
    path = os.fspath(path)
    try:
        return _read(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError, CheckpointError):
        raise
    except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        # np.load reports garbage as ValueError/OSError, a cut-off archive as BadZipFile/EOFError,
        # a pickled (object) array as ValueError; a damaged header as JSON/Key/TypeError
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc}); "
                              "expected an .npz written by tinygrad_edu.save") from exc
