"""The tinygrad-edu command end to end, with few epochs."""
import subprocess
import sys

import numpy as np
import pytest

from tinygrad_edu import cli, train
from test_data import write_mnist_like

FAST = ["--epochs", "3", "--samples", "300", "--no-progress"]


def test_train_on_spirals_prints_accuracies(capsys):
    assert cli.main(["train", *FAST]) == 0
    out = capsys.readouterr().out
    assert "spirals: 240 train / 60 val samples; MLP 2-64-64-3 relu" in out
    assert "trained 3 epochs" in out
    assert "train accuracy 0." in out and "val accuracy 0." in out and "test accuracy" not in out


def test_default_run_reaches_high_accuracy(capsys):
    assert cli.main(["train", "--no-progress"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    val_accuracy = float(last.split("val accuracy ")[1])
    assert val_accuracy > 0.95


@pytest.mark.parametrize("options", [
    ["--dataset", "moons", "--optimizer", "sgd", "--schedule", "step"],
    ["--dataset", "circles", "--activation", "tanh", "--init", "lecun", "--schedule", "onecycle"],
    ["--dataset", "blobs", "--optimizer", "momentum", "--schedule", "plateau", "--dropout", "0.1"],
    ["--dataset", "xor", "--hidden", "8", "--optimizer", "adamw", "--schedule", "none", "--patience", "1"],
])
def test_options_select_dataset_model_and_optimizer(options, capsys):
    assert cli.main(["train", *FAST, *options]) == 0
    assert "val accuracy" in capsys.readouterr().out


def test_save_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    ckpt, curves = tmp_path / "run.npz", tmp_path / "curves.png"
    assert cli.main(["train", *FAST, "--save", str(ckpt), "--plot", str(curves)]) == 0
    state = train.load(ckpt)
    assert state["config"]["dataset"] == "spirals" and state["config"]["hidden"] is None
    assert list(state["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert len(state["history"]["loss"]) == 3 and 0 <= state["results"]["val"]["accuracy"] <= 1
    assert curves.read_bytes()[:4] == b"\x89PNG"


def test_idx_dataset_from_a_root_reports_test_accuracy(tmp_path, capsys):
    write_mnist_like(tmp_path, n_train=40, n_test=10)
    assert cli.main(["train", "--dataset", "mnist", "--data-root", str(tmp_path), "--epochs", "1",
                     "--hidden", "16", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "mnist: 32 train / 8 val samples; MLP 784-16-10 relu" in out and "test accuracy" in out


def test_missing_dataset_is_a_clean_error(tmp_path, capsys):
    assert cli.main(["train", "--dataset", "fashion-mnist", "--data-root", str(tmp_path / "none")]) == 1
    assert "error: Fashion-MNIST: directory" in capsys.readouterr().err


def test_bad_arguments_and_no_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--hidden", "64,x"])
    assert "comma-separated positive layer sizes" in capsys.readouterr().err
    assert cli.main([]) == 2
    assert "train" in capsys.readouterr().out


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "--dataset" in result.stdout and "fashion-mnist" in result.stdout
