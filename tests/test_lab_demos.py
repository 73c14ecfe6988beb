"""The two lecture demos: L2 versus decoupled weight decay on a zero-gradient weight, and gradient noise versus batch
size on a 2-D least-squares surface; their numbers, tables, figures and CLI commands."""
import numpy as np
import pytest

from tinygrad_edu import cli, lab
from tinygrad_edu.lab.batch_noise import (
    batch_noise_lab,
    gradient_noise,
    mean_squared_error,
    mse_gradient,
)
from tinygrad_edu.lab.weight_decay import RULES, weight_decay_lab

LR, DECAYS = 0.01, (0.01, 0.1)


@pytest.fixture(scope="module")
def decay():
    return weight_decay_lab(lr=LR, decays=DECAYS, steps=200)


def test_decoupled_decay_and_sgd_l2_shrink_the_weight_by_the_factor_one_minus_lr_lambda(decay):
    for lam in DECAYS:
        law = decay.w0 * (1 - LR * lam) ** np.arange(201)
        np.testing.assert_allclose(decay.zero_gradient_weight("AdamW", lam), law, rtol=1e-12)
        np.testing.assert_allclose(decay.zero_gradient_weight("SGD + L2", lam), law, rtol=1e-12)


def test_adam_l2_divides_lambda_away_so_the_weight_falls_about_lr_per_step_whatever_lambda(decay):
    small, large = (decay.zero_gradient_weight("Adam + L2", lam) for lam in DECAYS)
    np.testing.assert_allclose(small, large, rtol=1e-4)  # λ cancels in m̂/√v̂, up to ε/λ next to √v̂/λ
    assert decay.w0 - small[1] == pytest.approx(LR, rel=1e-5)  # first step: m̂/√v̂ = λw₀/(λ|w₀|) = 1
    assert small[100] < decay.decoupled_law(DECAYS[0])[100] - 0.5  # far beyond AdamW's 1 − (1 − ηλ)¹⁰⁰ ≈ 1%


def test_adam_l2_follows_the_docstring_law_with_adams_averages_of_the_weight(decay):
    # w ← w − η·⟨w⟩₁/(√⟨w²⟩₂ + ε/λ): the bias-corrected averages of the values w took (g = λw at each step)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for lam in DECAYS:
        w = decay.zero_gradient_weight("Adam + L2", lam)
        first = second = 0.0
        for t in range(1, len(w)):
            first = beta1 * first + (1 - beta1) * w[t - 1]
            second = beta2 * second + (1 - beta2) * w[t - 1] ** 2
            mean, mean_square = first / (1 - beta1 ** t), second / (1 - beta2 ** t)
            expected = w[t - 1] - LR * mean / (np.sqrt(mean_square) + eps / lam)
            assert w[t] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_the_weight_with_a_data_gradient_still_trains(decay):
    for rule in ("Adam + L2", "AdamW"):
        weights = decay.weights[(rule, DECAYS[0])][:, 0]
        assert weights[-1] > 1.0 and np.all(np.diff(weights) > 0)  # towards the true 2, under both


def test_weight_decay_table_figure_and_errors(decay, tmp_path):
    blocks = decay.table(rows=3).split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == [f"zero-gradient weight w2, lr={LR}, λ={lam}" for lam in DECAYS]
    header = blocks[0].splitlines()[1]
    assert header.split()[:3] == ["t", "Adam", "+"] and "its step/lr" in header and "w0(1-lr*λ)^t" in header
    first_step = blocks[0].splitlines()[3].split()
    assert first_step[0] == "1" and float(first_step[2]) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(lab.LabError, match=r"decays=\[0\]"):
        weight_decay_lab(decays=[0])
    pytest.importorskip("matplotlib")
    figure = decay.plot(tmp_path / "decay.png")
    values, moves = figure.axes
    assert values.get_ylabel() == "w2" and moves.get_yscale() == "log"
    assert all(axes.get_xlabel() == "step" for axes in figure.axes)
    labels = [line.get_label() for line in values.get_lines()]
    assert {f"{rule}, λ={lam}" for rule in RULES for lam in DECAYS} < set(labels)


# ---- gradient noise versus batch size ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def noise():
    return batch_noise_lab(batch_sizes=["full", 8, 1], steps=300, draws=400)


