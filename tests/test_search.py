"""Hyper-parameter search: grid and random search over a tiny MLP on blobs, the result table, the ranges
random search draws from, reproducibility, Ctrl-C, and errors."""
import math

import numpy as np
import pytest

from tinygrad_edu import data, nn, optim
from tinygrad_edu.train import SearchResult, evaluate, grid_search, random_search, search


@pytest.fixture(scope="module")
def loaders():
    X, y = data.blobs(n_samples=300, centers=3, cluster_std=1.5, seed=0)
    train = data.DataLoader((X[:240], y[:240]), batch_size=32, shuffle=True)  # the library RNG: seed= resets it
    val = data.DataLoader((X[240:], y[240:]), batch_size=60)
    return train, val


def build(lr, hidden=8):
    model = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 3))
    return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr)


GRID = {"lr": [1e-4, 0.1], "hidden": [4, 16]}


def test_grid_search_trains_every_combination_and_ranks_them_by_the_metric(loaders):
    result = grid_search(build, GRID, *loaders, epochs=2, seed=0, progress=False)
    rows = result.to_list()
    assert sorted((row["lr"], row["hidden"]) for row in rows) == [(1e-4, 4), (1e-4, 16), (0.1, 4), (0.1, 16)]
    scores = [row["val_accuracy"] for row in rows]
    assert scores == sorted(scores, reverse=True)  # accuracy: highest first
    assert result.best_params == {key: rows[0][key] for key in GRID}
    assert result.best_params["lr"] == 0.1  # 2 epochs at lr 1e-4 barely move the weights
    assert result.best_score == scores[0] and not result.interrupted
    assert set(rows[0]) == {"trial", "lr", "hidden", "loss", "accuracy", "val_loss", "val_accuracy", "time"}


def test_best_state_dict_is_the_best_trials_trained_model(loaders):
    result = grid_search(build, GRID, *loaders, epochs=2, seed=0, progress=False)
    model, loss_fn, _ = build(**result.best_params)
    model.load_state_dict(result.best_state_dict)
    assert evaluate(model, loss_fn, loaders[1])["accuracy"] == pytest.approx(result.best_score)


def test_loss_metrics_are_minimised_and_mode_overrides_the_direction(loaders):
    by_loss = grid_search(build, GRID, *loaders, epochs=1, metric="val_loss", seed=0, progress=False)
    losses = [row["val_loss"] for row in by_loss.to_list()]
    assert by_loss.mode == "min" and losses == sorted(losses)

    def error_rate(outputs, targets):
        return float(np.mean(outputs.argmax(axis=1) != targets))
    by_error = grid_search(build, GRID, *loaders, epochs=1, metric="val_error_rate", mode="min", seed=0,
                           progress=False, metrics=[error_rate])  # metrics= goes on to fit
    errors = [row["val_error_rate"] for row in by_error.to_list()]
    assert errors == sorted(errors) and by_error.best_score == min(errors)


def test_the_printed_table_has_a_header_one_row_per_trial_and_the_best_line(loaders):
    result = grid_search(build, {"lr": [1e-3, 0.05, 0.1]}, *loaders, epochs=1, seed=0, progress=False)
    lines = str(result).splitlines()
    assert lines[0].split() == ["trial", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "time"]
    assert len(lines) == 1 + 3 + 1
    assert lines[-1].startswith("best val_accuracy (max)") and "3 of 3 trials" in lines[-1]
    assert [int(line.split()[0]) for line in lines[1:4]] == [row["trial"] for row in result.to_list()]


def test_progress_prints_one_line_per_trial_and_progress_false_is_silent(loaders, capsys):
    grid_search(build, {"lr": [1e-3, 0.1]}, *loaders, epochs=1, seed=0)
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed] == ["[1/2]", "[2/2]"]
    assert "lr=0.001" in printed[0] and "val_accuracy" in printed[0]
    grid_search(build, {"lr": [1e-3]}, *loaders, epochs=1, seed=0, progress=False)
    assert capsys.readouterr().out == ""


def test_random_search_is_reproducible_with_a_seed_and_draws_from_the_space(loaders):
    space = {"lr": search.log_uniform(1e-3, 0.3), "hidden": search.int_range(2, 12), "width": [1, 2]}

    def build_any(lr, hidden, width):
        return build(lr, hidden * width)
    first = random_search(build_any, space, *loaders, epochs=1, n_trials=4, seed=7, progress=False)
    again = random_search(build_any, space, *loaders, epochs=1, n_trials=4, seed=7, progress=False)
    other = random_search(build_any, space, *loaders, epochs=1, n_trials=4, seed=8, progress=False)
    assert _without_time(first) == _without_time(again)
    assert [t.params for t in first.trials] != [t.params for t in other.trials]
    for row in first.to_list():
        assert 1e-3 <= row["lr"] <= 0.3 and 2 <= row["hidden"] <= 12 and row["width"] in (1, 2)
        assert isinstance(row["hidden"], int)


