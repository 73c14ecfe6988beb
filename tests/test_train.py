"""fit / evaluate / History / callbacks on small generated problems (each run well under a second)."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import data, nn, optim, train
from tinygrad_edu.train import EarlyStopping, History, ModelCheckpoint


def blobs_setup(seed=0, lr=0.05):
    tg.manual_seed(seed)
    X, y = data.blobs(n_samples=300, centers=3, cluster_std=2.0, seed=seed)
    X = X / 10
    (X_tr, y_tr), (X_val, y_val) = data.train_val_split(X, y, seed=seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return (model, nn.CrossEntropyLoss(), optimizer, data.DataLoader((X_tr, y_tr), 32, shuffle=True, seed=seed),
            data.DataLoader((X_val, y_val), 100))


def test_fit_reduces_the_loss_and_records_history():
    model, loss_fn, optimizer, train_loader, val_loader = blobs_setup()
    history = train.fit(model, loss_fn, optimizer, train_loader, epochs=8, val_loader=val_loader, progress=False)
    assert len(history) == 8 and history.epochs == list(range(1, 9))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"}
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert history["lr"] == [0.05] * 8 and all(t > 0 for t in history["time"])
    final = train.evaluate(model, loss_fn, val_loader)
    assert final["accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert history.best("val_accuracy")[1] == max(history["val_accuracy"])
    assert "epochs=8" in repr(history)
    with pytest.raises(KeyError, match="recorded"):
        history["f1"]


def test_fit_is_reproducible_under_a_seed():
    runs = []
    for _ in range(2):
        model, loss_fn, optimizer, train_loader, _ = blobs_setup(seed=3)
        runs.append(train.fit(model, loss_fn, optimizer, train_loader, epochs=2, progress=False)["loss"])
    assert runs[0] == runs[1]


def test_evaluate_builds_no_graph_and_restores_the_mode():
    model, loss_fn, _, _, val_loader = blobs_setup()
    model.train()
    seen = []
    original = model.forward

    def forward(x):
        out = original(x)
        seen.append((model[0].training, out.requires_grad))
        return out

    model.forward = forward
    train.evaluate(model, loss_fn, val_loader)
    assert seen == [(False, False)] and model.training


def test_scheduler_steps_per_epoch_or_per_batch_and_plateau_gets_the_val_loss():
    model, loss_fn, optimizer, train_loader, val_loader = blobs_setup()
    step_lr = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = train.fit(model, loss_fn, optimizer, train_loader, 3, scheduler=step_lr, progress=False)
    assert history["lr"] == pytest.approx([0.05, 0.025, 0.0125])

    class Recorder:
        def __init__(self):
            self.calls = []

        def step(self, metrics):
            self.calls.append(metrics)

    recorder = Recorder()
    history = train.fit(model, loss_fn, optimizer, train_loader, 2, val_loader=val_loader, scheduler=recorder,
                        progress=False)
    assert recorder.calls == history["val_loss"]
    per_batch = optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5 ** step)
    history = train.fit(model, loss_fn, optimizer, train_loader, 2, scheduler=per_batch, scheduler_step="batch",
                        progress=False)
    assert history["lr"][1] == pytest.approx(history["lr"][0] * 0.5 ** len(train_loader))


def test_custom_metric_functions():
    model, loss_fn, optimizer, train_loader, _ = blobs_setup()

    def top2(outputs, targets):
        return float(np.mean([t in np.argsort(o)[-2:] for o, t in zip(outputs, targets)]))

    history = train.fit(model, loss_fn, optimizer, train_loader, 1, metrics=("accuracy", top2), progress=False)
    assert history["top2"][0] >= history["accuracy"][0]
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        train.fit(model, loss_fn, optimizer, train_loader, 1, metrics=("f1",), progress=False)


def test_accuracy_handles_class_scores_single_logits_and_probability_targets():
    assert train.accuracy(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0])) == 0.5
    assert train.accuracy(np.array([[1.5], [-2.0], [0.3]]), np.array([[1.0], [0.0], [0.0]])) == pytest.approx(2 / 3)
    assert train.accuracy(np.array([[0.1, 0.9]]), np.array([[0.2, 0.8]])) == 1.0


def test_early_stopping_stops_and_restores_the_best_weights():
    model, loss_fn, optimizer, train_loader, val_loader = blobs_setup(lr=3.0)  # diverges: val loss gets worse
    stopper = EarlyStopping(monitor="val_loss", patience=2)
    history = train.fit(model, loss_fn, optimizer, train_loader, 30, val_loader=val_loader, callbacks=[stopper],
                        progress=False)
    assert stopper.stopped_epoch == len(history) < 30
    assert len(history) - stopper.best_epoch == 2
    best_epoch, best_loss = history.best("val_loss")
    assert best_epoch == stopper.best_epoch
    assert train.evaluate(model, loss_fn, val_loader)["loss"] == pytest.approx(best_loss, rel=1e-5)


def test_early_stopping_names_a_missing_quantity():
    model, loss_fn, optimizer, train_loader, _ = blobs_setup()
    with pytest.raises(KeyError, match="pass val_loader"):
        train.fit(model, loss_fn, optimizer, train_loader, 2, callbacks=[EarlyStopping()], progress=False)


def test_model_checkpoint_keeps_the_best_epoch(tmp_path):
    model, loss_fn, optimizer, train_loader, val_loader = blobs_setup()
    saver = ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy")
    history = train.fit(model, loss_fn, optimizer, train_loader, 4, val_loader=val_loader, callbacks=[saver],
                        progress=False)
    state = train.load(tmp_path / "best.npz")
    best_epoch, best_acc = history.best("val_accuracy")
    assert state["epoch"] == best_epoch and state["logs"]["val_accuracy"] == best_acc
    assert set(state["model"]) == set(model.state_dict()) and "param_groups" in state["optimizer"]
    every = ModelCheckpoint(tmp_path / "e{epoch}.npz", save_best_only=False)
    train.fit(model, loss_fn, optimizer, train_loader, 2, callbacks=[every], progress=False)
    assert (tmp_path / "e1.npz").exists() and (tmp_path / "e2.npz").exists()


def test_progress_prints_plain_lines_without_tqdm(hide_package, capsys):
    hide_package("tqdm")
    model, loss_fn, optimizer, train_loader, val_loader = blobs_setup()
    train.fit(model, loss_fn, optimizer, train_loader, 3, val_loader=val_loader)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3  loss ") and "val_accuracy" in lines[0]


def test_progress_false_is_silent(capsys):
    model, loss_fn, optimizer, train_loader, _ = blobs_setup()
    train.fit(model, loss_fn, optimizer, train_loader, 2, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_history_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    history = History()
    for epoch in range(1, 4):
        history.append(epoch, {"loss": 1 / epoch, "accuracy": 1 - 1 / (epoch + 1), "val_loss": 1.2 / epoch,
                               "val_accuracy": 0.4, "lr": 0.1, "time": 0.01})
    figure = history.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert [axes.get_title() for axes in figure.axes] == ["loss", "accuracy"]


def test_history_plot_without_matplotlib_says_how_to_install(hide_package):
    hide_package("matplotlib")
    history = History()
    history.append(1, {"loss": 1.0})
    with pytest.raises(ImportError, match="pip install matplotlib"):
        history.plot()


def test_empty_loader_is_an_error():
    model, loss_fn, optimizer, _, _ = blobs_setup()
    empty = data.DataLoader((np.zeros((3, 2), np.float32), np.zeros(3, np.int64)), batch_size=4, drop_last=True)
    with pytest.raises(ValueError, match="no batches"):
        train.fit(model, loss_fn, optimizer, empty, 1, progress=False)
    assert math.isfinite(train.evaluate(model, loss_fn, data.DataLoader((np.zeros((3, 2), np.float32),
                                                                         np.zeros(3, np.int64)), 2))["loss"])
