"""The learning-rate range test (Smith, 2017): train an MLP on the spirals for one short sweep while the
learning rate grows exponentially from 1e-5 to 10, watch where the loss falls fastest and where it blows up,
then train with a rate read off the curve and with a timid one to see the difference.

Each point of the curve is the loss of a single batch, so the curve is noisy and so is the point of steepest
descent that lr_finder suggests. A robust reading is the usual rule of thumb: a tenth of the rate at which
the loss was lowest, safely below where it blows up.

    python examples/lr_finder.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

from tinygrad_edu import lab

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

result = lab.lr_range_test(("sgd", {"momentum": 0.9}), dataset="spirals", samples=1000, num_steps=100)
print(f"swept {len(result.lrs)} learning rates from {result.lrs[0]:.0e} to {result.lrs[-1]:.2g} "
      f"(the test stops once the loss exceeds 4x its best)")
print(f"suggested learning rate: {result.suggested_lr:.3g}")
lab.save_figure(lambda path: lab.plot_lr_finder(result, path), figures / "lr_finder.png")

lowest = result.lrs[result.losses.index(min(result.losses))]
chosen = float(f"{lowest / 10:.2g}")
print(f"lowest loss at lr {lowest:.3g}; a tenth of it: {chosen:g}")
comparison = lab.compare_optimizers([("sgd", {"momentum": 0.9, "lr": chosen}), ("sgd", {"momentum": 0.9, "lr": 1e-3})],
                                    dataset="spirals", samples=1000, epochs=10)
print(comparison.table())
lab.save_figure(comparison.plot, figures / "lr_finder_training.png")
