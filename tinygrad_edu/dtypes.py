"""The dtypes tensors hold, and their names: numpy dtypes, so a tensor's .dtype is its array's."""
import numpy as np

from .errors import DTypeError

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)

_DTYPE_NAMES = {"float32": float32, "float": float32, "float64": float64, "double": float64,
                "int64": int64, "long": int64, "int32": int32, "int": int64, "bool": bool_}


def as_dtype(dtype):
    """Normalise "float32", np.float32, tinygrad_edu.float32, ... to a numpy dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, str):
        if dtype not in _DTYPE_NAMES:
            raise DTypeError(f"unknown dtype {dtype!r}; use one of {sorted(_DTYPE_NAMES)}")
        return _DTYPE_NAMES[dtype]
    try:
        return np.dtype(dtype)
    except TypeError as exc:
        raise DTypeError(f"unknown dtype {dtype!r}") from exc


def is_float(dtype):
    return dtype.kind == "f"