def _without_time(result):
    return [{key: value for key, value in row.items() if key != "time"} for row in result.to_list()]


def test_with_a_seed_every_trial_starts_from_the_same_weights_and_batches_even_with_a_seeded_loader():
    X, y = data.blobs(n_samples=120, centers=3, seed=1)
    seeded_loader = data.DataLoader((X, y), batch_size=16, shuffle=True, seed=3)
    result = grid_search(build, {"lr": [0.1, 0.1, 0.1]}, seeded_loader, None, epochs=2, metric="accuracy", seed=0,
                         progress=False)
    logs = [{key: row[key] for key in ("loss", "accuracy")} for row in result.to_list()]
    assert logs[0] == logs[1] == logs[2]


def test_ranges_sample_inside_their_bounds_with_the_documented_distribution():
    rng = np.random.default_rng(0)
    lr = [search.log_uniform(1e-4, 1e-1).sample(rng) for _ in range(4000)]
    assert 1e-4 <= min(lr) and max(lr) <= 1e-1
    decades = np.histogram(np.log10(lr), bins=[-4, -3, -2, -1])[0] / len(lr)
    np.testing.assert_allclose(decades, [1 / 3] * 3, atol=0.04)  # each decade equally likely
    values = [search.uniform(-2.0, 3.0).sample(rng) for _ in range(2000)]
    assert -2.0 <= min(values) and max(values) <= 3.0 and abs(np.mean(values) - 0.5) < 0.15
    assert {search.int_range(3, 5).sample(rng) for _ in range(200)} == {3, 4, 5}  # both ends included
    assert repr(search.log_uniform(1e-4, 1e-1)) == "log_uniform(0.0001, 0.1)"


def test_ctrl_c_during_the_third_trial_returns_the_two_finished_ones(loaders, capsys):
    calls = []

    def build_then_interrupt(lr, hidden):
        calls.append(lr)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return build(lr, hidden)
    result = grid_search(build_then_interrupt, GRID, *loaders, epochs=1, seed=0)
    assert result.interrupted and len(result) == 2 and result.planned == 4
    assert sorted(t.number for t in result.trials) == [1, 2]
    assert result.best_state_dict is not None and result.best_params in [t.params for t in result.trials]
    assert "interrupted" in capsys.readouterr().out and "(interrupted)" in str(result)


def test_a_diverged_trial_ranks_last_and_an_empty_result_prints():
    def trial(number, score):
        return search.Trial(number, {"lr": number}, score, {"val_accuracy": score}, None, 0.0)
    result = SearchResult([trial(1, math.nan), trial(2, 0.5), trial(3, 0.9)], "val_accuracy", "max", None, 3, False)
    assert [t.number for t in result.trials] == [3, 2, 1]
    empty = SearchResult([], "val_loss", "min", None, 4, True)
    assert empty.best_params is None and "no finished trials" in str(empty)


def test_bad_search_input_gets_clear_errors(loaders):
    train, val = loaders
    with pytest.raises(TypeError, match=r"\[0\.1\]"):
        grid_search(build, {"lr": 0.1}, train, val, epochs=1)
    with pytest.raises(TypeError, match="random_search"):
        grid_search(build, {"lr": search.log_uniform(1e-3, 1e-1)}, train, val, epochs=1)
    with pytest.raises(ValueError, match="val_loader"):
        grid_search(build, {"lr": [0.1]}, train, None, epochs=1)
    with pytest.raises(KeyError, match="val_f1"):
        grid_search(build, {"lr": [0.1]}, train, val, epochs=1, metric="val_f1", progress=False)
    with pytest.raises(ValueError, match="mode"):
        grid_search(build, {"lr": [0.1]}, train, val, epochs=1, mode="best")
    with pytest.raises(TypeError, match="model, loss_fn, optimizer"):
        grid_search(lambda lr: None, {"lr": [0.1]}, train, val, epochs=1)
    with pytest.raises(ValueError, match="n_trials"):
        random_search(build, {"lr": [0.1]}, train, val, epochs=1, n_trials=0)
    with pytest.raises(ValueError, match="> 0"):
        search.log_uniform(0.0, 1.0)
    with pytest.raises(ValueError, match="smaller"):
        search.uniform(1.0, 1.0)
    with pytest.raises(TypeError, match="ints"):
        search.int_range(1.5, 3)
