"""Gradient descent on f(x) = x⁴ + x + 2, the lecture's step table: x₀ = 1, γ = 0.2, and the derivative
taken by the forward difference (f(x + h) − f(x)) / h with h = 0.001, exactly as on the slides; then the
same run with the exact derivative f′(x) = 4x³ + 1 from autograd. The minimum is at x* = −1/2^(2/3) ≈ −0.62996.

    python examples/gd_1d_table.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

from tinygrad_edu import lab

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

for derivative in ("forward", "autograd"):
    result = lab.playground([("gd", {"lr": 0.2})], function="quartic", start=(1.0,), steps=6,
                            derivative=derivative, h=0.001)
    how = "forward difference, h = 0.001" if derivative == "forward" else "autograd, f'(x) = 4x^3 + 1"
    print(f"gradient descent on f(x) = x^4 + x + 2, gamma = 0.2, derivative by {how}")
    print(result.table(), end="\n\n")

x_star = -2 ** (-2 / 3)
x_6 = result.runs["gd(lr=0.2)"].points[-1, 0]
print(f"x* = -1/2^(2/3) = {x_star:.5f}; after 6 steps x = {x_6:.5f} (|x - x*| = {abs(x_6 - x_star):.1e})")
lab.save_figure(result.plot, figures / "gd_1d.png")
