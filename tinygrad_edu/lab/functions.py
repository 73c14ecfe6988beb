"""Test functions for the optimizer playground: the lectures' two examples plus the classic hard cases.

Each function takes one Tensor p whose first axis holds the coordinates (p[0] = x, p[1] = y) and is written
with Tensor ops, so autograd differentiates it. The same code evaluates a whole grid at once: pass a
tensor of shape (2, rows, cols) and get the (rows, cols) surface for a contour plot.
"""
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from .choices import choose


@dataclass(frozen=True)
class TestFunction:
    """A function to minimise, with what a learner needs to run and draw it.

    minimum: the minimiser (None when there is none, as for the saddle); start: the default start point;
    window: ((x_low, x_high),) or ((x_low, x_high), (y_low, y_high)), the region to plot.
    """
    __test__ = False  # not a pytest test class, despite the name

    name: str
    formula: str
    fn: Callable
    start: Tuple[float, ...]
    window: Tuple[Tuple[float, float], ...]
    minimum: Optional[Tuple[float, ...]] = None

    @property
    def dim(self):
        return len(self.start)

    def __call__(self, p):
        return self.fn(p)


def quartic(p):
    """f(x) = x⁴ + x + 2 (lecture, 1-D): f′(x) = 4x³ + 1, minimum at x* = −2^(−2/3) ≈ −0.62996."""
    x = p[0]
    return x ** 4 + x + 2


def quadratic(p):
    """f(x) = 0.06x₁² + 0.25x₂² − 0.04x₁x₂ (lecture, 2-D): an elongated bowl with its minimum at 0."""
    x1, x2 = p[0], p[1]
    return 0.06 * x1 ** 2 + 0.25 * x2 ** 2 - 0.04 * x1 * x2


def rosenbrock(p):
    """f(x, y) = (1 − x)² + 100(y − x²)²: a curved, flat-bottomed valley; minimum 0 at (1, 1)."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def beale(p):
    """f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²: minimum 0 at (3, 0.5)."""
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def saddle(p):
    """f(x, y) = x² − y²: the gradient vanishes at 0, which is a minimum along x and a maximum along y."""
    x, y = p[0], p[1]
    return x ** 2 - y ** 2


def ravine(p):
    """f(x, y) = 0.1x² + 10y²: curvature 100 times larger across the ravine than along it; minimum at 0."""
    x, y = p[0], p[1]
    return 0.1 * x ** 2 + 10 * y ** 2


FUNCTIONS = {test.name: test for test in [
    TestFunction("quartic", "x⁴ + x + 2", quartic, start=(1.0,), window=((-1.5, 1.5),),
                 minimum=(-2 ** (-2 / 3),)),
    TestFunction("quadratic", "0.06x₁² + 0.25x₂² − 0.04x₁x₂", quadratic, start=(-5.0, -7.5),
                 window=((-8.0, 8.0), (-8.0, 8.0)), minimum=(0.0, 0.0)),
    TestFunction("rosenbrock", "(1 − x)² + 100(y − x²)²", rosenbrock, start=(-1.5, 2.0),
                 window=((-2.0, 2.0), (-1.0, 3.0)), minimum=(1.0, 1.0)),
    TestFunction("beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", beale, start=(1.0, 1.5),
                 window=((-4.5, 4.5), (-4.5, 4.5)), minimum=(3.0, 0.5)),
    TestFunction("saddle", "x² − y²", saddle, start=(-1.5, 0.01), window=((-2.0, 2.0), (-2.0, 2.0))),
    TestFunction("ravine", "0.1x² + 10y²", ravine, start=(-9.0, 1.0), window=((-10.0, 10.0), (-2.0, 2.0)),
                 minimum=(0.0, 0.0)),
]}


def get_function(function):
    """A TestFunction by name (case-insensitive), or `function` itself if it already is one."""
    if isinstance(function, TestFunction):
        return function
    return choose("test function", function, FUNCTIONS)
