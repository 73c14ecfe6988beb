"""Whether ops record the graph, and whether they check for NaN/Inf: switches that hold per thread.

`no_grad()` switches recording off (inference, optimizer updates) for the thread that enters it and for no
other, as in PyTorch: one thread evaluating a model never stops another from training one.
"""
import functools
import threading


class _ThreadModes(threading.local):
    """Each thread starts with these class values and changes only its own copy."""

    grad_enabled = True
    detect_anomaly = False


modes = _ThreadModes()


def is_grad_enabled():
    return modes.grad_enabled


def is_anomaly_enabled():
    return modes.detect_anomaly


class _SetMode:
    """Context manager and decorator that sets one mode of the current thread and restores it afterwards."""

    def __init__(self, name, value):
        self.name, self.value = name, value
        self.previous = threading.local()  # a stack per thread, so one instance may be entered from several

    def __enter__(self):
        stack = self.previous.__dict__.setdefault("stack", [])
        stack.append(getattr(modes, self.name))
        setattr(modes, self.name, self.value)
        return self

    def __exit__(self, *exc_info):
        setattr(modes, self.name, self.previous.stack.pop())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _SetMode(self.name, self.value):
                return fn(*args, **kwargs)
        return wrapper


def no_grad():
    """`with no_grad():` (or `@no_grad()`): ops inside build no graph, results do not require grad."""
    return _SetMode("grad_enabled", False)


def enable_grad():
    """Switch graph recording back on inside a `no_grad` block."""
    return _SetMode("grad_enabled", True)


def detect_anomaly():
    """`with detect_anomaly():` the first op whose forward or backward produces NaN/Inf raises, naming the op
    and where it sits in the graph. Off by default because checking every result costs a pass over it."""
    return _SetMode("detect_anomaly", True)
