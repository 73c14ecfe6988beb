"""The init lab's new parts: zero, orthogonal and identity init, layers of unequal widths (where Xavier and LeCun
differ), and the symmetry problem of a zero init (hidden units that stay copies of each other)."""
import re
import warnings

import numpy as np
import pytest

from tinygrad_edu import cli, lab
from tinygrad_edu.lab.symmetry import symmetry_lab, unit_spread

HALVING = [512, 256, 128, 64, 32]


@pytest.mark.parametrize("init", ["identity", "orthogonal"])
def test_identity_and_orthogonal_keep_a_square_linear_chain_at_its_scale(init):
    result = lab.init_lab(depth=12, width=32, activation="linear", init=init, batch=64)
    # both keep every length: ‖Wx‖ = ‖x‖ forward and ‖Wᵀg‖ = ‖g‖ backward, whatever the depth
    np.testing.assert_allclose(result.grad_norms, result.grad_norms[-1], rtol=1e-10)
    assert len(result.variance_ratios) == 12 and np.all(np.abs(result.variance_ratios - 1) < 0.02)


def test_identity_init_passes_the_input_through_unchanged():
    result = lab.init_lab(depth=5, width=16, activation="linear", init="identity", batch=32)
    np.testing.assert_allclose(result.variances, result.variances[0], rtol=1e-12)
    np.testing.assert_allclose(result.weight_variances[1:], np.var(np.eye(16)), rtol=1e-12)


def theory(widths, rule):
    """Per linear layer, D(W) of a rule and what it does to the variance forward (n_in·D(W)) and back (n_out·D(W))."""
    n_in, n_out = np.array(widths[:-1], float), np.array(widths[1:], float)
    weight_variance = 1 / n_in if rule == "lecun" else 2 / (n_in + n_out)
    return weight_variance, n_in * weight_variance, n_out * weight_variance


@pytest.mark.parametrize("widths", [HALVING, [64, 128, 256, 512]])
def test_unequal_widths_separate_xavier_from_lecun_as_the_variance_formulas_say(widths):
    for rule in ("lecun", "xavier"):
        result = lab.init_lab(activation="linear", init=rule, widths=widths, batch=256)
        weight_variance, forward, backward = theory(widths, rule)
        np.testing.assert_allclose(result.weight_variances[1:], weight_variance, rtol=0.05)
        np.testing.assert_allclose(result.variance_ratios, forward, rtol=0.08)
        np.testing.assert_allclose(result.grad_variance_ratios, backward, rtol=0.08)
    lecun = lab.init_lab(activation="linear", init="lecun", widths=widths)
    xavier = lab.init_lab(activation="linear", init="xavier", widths=widths)
    assert np.all(np.abs(lecun.weight_variances[1:] / xavier.weight_variances[1:] - 1) > 0.15)


def test_equal_widths_give_xavier_and_lecun_the_same_variance():
    lecun = lab.init_lab(depth=4, width=256, activation="linear", init="lecun", batch=64)
    xavier = lab.init_lab(depth=4, width=256, activation="linear", init="xavier", batch=64)
    np.testing.assert_allclose(lecun.weight_variances[1:], xavier.weight_variances[1:], rtol=0.03)


def test_the_table_adds_width_and_gradient_variance_columns_only_when_widths_differ():
    unequal = lab.init_lab(activation="linear", init="xavier", widths=[16, 8, 4], batch=16).table().splitlines()
    assert unequal[0] == "linear + xavier init, widths 16-8-4"
    assert unequal[1].split()[:3] == ["layer", "width", "D(W)"] and "D(dL/dh_prev)/D(dL/dh)" in unequal[1]
    assert [int(line.split()[1]) for line in unequal[2:]] == [16, 8, 4]
    equal = lab.init_lab(activation="linear", init="xavier", widths=[8, 8, 8], batch=16).table().splitlines()
    assert "width" not in equal[1].split()


