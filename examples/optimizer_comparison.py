"""The same MLP trained with SGD, momentum, Adagrad, RMSprop and Adam on the spirals — same initial weights,
same batches — and the loss curves drawn together, in the spirit of the Adam paper's MNIST comparison.

For the real thing on Fashion-MNIST (when installed): tinygrad-edu compare --dataset fashion-mnist --samples 10000

    python examples/optimizer_comparison.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

from tinygrad_edu import lab

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

result = lab.compare_optimizers(dataset="spirals", epochs=12, samples=1000)
print(result.table())
best = min(result.histories, key=lambda label: result.histories[label]["loss"][-1])
print(f"lowest final training loss: {best}")
lab.save_figure(result.plot, figures / "optimizer_comparison.png")
