"""Gradient descent on the lecture's 2-D function f(x) = 0.06x₁² + 0.25x₂² − 0.04x₁x₂ from x⁽⁰⁾ = (−5, −7.5)
with γ = 0.5 and forward differences (h = 0.001), 40 iterations, as on the slides.

The minimum is x* = (0, 0). The contour is an ellipse about 4.3 times longer along x₁ than along x₂, so x₂
settles within a few steps while x₁ creeps: the slow direction decides how long gradient descent takes.

The rows agree with the slides in x₂ and in the last row's gradient (−0.06, −0.01). The slides' first row
(f = 14.12, ∂f/∂x₁ = −0.32) is not what the formula gives at (−5, −7.5): 0.06·25 + 0.25·56.25 − 0.04·37.5
= 14.0625 and ∂f/∂x₁ = 0.12·(−5) − 0.04·(−7.5) = −0.30, so this run ends at x₁ = −0.53 where the slides
show −0.45.

    python examples/gd_2d_quadratic.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

import numpy as np

from tinygrad_edu import lab

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

result = lab.playground([("gd", {"lr": 0.5})], function="quadratic", start=(-5.0, -7.5), steps=40,
                        derivative="forward", h=0.001)
print("gradient descent on f(x) = 0.06 x1^2 + 0.25 x2^2 - 0.04 x1 x2, gamma = 0.5, forward differences h = 0.001")
print(result.table(steps=[0, 1, 2, 3, 10, 20, 30, 40], digits=2), end="\n\n")

# The exact gradient is H·x with H = [[0.12, −0.04], [−0.04, 0.5]], so each step multiplies x by (I − γH):
# its eigenvalues say how fast each direction shrinks.
hessian = np.array([[0.12, -0.04], [-0.04, 0.5]])
rates = np.linalg.eigvalsh(np.eye(2) - 0.5 * hessian)
print(f"per-step contraction factors of (I - 0.5 H): {rates[0]:.3f} (across the valley) and "
      f"{rates[1]:.3f} (along it); {rates[1]:.3f}^40 = {rates[1] ** 40:.3f}")
run = result.runs["gd(lr=0.5)"]
print(f"after 40 iterations x = ({run.points[-1, 0]:.2f}, {run.points[-1, 1]:.2f}), f(x) = {run.losses[-1]:.3f}")
print("(the slides show (-0.45, -0.05) after 40: their first row starts from f = 14.12, df/dx1 = -0.32, "
      "where the formula gives 14.0625 and -0.30)")
lab.save_figure(result.plot, figures / "gd_2d_quadratic.png")
