"""Tune an MLP on the spirals twice with one `build` function: tinygrad_edu's random search, then Optuna.

Optuna (Bayesian optimisation with the TPE sampler) chooses each new point from the scores of the earlier ones,
where random search draws every point blindly; a pruner also stops trials whose validation accuracy lags
behind the others' at the same epoch. Optuna is an optional extra, not a dependency of tinygrad_edu:
    pip install optuna          (or: pip install 'tinygrad_edu[optuna]')
    python examples/optuna_search.py
"""
import sys

import tinygrad_edu as tg
from tinygrad_edu import data, nn, optim, train
from tinygrad_edu.train import search

try:
    import optuna
except ImportError:
    sys.exit("this example needs Optuna: pip install optuna (or pip install 'tinygrad_edu[optuna]')")

EPOCHS, TRIALS, SEED = 15, 12, 0
X, y = data.spirals(n_samples=900, noise=0.2, turns=1.5, seed=0)
(X_train, y_train), (X_val, y_val) = data.train_val_split(X, y, val_fraction=0.25, seed=0)
train_loader = data.DataLoader((X_train, y_train), batch_size=32, shuffle=True)
val_loader = data.DataLoader((X_val, y_val), batch_size=256)


def build(lr, hidden, activation):
    """One point of the search -> (model, loss_fn, optimizer): the only thing either search needs to know."""
    layer = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    model = nn.Sequential(nn.Linear(2, hidden), layer(), nn.Linear(hidden, hidden), layer(), nn.Linear(hidden, 3))
    return model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=lr)


class ReportToOptuna(train.Callback):
    """Tell Optuna each epoch's validation accuracy; stop the trial when its pruner says the run is hopeless."""

    def __init__(self, trial):
        self.trial = trial

    def on_epoch_end(self, epoch, logs, model, optimizer):
        self.trial.report(logs["val_accuracy"], step=epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned()
        return False


def objective(trial):
    params = {"lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),  # the same ranges as the random search
              "hidden": trial.suggest_int("hidden", 8, 64),
              "activation": trial.suggest_categorical("activation", ["relu", "tanh"])}
    tg.manual_seed(SEED)  # the same initial state for every trial, as search's seed= gives
    model, loss_fn, optimizer = build(**params)
    history = train.fit(model, loss_fn, optimizer, train_loader, EPOCHS, val_loader=val_loader,
                        callbacks=[ReportToOptuna(trial)], progress=False)
    return history.last()["val_accuracy"]


print(f"random search: {TRIALS} trials of {EPOCHS} epochs")
space = {"lr": search.log_uniform(1e-4, 1e-1), "hidden": search.int_range(8, 64), "activation": ["relu", "tanh"]}
ours = train.random_search(build, space, train_loader, val_loader, EPOCHS, n_trials=TRIALS, seed=SEED)
print(ours)

print(f"\nOptuna (TPE sampler, median pruner): {TRIALS} trials of at most {EPOCHS} epochs")
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=SEED),
                            pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=3))
study.optimize(objective, n_trials=TRIALS)
pruned = sum(trial.state == optuna.trial.TrialState.PRUNED for trial in study.trials)
print(f"best val_accuracy {study.best_value:.4f} with {study.best_params} ({pruned} of {TRIALS} trials pruned)")
print(f"random search's best: {ours.best_score:.4f} with {ours.best_params}")