def test_the_autograd_gradient_is_the_least_squares_gradient(noise):
    w = np.array([0.3, -0.7])
    closed_form = 2 * noise.X.T @ (noise.X @ w - noise.y) / len(noise.X)
    np.testing.assert_allclose(mse_gradient(w, noise.X, noise.y), closed_form, rtol=1e-12)
    np.testing.assert_allclose(mse_gradient(noise.optimum, noise.X, noise.y), 0, atol=1e-12)


def test_gradient_descent_settles_at_the_minimum_and_smaller_batches_wander_further(noise):
    full = noise.paths[len(noise.X)]
    losses = mean_squared_error(full, noise.X, noise.y)
    assert np.all(np.diff(losses) <= 1e-15)  # full-batch GD on a convex quadratic: the loss never rises
    wander = {size: np.linalg.norm(path[225:] - noise.optimum, axis=1).mean() for size, path in noise.paths.items()}
    assert wander[len(noise.X)] < 1e-3 < wander[8] < wander[1]
    assert np.any(np.diff(mean_squared_error(noise.paths[1], noise.X, noise.y)) > 0)  # SGD's loss goes up at times


def test_mini_batch_gradient_noise_falls_as_one_over_the_batch_size(noise):
    sizes = np.array([size for size in noise.noise if size < len(noise.X)])
    measured, theory = np.array([noise.noise[size] for size in sizes]).T
    np.testing.assert_allclose(measured / theory, 1, atol=0.3)
    small = sizes <= len(noise.X) // 16  # where the finite-population factor (N − B)/(N − 1) is close to 1
    slope = np.polyfit(np.log(sizes[small]), np.log(measured[small]), 1)[0]
    assert slope == pytest.approx(-1, abs=0.15)
    assert noise.noise[len(noise.X)][0] < 1e-20 and noise.noise[len(noise.X)][1] == 0  # the full batch: no noise


def test_gradient_noise_of_single_samples_is_their_spread_around_the_full_gradient(noise):
    X, y, w = noise.X[:16], noise.y[:16], np.array([1.0, 0.5])
    per_sample = np.array([mse_gradient(w, X[i:i + 1], y[i:i + 1]) for i in range(16)])
    spread = np.mean(np.sum((per_sample - per_sample.mean(axis=0)) ** 2, axis=1))
    assert gradient_noise(w, X, y, 1, draws=2000) == pytest.approx(spread, rel=0.12)
    assert gradient_noise(w, X, y, 16, draws=3) == pytest.approx(0, abs=1e-20)


def test_batch_noise_table_figure_and_errors(noise, tmp_path):
    text = noise.table()
    assert "full batch (GD), B = 256" in text and "SGD, B = 8" in text and "SGD, B = 1" in text
    assert "gradient noise at w*" in text
    with pytest.raises(lab.LabError, match=r"got \[0\]"):
        batch_noise_lab(batch_sizes=[0])
    with pytest.raises(lab.LabError, match="from 1 to 256"):
        batch_noise_lab(batch_sizes=[512])
    pytest.importorskip("matplotlib")
    figure = noise.plot(tmp_path / "noise.png")
    surface, spread = figure.axes
    assert (surface.get_xlabel(), surface.get_ylabel()) == ("w1", "w2")
    assert spread.get_xscale() == spread.get_yscale() == "log" and spread.get_xlabel() == "batch size B"
    assert [line.get_label() for line in surface.get_lines()][:3] == ["full batch (GD), B = 256", "SGD, B = 8",
                                                                      "SGD, B = 1"]
    assert (tmp_path / "noise.png").stat().st_size > 1000


def test_cli_commands_print_the_demos(capsys):
    assert cli.main(["weight-decay", "--steps", "20", "--rows", "3", "--decays", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "zero-gradient weight w2, lr=0.01, λ=0.1" in out
    assert cli.main(["batch-noise", "--steps", "10", "--draws", "5", "--batch-sizes", "full", "4"]) == 0
    out = capsys.readouterr().out
    assert "SGD, B = 4" in out and "gradient noise at w*" in out
    with pytest.raises(SystemExit):
        cli.main(["batch-noise", "--batch-sizes", "half"])
    assert "expected 'full' or a positive integer, got 'half'" in capsys.readouterr().err
