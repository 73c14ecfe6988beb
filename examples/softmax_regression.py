"""Softmax regression (a linear classifier with cross-entropy) on three Gaussian blobs, trained by full-batch
gradient descent, and its gradient checked against the lecture's formula.

For logits z = Wx + b, probabilities p̂ = softmax(z) and the one-hot target p, the loss of one sample is
L = −Σₖ pₖ log p̂ₖ, and its gradient with respect to the logits is simply ∂L/∂z = p̂ − p. Averaged over N
samples: ∂L/∂Z = (P̂ − P)/N, ∂L/∂W = (P̂ − P)ᵀX/N, ∂L/∂b = Σₙ (p̂ₙ − pₙ)/N. Autograd must give the same.

    python examples/softmax_regression.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import data, lab, nn, optim

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

tg.manual_seed(0)
X, y = data.blobs(n_samples=600, centers=3, cluster_std=2.5, seed=0)
X = X.astype(np.float64)
model = nn.Linear(2, 3, init="xavier", dtype=np.float64)
inputs, targets = tg.tensor(X), tg.tensor(y)

# 1. the gradient: autograd vs the formula p̂ − p
logits = model(inputs).retain_grad()
nn.functional.cross_entropy(logits, targets).backward()
probabilities = np.exp(logits.data - logits.data.max(axis=1, keepdims=True))
probabilities /= probabilities.sum(axis=1, keepdims=True)
residual = (probabilities - np.eye(3)[y]) / len(X)  # (P̂ − P)/N
differences = {"dL/dz": np.abs(logits.grad.data - residual).max(),
               "dL/dW": np.abs(model.weight.grad.data - residual.T @ X).max(),
               "dL/db": np.abs(model.bias.grad.data - residual.sum(axis=0)).max()}
print("autograd vs the formula (P_hat - P)/N, largest absolute difference:")
for name, difference in differences.items():
    print(f"  {name}: {difference:.1e}")

# 2. training: full-batch gradient descent (SGD given the whole training set each step)
optimizer = optim.SGD(model.parameters(), lr=0.1)
print("\n  t    loss  accuracy")
for t in range(101):
    optimizer.zero_grad()
    logits = model(inputs)
    loss = nn.functional.cross_entropy(logits, targets)
    if t % 20 == 0:
        print(f"{t:3d}  {loss.item():.4f}  {(logits.data.argmax(axis=1) == y).mean():8.3f}")
    loss.backward()
    optimizer.step()
accuracy = (model(inputs).data.argmax(axis=1) == y).mean()
print(f"final training accuracy {accuracy:.3f} (a linear model: the class boundaries are straight lines)")


def draw(path):
    lab.plot_decision_regions(model, X, y, path, title=f"softmax regression, accuracy {accuracy:.3f}")


lab.save_figure(draw, figures / "softmax_regression.png")
