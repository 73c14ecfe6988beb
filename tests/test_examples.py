"""Every example runs on its own (a fresh interpreter, figures into a temporary folder), exits 0 and prints
the numbers it is about: the lecture tables, the gradients by hand and by autograd, accuracies, ratios."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run_example(name, figures, *prefix):
    """Run examples/<name>.py with the figures folder as its argument; return its standard output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLES.parent), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, *prefix, str(EXAMPLES / f"{name}.py"), str(figures)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def number_after(text, label):
    """The first number printed after `label`."""
    match = re.search(re.escape(label) + r"\s*(-?[0-9.]+(?:e[-+]?[0-9]+)?)", text)
    assert match, f"{label!r} not in the output:\n{text}"
    return float(match.group(1))


def table_row(text, first_cell):
    """The cells of the first table line whose first cell is `first_cell`."""
    for line in text.splitlines():
        cells = line.split()
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row starting with {first_cell!r} in:\n{text}")


def check_gd_1d_table(out):
    assert table_row(out, "0") == ["0", "1.000", "4.000", "5.006"]  # the lecture's first row, h = 0.001
    assert "1  -0.001  1.999  1.000" in out and "5  -0.616  1.528  0.067" in out
    assert "6  -0.629  1.528  0.005" in out
    assert number_after(out, "x* = -1/2^(2/3) =") == pytest.approx(-0.62996, abs=1e-5)


def check_gd_2d_quadratic(out):
    assert table_row(out, "0") == ["0", "-5.00", "-7.50", "14.06", "-0.30", "-3.55"]
    assert table_row(out, "1")[1:3] == ["-4.85", "-5.73"]
    assert table_row(out, "40") == ["40", "-0.53", "-0.06", "0.02", "-0.06", "-0.01"]


def check_backprop_by_hand(out):
    comparison = out.split("by the engine")[1]  # the table after the printed reverse walk
    assert table_row(comparison, "x") == ["x", "10", "10"] and table_row(comparison, "y") == ["y", "7", "7"]
    assert table_row(comparison, "c") == ["c", "6", "6"]
    assert "c = Add  ∂f/∂c = 6" in out  # the engine's step at c = x + y receives 2c
    assert "hand and engine agree" in out


def check_softmax_regression(out):
    for name in ("dL/dz:", "dL/dW:", "dL/db:"):
        assert number_after(out, name) < 1e-12
    assert number_after(out, "final training accuracy") > 0.9


def check_optimizer_playground(out):
    newton = table_row(out, "newton(damping=1.0)")
    assert float(newton[-1]) < 1e-6  # distance to the Rosenbrock minimum
    assert float(table_row(out, "adam(lr=0.5)")[-1]) < 0.1  # Adam rescales the ravine's axes


def check_optimizer_comparison(out):
    for optimizer in ("sgd(lr=0.1)", "momentum(lr=0.05)", "adagrad(lr=0.05)", "rmsprop(lr=0.001)", "adam(lr=0.01)"):
        assert float(table_row(out, optimizer)[3]) > 0.8  # validation accuracy


def check_lr_finder(out):
    assert 1e-5 < number_after(out, "suggested learning rate:") < 10
    chosen = table_row(out, "sgd(momentum=0.9,")
    timid = [line.split() for line in out.splitlines() if "lr=0.001)" in line][0]
    assert float(chosen[-2]) > float(timid[-2])  # validation accuracy: the rate from the curve trains faster


def check_init_lab(out):
    assert number_after(out, "W = diag(1.5): D(y)/D(x) =") == pytest.approx(1.5 ** 20, rel=1e-3)
    assert number_after(out, "W = diag(0.5): D(y)/D(x) =") == pytest.approx(0.5 ** 20, rel=1e-3)
    assert number_after(out, "variance ratio per layer") == pytest.approx(1 / 3, abs=0.02)
    sigmoid, relu = re.findall(r"weight-gradient norm: ([0-9.e+-]+)", out)
    assert float(sigmoid) < 1e-8 and 0.2 < float(relu) < 5


def check_mlp_spirals(out):
    assert number_after(out, "final validation accuracy") > 0.9


def check_lr_schedules(out):
    row = table_row(out, "100")
    header = table_row(out, "t")
    assert float(row[header.index("linear")]) == pytest.approx(0.05)  # η₀(1 − t/T) at t = T/2
    assert float(row[header.index("cosine")]) == pytest.approx(0.05)


CHECKS = {name[len("check_"):]: check for name, check in globals().items() if name.startswith("check_")}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs_and_prints_its_numbers(name, tmp_path):
    out = run_example(name, tmp_path)
    CHECKS[name](out)
    if HAS_MATPLOTLIB and name != "backprop_by_hand":
        written = list(tmp_path.glob("*.png"))
        assert written and all(path.stat().st_size > 1000 for path in written)


def test_every_example_is_checked():
    """The Fashion-MNIST, PyTorch and Optuna examples need data or packages beyond the library's own."""
    others = {"fashion_mnist_mlp", "pytorch_interop", "optuna_search"}
    assert {path.stem for path in EXAMPLES.glob("*.py")} - others <= set(CHECKS)


def test_examples_print_their_tables_without_matplotlib(tmp_path):
    block = ("import runpy, sys; sys.modules['matplotlib'] = None; sys.argv = sys.argv[1:]; "
             "runpy.run_path(sys.argv[0], run_name='__main__')")
    out = run_example("gd_1d_table", tmp_path, "-c", block)
    check_gd_1d_table(out)
    assert "skipped" in out and "pip install matplotlib" in out
    assert not list(tmp_path.glob("*.png"))