@pytest.mark.parametrize("widths", [None, [16, 8, 4]])
def test_the_input_row_leaves_what_it_has_no_value_for_empty(widths):
    """Layer 0 is the input x: it has no weight and no layer before it, so D(W), the ratios and |dL/dW| are "–"."""
    result = lab.init_lab(depth=3, width=8, activation="relu", init="he", batch=16, widths=widths)
    header, input_row, *layers = [line.split() for line in result.table().splitlines()[1:]]
    empty = {name for name, cell in zip(header, input_row) if cell == "–"}
    assert empty == {name for name in header if name in ("D(W)", "|dL/dW|") or ")/D(" in name}  # and the ratios
    assert all("–" not in row and "nan" not in row for row in layers) and "nan" not in input_row
    assert float(input_row[header.index("D(h)")]) == pytest.approx(result.variances[0], rel=1e-3)


@pytest.mark.parametrize("widths", [[8], [8, 0, 4], [8, 2.5]])
def test_bad_widths_name_the_values(widths):
    with pytest.raises(lab.LabError, match=re.escape(f"got {widths}")):
        lab.init_lab(widths=widths)


def test_zero_init_has_no_variance_and_no_weight_gradient_and_says_so_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = lab.init_lab(depth=4, width=16, activation="linear", init="zero", batch=32)
        table = result.table()
    assert np.all(result.variances[1:] == 0) and np.all(result.weight_grad_norms[1:] == 0)
    assert np.isnan(result.variance_ratios[1:]).all() and "nan" in table


# ---- the symmetry problem ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def symmetry():
    return symmetry_lab(steps=150)


def test_zero_init_units_get_identical_gradients_and_stay_identical(symmetry):
    zero, random = symmetry.runs
    assert zero.init == "zero" and random.init == "xavier"
    assert np.all(zero.weight_spreads == 0) and np.all(zero.grad_spreads == 0)
    assert zero.grad_norms[-1].min() > 1e-5  # the units do learn, and all learn the same
    assert np.all(random.weight_spreads > 0.5) and np.all(random.grad_spreads[:10] > 0)
    assert unit_spread(zero.first_layer) == 0 and np.any(zero.first_layer != 0)


def test_copied_units_cannot_fit_the_circles(symmetry):
    zero, random = symmetry.runs
    assert random.losses[-1] < 0.05 and zero.losses[-1] > 0.4


def test_with_relu_or_tanh_a_zero_init_gets_no_gradient_at_all():
    for activation in ("relu", "tanh"):
        zero = symmetry_lab(inits=["zero"], activation=activation, steps=5).runs[0]
        assert np.all(zero.grad_norms == 0) and np.all(zero.first_layer == 0)


def test_unit_spread_measures_the_largest_difference_from_the_first_row():
    assert unit_spread(np.array([[1.0, 2.0], [1.0, 2.0]])) == 0
    assert unit_spread(np.array([[1.0, 2.0], [1.5, 2.0], [1.0, -1.0]])) == 3.0


def test_symmetry_table_and_figure(symmetry, tmp_path):
    text = symmetry.table(rows=3)
    blocks = text.split("\n\n")
    assert blocks[0].startswith("zero init, sigmoid, MLP 2-8-8-2") and blocks[1].startswith("xavier init")
    for line in blocks[0].splitlines()[2:]:  # step, loss, then per layer: W spread, dW spread, |dW|
        values = line.split()
        assert values[2] == values[3] == values[5] == values[6] == "0"
    pytest.importorskip("matplotlib")
    figure = symmetry.plot(tmp_path / "symmetry.png")
    zero_map, random_map, losses = figure.axes[:3]  # then the two colour bars
    assert zero_map.get_title() == "zero init: units differ by 0"
    assert float(random_map.get_title().split("differ by ")[1]) == pytest.approx(
        unit_spread(symmetry.runs[1].first_layer), rel=1e-2)
    assert all(axes.get_xlabel() and axes.get_ylabel() for axes in (zero_map, random_map, losses))
    assert [line.get_label() for line in losses.get_lines()] == ["zero init", "xavier init"]
    assert (tmp_path / "symmetry.png").stat().st_size > 1000


def test_init_lab_command_shows_symmetry_and_unequal_widths(capsys):
    assert cli.main(["init-lab", "--symmetry", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "zero init, sigmoid" in out and "xavier init, sigmoid" in out
    assert cli.main(["init-lab", "--widths", "64,32,16", "--activation", "linear", "--init", "lecun", "xavier",
                     "--batch", "32"]) == 0
    out = capsys.readouterr().out
    assert "linear + lecun init, widths 64-32-16" in out and "linear + xavier init, widths 64-32-16" in out
