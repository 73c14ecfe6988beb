"""Finding where NaN/Inf first appears: used by the engine and by ops when detect_anomaly() is on."""
import numpy as np

from .errors import TinygradEduError


class AnomalyError(TinygradEduError, FloatingPointError):
    """An op produced NaN or Inf while detect_anomaly() was on."""


def describe(tensor):
    """One line placing a tensor in the graph: its name or the op that made it, its shape and dtype."""
    label = repr(tensor.name) if tensor.name else (type(tensor.op).__name__ + " output" if tensor.op else "leaf")
    return f"{label} {tuple(tensor.shape)} {tensor.dtype}"


def lineage(op):
    """The op and the ops (or leaves) it reads from, e.g. 'Log(Sub output (3,) float64, 'x' (3,) float64)'."""
    return f"{type(op).__name__}(" + ", ".join(describe(p) for p in op.parents) + ")"


def check_forward(op_class, inputs, out):
    if isinstance(out, np.ndarray) and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        where = "; ".join(describe(t) + (f" = {lineage(t.op)}" if t.op else "") for t in inputs)
        raise AnomalyError(f"{op_class.__name__} produced NaN/Inf in its forward pass; its inputs: {where}. "
                           f"Local rule: {op_class.rule()}")


def check_backward(node, parent, grad):
    if not np.all(np.isfinite(grad)):
        raise AnomalyError(f"{lineage(node.op)} sent a NaN/Inf gradient to {describe(parent)} in the backward "
                           f"pass (the output it was differentiating: {describe(node)}). "
                           f"Local rule: {type(node.op).rule()}")
