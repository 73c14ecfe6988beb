"""Small named graphs to try the viz tools on."""
from ..creation import tensor


def lecture_example(x=1.0, y=2.0):
    """(x, y, f) for the lecture's f = x² + xy + (x + y)², every value named as on the slides.

    a = x², b = x·y, c = x + y, d = a + b, e = c², f = d + e;
    so ∂f/∂x = 2x + y + 2(x + y) and ∂f/∂y = x + 2(x + y).
    """
    x = tensor(x, dtype="float64", requires_grad=True, name="x")
    y = tensor(y, dtype="float64", requires_grad=True, name="y")
    a, b, c = x ** 2, x * y, x + y
    d, e = a + b, c ** 2
    f = d + e
    for value, name in [(a, "a"), (b, "b"), (c, "c"), (d, "d"), (e, "e"), (f, "f")]:
        value.name = name
    return x, y, f
