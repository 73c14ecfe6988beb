"""An MLP learns the three interleaved spirals, which no linear classifier can separate: two hidden layers of
64 ReLU units, He init, Adam with a cosine learning-rate schedule, mini-batches of 32, 40 epochs.

    python examples/mlp_spirals.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

import tinygrad_edu as tg
from tinygrad_edu import data, lab, nn, optim, train

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

tg.manual_seed(0)
X, y = data.spirals(n_samples=1500, noise=0.2, seed=0)
(X_train, y_train), (X_val, y_val) = data.train_val_split(X, y, val_fraction=0.2, seed=0)
model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
optimizer = optim.Adam(model.parameters(), lr=1e-2)
epochs = 40
history = train.fit(model, nn.CrossEntropyLoss(), optimizer,
                    data.DataLoader((X_train, y_train), batch_size=32, shuffle=True, seed=0), epochs,
                    val_loader=data.DataLoader((X_val, y_val), batch_size=1024),
                    scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs), progress=False)
for epoch in (1, 10, 20, 30, 40):
    logs = {key: history[key][epoch - 1] for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
    print(f"epoch {epoch:2d}  " + "  ".join(f"{key} {value:.4f}" for key, value in logs.items()))
print(f"{model.num_parameters():,} parameters; final validation accuracy {history['val_accuracy'][-1]:.3f}")

lab.save_figure(history.plot, figures / "mlp_spirals_history.png")
lab.save_figure(lambda path: lab.plot_decision_regions(model, X, y, path, title="MLP 2-64-64-3 on spirals"),
                figures / "mlp_spirals_regions.png")
