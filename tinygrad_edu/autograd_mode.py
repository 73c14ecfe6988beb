"""Whether ops record the graph: `no_grad()` switches recording off (inference, optimizer updates)."""
import functools


class _GradMode:
    enabled = True
    detect_anomaly = False


def is_grad_enabled():
    return _GradMode.enabled


class _SetGradEnabled:
    """Context manager and decorator that sets graph recording on or off and restores it afterwards."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.previous = []

    def __enter__(self):
        self.previous.append(_GradMode.enabled)
        _GradMode.enabled = self.enabled
        return self

    def __exit__(self, *exc_info):
        _GradMode.enabled = self.previous.pop()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _SetGradEnabled(self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def no_grad():
    """`with no_grad():` (or `@no_grad()`): ops inside build no graph, results do not require grad."""
    return _SetGradEnabled(False)


def enable_grad():
    """Switch graph recording back on inside a `no_grad` block."""
    return _SetGradEnabled(True)


class detect_anomaly:
    """`with detect_anomaly():` the first op whose forward or backward produces NaN/Inf raises, naming the op
    and where it sits in the graph. Off by default because checking every result costs a pass over it."""

    def __init__(self):
        self.previous = []

    def __enter__(self):
        self.previous.append(_GradMode.detect_anomaly)
        _GradMode.detect_anomaly = True
        return self

    def __exit__(self, *exc_info):
        _GradMode.detect_anomaly = self.previous.pop()
        return False
