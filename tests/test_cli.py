"""The tinygrad-edu command end to end, with few epochs: training, the saved config that rebuilds the model,
the checks made before training starts, and the process-level behaviour (exit codes, a closed pipe)."""
import importlib
import subprocess
import sys

import pytest
from test_data import write_mnist_like

import tinygrad_edu as tg
from tinygrad_edu import cli, data, nn, train
from tinygrad_edu.train import command as train_command

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
    assert list(state["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert len(state["history"]["loss"]) == 3 and 0 <= state["results"]["val"]["accuracy"] <= 1
    assert curves.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("dataset, options, kind", [
    ("spirals", [], "generated"),
    ("moons", ["--hidden", "16,8", "--optimizer", "sgd", "--lr", "0.3", "--batch-size", "50", "--noise", "0.2"],
     "generated"),
])
def test_the_saved_config_records_the_values_the_run_used(dataset, options, kind, tmp_path, capsys):
    ckpt = tmp_path / "run.npz"
    assert cli.main(["train", "--dataset", dataset, *FAST, *options, "--save", str(ckpt)]) == 0
    config = tg.load(ckpt)["config"]
    given = dict(zip(options[::2], options[1::2]))
    defaults = train_command.DATASET_DEFAULTS[kind]
    hidden = [int(n) for n in given["--hidden"].split(",")] if "--hidden" in given else defaults["hidden"]
    assert config["sizes"] == [2, *hidden, int(data.datasets.GENERATED[dataset](n_samples=300, seed=0)[1].max()) + 1]
    assert config["epochs"] == 3 and config["samples"] == 300 and config["seed"] == 0
    assert config["batch_size"] == int(given.get("--batch-size", defaults["batch_size"]))
    optimizer = given.get("--optimizer", "adam")
    assert config["optimizer"] == optimizer
    assert config["lr"] == float(given.get("--lr", train_command.OPTIMIZERS[optimizer][2]))
    assert config["schedule"] == "cosine" and config["noise"] is not None
    assert None not in [config[key] for key in ("sizes", "lr", "epochs", "batch_size", "noise", "activation")]


def test_a_saved_run_rebuilds_from_its_config_and_scores_the_same(tmp_path, capsys):
    ckpt = tmp_path / "run.npz"
    assert cli.main(["train", "--epochs", "1", "--no-progress", "--hidden", "32,16", "--save", str(ckpt)]) == 0
    run = tg.load(ckpt)
    config = run["config"]
    model = nn.build_mlp(config["sizes"], config["activation"], config["init"], config["dropout"])
    model.load_state_dict(run["model"])
    X, y = data.datasets.GENERATED[config["dataset"]](n_samples=config["samples"], seed=config["seed"],
                                                      noise=config["noise"])
    _, (X_val, y_val) = data.train_val_split(X, y, val_fraction=config["val_fraction"], seed=config["seed"])
    model.eval()
    scores = train.evaluate(model, nn.CrossEntropyLoss(), data.DataLoader((X_val, y_val), 1024))
    assert scores["accuracy"] == pytest.approx(run["results"]["val"]["accuracy"])
    assert scores["loss"] == pytest.approx(run["results"]["val"]["loss"], rel=1e-6)


def test_idx_dataset_from_a_root_reports_test_accuracy(tmp_path, capsys):
    write_mnist_like(tmp_path, n_train=40, n_test=10)
    assert cli.main(["train", "--dataset", "mnist", "--data-root", str(tmp_path), "--epochs", "1",
                     "--hidden", "16", "--no-progress", "--save", str(tmp_path / "run.npz")]) == 0
    out = capsys.readouterr().out
    assert "mnist: 32 train / 8 val samples; MLP 784-16-10 relu" in out and "test accuracy" in out
    config = tg.load(tmp_path / "run.npz")["config"]
    assert config["data_root"] == str(tmp_path) and config["sizes"] == [784, 16, 10] and config["noise"] is None
    assert config["lr"] == pytest.approx(train_command.OPTIMIZERS["adam"][2] * 0.1)


def test_a_directory_without_the_dataset_is_a_clean_error(tmp_path, capsys):
    assert cli.main(["train", "--dataset", "fashion-mnist", "--data-root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tinygrad-edu train: error: Fashion-MNIST: train-images-idx3-ubyte[.gz] not found")
    assert len(err.strip().splitlines()) == 1


def test_no_command_prints_the_list_of_commands(capsys):
    assert cli.main([]) == 2
    assert "train" in capsys.readouterr().out


def _never_trains(monkeypatch):
    """Make train.fit fail the test if the command gets as far as training."""
    def fit(*args, **kwargs):
        raise AssertionError("training started although the command should have stopped before")
    monkeypatch.setattr(train, "fit", fit)


@pytest.mark.parametrize("where", ["missing directory", "a directory", "under a file"])
def test_an_unwritable_save_path_is_refused_before_training(where, tmp_path, monkeypatch, capsys):
    _never_trains(monkeypatch)
    (tmp_path / "file").write_text("x")
    path = {"missing directory": tmp_path / "no" / "run.npz", "a directory": tmp_path,
            "under a file": tmp_path / "file" / "run.npz"}[where]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--save", str(path)])
    captured = capsys.readouterr()
    assert exit_info.value.code == 2 and captured.out == ""
    assert captured.err.startswith(f"tinygrad-edu train: error: --save must be a file path that can be written, "
                                   f"got '{path}'")


def test_plot_without_matplotlib_is_refused_before_training(tmp_path, monkeypatch, hide_package, capsys):
    _never_trains(monkeypatch)
    hide_package("matplotlib")
    assert cli.main(["train", "--plot", str(tmp_path / "curves.png")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and not (tmp_path / "curves.png").exists()
    assert captured.err == ("tinygrad-edu train: error: --plot draws with matplotlib, which is not installed: "
                            "pip install matplotlib (or pip install 'tinygrad_edu[plot]'), or leave out --plot\n")


@pytest.mark.parametrize("command", [["schedule"], ["playground", "--steps", "2"], ["weight-decay"]])
def test_out_without_matplotlib_is_refused_before_the_lab_runs(command, tmp_path, hide_package, capsys):
    hide_package("matplotlib")
    assert cli.main([*command, "--out", str(tmp_path / "figure.png")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "--out draws with matplotlib, which is not installed" in captured.err


def test_a_model_too_large_for_memory_is_refused_before_allocating(monkeypatch, capsys):
    _never_trains(monkeypatch)
    monkeypatch.setattr(nn, "build_mlp", lambda *args: pytest.fail("the model was built"))
    assert cli.main(["train", "--hidden", "200000,200000"]) == 1
    err = capsys.readouterr().err
    parameters = (2 + 1) * 200000 + (200000 + 1) * 200000 + (200000 + 1) * 3
    assert f"the MLP 2-200000-200000-3 has {parameters:,} parameters" in err and "choose smaller --hidden" in err


@pytest.mark.parametrize("failure, status, message", [
    (KeyboardInterrupt(), 130, "interrupted (Ctrl-C)"),
    (MemoryError(), 1, "out of memory"),
    (RuntimeError("boom"), 1, "RuntimeError: boom (--debug shows the traceback)"),
])
def test_a_failure_inside_a_command_is_one_line_and_debug_shows_the_traceback(failure, status, message, monkeypatch,
                                                                            capsys):
    def fail(*args, **kwargs):
        raise failure
    monkeypatch.setattr(train, "fit", fail)
    assert cli.main(["train", *FAST]) == status
    err = capsys.readouterr().err
    assert err.startswith("tinygrad-edu train: error: ") and message in err and len(err.splitlines()) == 1
    with pytest.raises(type(failure)):
        cli.main(["train", *FAST, "--debug"])


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_help_gives_every_option_a_text_and_each_default_once_in_words(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in text and "(default: False)" not in text and "(default: (" not in text
    parser = cli.Parser()
    importlib.import_module(cli.COMMANDS[command]).add_arguments(parser)
    formatter = cli.DefaultsFormatter(command)
    for action in parser._actions:
        shown = formatter._get_help_string(action)
        assert action.help and shown.count("default") <= 1, (action.option_strings, shown)
        assert action.option_strings[-1] in text


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train", "--help"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0 and "--dataset" in result.stdout and "fashion-mnist" in result.stdout


def test_a_closed_pipe_ends_the_command_quietly():
    """`tinygrad-edu playground --table | head -1`: the reader stops after one line."""
    # ~150 KB of step table: more than a pipe holds, so writing must go on after the reader has gone
    process = subprocess.Popen([sys.executable, "-m", "tinygrad_edu", "playground", "--table", "--steps", "1000",
                                "--optimizers", "adam"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first_line = process.stdout.readline()
    process.stdout.close()  # what head does after its line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert first_line.startswith(b"rosenbrock: f = ") and stderr == ""
