"""Why initialisation matters (lecture 4), measured layer by layer in 10-layer networks:

1. the chain y = W₁₀…W₁x with W = diag(1.5) explodes (y = 1.5¹⁰x ≈ 57.7x) and with diag(0.5) vanishes
   (y = 0.5¹⁰x ≈ 0.001x) — and so do the gradients flowing back;
2. w ~ U[−1/√n, 1/√n] has D(w) = 1/(3n), so every linear layer divides the variance by about 3;
3. sigmoid with small weights (N(0, 0.01²)) makes the gradients vanish towards the input, while ReLU with
   He init (D(w) = 2/n) keeps activations and gradients at the same scale in every layer;
4. with layers of unequal widths (512-256-128-64-32) LeCun, D(w) = 1/n_in, keeps the forward variance and
   halves the gradient's at every layer back, Xavier, D(w) = 2/(n_in + n_out), splits the difference (×4/3
   forward, ×2/3 back), and orthogonal weights keep the length of every signal and gradient exactly;
5. a zero init never breaks the symmetry: every hidden unit gets the same gradient and stays a copy of the
   others, so a sigmoid MLP 2-8-8-2 cannot learn two circles that the same net from Xavier init fits.

    python examples/init_lab.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

from tinygrad_edu import lab

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

chains = [lab.linear_chain(1.5), lab.linear_chain(0.5)]
for scale, chain in zip((1.5, 0.5), chains):
    gain = chain.grad_norms[0] / chain.grad_norms[-1]
    print(f"W = diag({scale}): D(y)/D(x) = {chain.variances[-1] / chain.variances[0]:.4g} = {scale}^20, "
          f"|dL/dx| / |dL/dy| = {gain:.4g} = {scale}^10")

uniform = lab.init_lab(activation="linear", init="uniform")
print(f"\nU[-1/sqrt(n), 1/sqrt(n)], linear layers: variance ratio per layer {uniform.variance_ratios.mean():.3f} "
      f"(theory 1/3 = 0.333)")
print(uniform.table())

runs = [lab.init_lab(activation="sigmoid", init="naive"), lab.init_lab(activation="relu", init="he")]
for result in runs:
    print(f"\n{result.table()}")
    ratio = result.weight_grad_norms[1] / result.weight_grad_norms[-1]
    print(f"first-layer / last-layer weight-gradient norm: {ratio:.2e}")

lab.save_figure(lambda path: lab.plot_init_lab(chains, path), figures / "init_linear_chain.png")
lab.save_figure(lambda path: lab.plot_init_lab([uniform, *runs], path), figures / "init_gradient_flow.png")

widths = [512, 256, 128, 64, 32]
print("\nlayers of unequal widths 512-256-128-64-32, linear: what each layer does to the variance")
for init in ("lecun", "xavier", "orthogonal"):
    result = lab.init_lab(activation="linear", init=init, widths=widths)
    print(f"{init:>10}: forward x{result.variance_ratios.mean():.3f} per layer, "
          f"gradient back x{result.grad_variance_ratios.mean():.3f} per layer")
unequal = [lab.init_lab(activation="linear", init=init, widths=widths) for init in ("lecun", "xavier")]
print(unequal[1].table())

symmetry = lab.symmetry_lab()
print(f"\n{symmetry.table()}")
zero, random = symmetry.runs
print(f"largest difference between two hidden units after {len(zero.grad_spreads)} steps: zero init "
      f"{zero.weight_spreads[-1].max():g}, xavier init {random.weight_spreads[-1].max():.3g}; "
      f"final loss {zero.losses[-1]:.4f} vs {random.losses[-1]:.4f}")

lab.save_figure(lambda path: lab.plot_init_lab(unequal, path), figures / "init_unequal_widths.png")
lab.save_figure(symmetry.plot, figures / "init_zero_symmetry.png")
