"""The learning-rate range test (Smith, 2017): train an MLP on the spirals for one short sweep while the
learning rate grows exponentially from 1e-5 to 10, watch where the loss falls fastest and where it blows up,
then train with rates read off the curve and with a timid one to see the difference.

Each point of the curve is the loss of a single batch, so the curve is noisy; the suggestion is read from the
exponentially smoothed loss instead, where it falls fastest. The sweep and the printed report are the ones of
`tinygrad-edu lr-finder` with its default settings, so the two suggest the same rate. A second, more cautious
reading is the usual rule of thumb: a tenth of the rate at which the smoothed loss was lowest.

    python examples/lr_finder.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

from tinygrad_edu import lab
from tinygrad_edu.lab.schedules import lr_finder_report

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

result = lab.lr_range_test()  # the lr-finder command's defaults: SGD with momentum 0.9 on 1500 spiral points
print(lr_finder_report(result))
lab.save_figure(lambda path: lab.plot_lr_finder(result, path), figures / "lr_finder.png")

rule_of_thumb = float(f"{result.lowest_loss_lr / 10:.2g}")
rates = [float(f"{result.suggested_lr:.2g}"), rule_of_thumb, 1e-3]
comparison = lab.compare_optimizers([("sgd", {"momentum": 0.9, "lr": lr}) for lr in rates], epochs=10)
print(comparison.table())
lab.save_figure(comparison.plot, figures / "lr_finder_training.png")
