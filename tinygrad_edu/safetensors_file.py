"""safetensors files: a flat {name: array} state dict in the format PyTorch and the Hugging Face tools read.

    tg.save(model.state_dict(), "model.safetensors")     # the suffix chooses the format
    model.load_state_dict(tg.load("model.safetensors"))

Names and shapes are the state dict's, which are PyTorch's, so `safetensors.torch.load_file` followed by
`torch_model.load_state_dict` puts the same weights into a PyTorch model. The format holds one flat dict of
arrays and nothing else: optimizer state, epochs and nested structure stay in `.npz`, the default. It needs the
optional `safetensors` package (`pip install "tinygrad_edu[safetensors]"`).
"""
import os

import numpy as np

from .tensor import Tensor

SUFFIX = ".safetensors"
_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


def is_safetensors_path(path):
    return os.fspath(path).endswith(SUFFIX)


def _numpy_api():
    try:
        import safetensors.numpy
    except ImportError as exc:
        raise ImportError("reading and writing .safetensors files needs the safetensors package: "
                          "pip install safetensors (or pip install 'tinygrad_edu[safetensors]')") from exc
    return safetensors.numpy


def to_bytes(state, error):
    """The file's bytes for a flat {str: Tensor or array} state; `error` (an exception class) names what does not fit."""
    if not isinstance(state, dict):
        raise error(f"a .safetensors file holds a flat dict of arrays (a state_dict), got {type(state).__name__}; "
                    f"save other state to .npz")
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise error(f"a .safetensors file names its arrays with strings, got the key {key!r}")
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            raise error(f"{key!r} is a {type(value).__name__}, but a .safetensors file holds only arrays "
                        f"(save nested state such as an optimizer's to .npz)")
        if array.dtype.name not in _DTYPES:
            raise error(f"{key!r} has dtype {array.dtype}, which .safetensors files do not hold")
        arrays[key] = np.ascontiguousarray(array)
    return _numpy_api().save(arrays)


def from_bytes(content, path, error):
    """{name: numpy array} from a file's bytes; a malformed file raises `error` naming it."""
    api = _numpy_api()
    try:
        return dict(api.load(content))
    except Exception as exc:  # the reader's own SafetensorError, and the numpy errors of inconsistent headers
        raise error(f"{os.fspath(path)} is not a readable .safetensors file: {exc}") from None
