"""Optimizers on the classic hard 2-D functions: the curved Rosenbrock valley, a narrow ravine and a saddle.

Each panel figure shows the paths over the contour and the loss per step. What to look for:
- Rosenbrock: plain gradient descent needs a small rate (the valley walls are steep) and then crawls
  along the flat valley floor; momentum builds up speed along it; Newton's method, which rescales the
  step by the curvature, gets there in a handful of steps.
- ravine (curvature 100× larger across than along): gradient descent zig-zags across or, with a rate
  small enough not to, barely moves along; momentum averages the zig-zag out; Adam rescales each axis.
- saddle x² − y²: from a point just off the ridge, methods differ in how fast they leave the flat saddle.

    python examples/optimizer_playground.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

from tinygrad_edu import lab

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

SETUPS = {
    "rosenbrock": ["gd:lr=0.001", "momentum:lr=0.002", "adam:lr=0.2", "newton:damping=1.0"],
    "ravine": ["gd:lr=0.09", "gd:lr=0.01", "momentum:lr=0.01", "adam:lr=0.5"],
    "saddle": ["gd:lr=0.05", "momentum:lr=0.05", "adam:lr=0.05"],
}
for function, optimizers in SETUPS.items():
    result = lab.playground(optimizers, function=function, steps=100)
    print(f"{function}: f = {result.function.formula}, start {result.function.start}, 100 steps")
    print(result.summary(), end="\n\n")
    lab.save_figure(result.plot, figures / f"playground_{function}.png")
