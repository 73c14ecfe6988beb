"""Move a trained model to PyTorch and back: the state-dict keys and weight shapes are the same on both sides.

A `Sequential` of `Linear` layers names its parameters `0.weight`, `0.bias`, `2.weight`, ... and stores each
weight as (out_features, in_features), exactly as PyTorch does, so a state dict translates one to one.
PyTorch is only needed to run this example (`pip install torch`), never by tinygrad_edu itself.
    python examples/pytorch_interop.py
"""
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import data, nn, optim, train

try:
    import torch
except ImportError:
    sys.exit("this example needs PyTorch: pip install torch")

tg.manual_seed(0)
X, y = data.spirals(n_samples=600, seed=0)
model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 3))
train.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2),
          data.DataLoader((X, y), batch_size=32, shuffle=True, seed=0), epochs=30, progress=False)

# tinygrad_edu -> PyTorch: the same architecture, the same keys
torch_model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.Tanh(), torch.nn.Linear(64, 3))
torch_model.load_state_dict({key: torch.from_numpy(value) for key, value in model.state_dict().items()})
ours = model(tg.tensor(X)).numpy()
theirs = torch_model(torch.from_numpy(X)).detach().numpy()
print(f"keys: {list(model.state_dict())}")
print(f"tinygrad_edu -> PyTorch: max |difference| of the logits = {np.abs(ours - theirs).max():.2e}")

# PyTorch -> tinygrad_edu: load_state_dict takes numpy arrays (or Tensors)
fresh = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 3))
fresh.load_state_dict({key: value.detach().numpy() for key, value in torch_model.state_dict().items()})
back = fresh(tg.tensor(X)).numpy()
print(f"PyTorch -> tinygrad_edu: max |difference| of the logits = {np.abs(back - theirs).max():.2e}")
print(f"accuracy on the training spirals: {(back.argmax(axis=1) == y).mean():.3f} (both frameworks agree)")
