"""Whether ops record the graph, and whether they check for NaN/Inf: switches of the current thread.

`no_grad()` switches recording off (inference, optimizer updates) for the thread that enters it and for no
other, as in PyTorch: one thread evaluating a model never stops another from training one. Each switch is a
context variable, so every thread (and every asyncio task) sees its own value, starting from the default.
"""
import contextvars
import functools
import threading

grad_enabled = contextvars.ContextVar("grad_enabled", default=True)
anomaly_enabled = contextvars.ContextVar("anomaly_enabled", default=False)
grads_retained = contextvars.ContextVar("grads_retained", default=False)


def is_grad_enabled():
    return grad_enabled.get()


class _SetMode:
    """Context manager and decorator that sets one switch for the current thread and restores it on exit."""
    def __init__(self, switch, value):
        self.switch, self.value = switch, value
        self.entered = threading.local()  # one stack of restore tokens per thread that enters this object

    def __enter__(self):
        self.entered.__dict__.setdefault("tokens", []).append(self.switch.set(self.value))
        return self

    def __exit__(self, *exc_info):
        self.switch.reset(self.entered.tokens.pop())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _SetMode(self.switch, self.value):
                return fn(*args, **kwargs)
        return wrapper


def no_grad():
    """`with no_grad():` (or `@no_grad()`): ops inside build no graph, results do not require grad."""
    return _SetMode(grad_enabled, False)


def enable_grad():
    """Switch graph recording back on inside a `no_grad` block."""
    return _SetMode(grad_enabled, True)


def detect_anomaly():
    """`with detect_anomaly():` the first op whose forward or backward produces NaN/Inf raises, naming the op
    and where it sits in the graph. Off by default because checking every result costs a pass over it."""
    return _SetMode(anomaly_enabled, True)


def retain_grads():
    """`with retain_grads(): loss.backward()` keeps ∂loss/∂node in .grad of every node, not only the leaves, and
    keeps the graph (as retain_graph=True), so draw() and explore() can show the whole backward pass afterwards."""
    return _SetMode(grads_retained, True)
