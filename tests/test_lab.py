"""The labs: test functions, the optimizer playground and its step tables, the init & gradient-flow lab,
optimizer comparison, schedules and the LR range test, and their tinygrad-edu subcommands."""
import math
import unicodedata

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import cli, data, errors, lab, optim


def autograd_gradient(function, point):
    p = tg.tensor(np.array(point, dtype=np.float64), requires_grad=True)
    function(p).backward()
    return p.grad.data


# ---- test functions ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(lab.FUNCTIONS))
def test_each_function_is_differentiable_and_its_minimum_is_stationary(name):
    test = lab.get_function(name)
    grad = autograd_gradient(test, test.start)
    assert grad.shape == (test.dim,) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(tg.numerical_grad(test, tg.tensor(np.array(test.start), requires_grad=True))[0],
                               grad, rtol=1e-6, atol=1e-6)
    if test.minimum is not None:
        np.testing.assert_allclose(autograd_gradient(test, test.minimum), 0.0, atol=1e-9)
    assert len(test.window) == test.dim and all(low < high for low, high in test.window)


def test_functions_evaluate_a_whole_grid_for_contours():
    grid = tg.tensor(np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 4))), dtype="float64")
    surface = lab.get_function("rosenbrock")(grid).data
    assert surface.shape == (4, 5)
    assert surface[0, 0] == pytest.approx((1 + 2) ** 2 + 100 * (-1 - 4) ** 2)


# ---- playground ----------------------------------------------------------------------------------------
def test_gradient_descent_converges_on_the_lecture_quadratic():
    result = lab.playground([("gd", {"lr": 0.5})], function="quadratic", steps=300)
    run = result.runs["gd(lr=0.5)"]
    assert np.linalg.norm(run.points[-1]) < 1e-3
    assert np.all(np.diff(run.losses) < 0)
    assert not run.diverged


def test_the_lecture_gradient_descent_table_is_reproduced():
    """f(x) = x⁴ + x + 2, x₀ = 1, γ = 0.2, forward differences with h = 0.001 (lecture 2's slide)."""
    lecture = [(1.000, 4.000, 5.006), (-0.001, 1.999, 1.000), (-0.201, 1.800, 0.968), (-0.395, 1.630, 0.755),
               (-0.546, 1.543, 0.352), (-0.616, 1.528, 0.067), (-0.629, 1.528, 0.005)]
    run = lab.playground("gd:lr=0.2", function="quartic", steps=6, derivative="forward", h=0.001).runs["gd(lr=0.2)"]
    ours = np.column_stack([run.points[:, 0], run.losses, run.grads[:, 0]])
    np.testing.assert_allclose(ours, lecture, atol=0.0015)
    table = lab.playground("gd:lr=0.2", function="quartic", steps=6, derivative="forward", h=0.001).table()
    assert table.splitlines()[0].split() == ["t", "x", "f(x)", "df/dx"]
    assert table.splitlines()[1].split() == ["0", "1.000", "4.000", "5.006"]


def test_the_lecture_quadratic_from_its_start_point():
    """0.06x₁² + 0.25x₂² − 0.04x₁x₂ at (−5, −7.5): f = 14.0625, ∇f = (−0.3, −3.55); one step of γ = 0.5."""
    run = lab.playground("gd:lr=0.5", function="quadratic", steps=40).runs["gd(lr=0.5)"]
    assert run.losses[0] == pytest.approx(14.0625)
    np.testing.assert_allclose(run.grads[0], [-0.3, -3.55])
    np.testing.assert_allclose(run.points[1], [-4.85, -5.725])
    hessian = np.array([[0.12, -0.04], [-0.04, 0.5]])
    np.testing.assert_allclose(run.points[40], np.linalg.matrix_power(np.eye(2) - 0.5 * hessian, 40) @ [-5, -7.5])


@pytest.mark.parametrize("spec", [("adam", {"lr": 0.1}), ("momentum", {"lr": 1e-3}), "nesterov:lr=0.001"])
def test_adam_and_momentum_trajectories_have_one_point_per_step_and_lower_the_loss(spec):
    result = lab.playground([spec], function="rosenbrock", start=(-1.5, 2.0), steps=50)
    (run,) = result.runs.values()
    assert run.points.shape == (51, 2) and run.losses.shape == (51,) and run.grads.shape == (51, 2)
    assert len(run) == 51
    np.testing.assert_array_equal(run.points[0], [-1.5, 2.0])
    assert run.losses[-1] < 0.5 * run.losses[0]
    # each recorded loss is f at the recorded point
    f = lab.get_function("rosenbrock")
    assert run.losses[17] == pytest.approx(f(tg.tensor(run.points[17])).item())


def test_the_playground_drives_optimizers_exactly_as_a_hand_written_loop():
    result = lab.playground([("adam", {"lr": 0.05})], function="beale", steps=20)
    p = tg.tensor(np.array(lab.get_function("beale").start), requires_grad=True)
    optimizer = optim.Adam([p], lr=0.05)
    for _ in range(20):
        optimizer.zero_grad()
        lab.get_function("beale")(p).backward()
        optimizer.step()
    np.testing.assert_allclose(result.runs["adam(lr=0.05)"].points[-1], p.data, rtol=1e-12)


def test_forward_differences_match_autograd_to_order_h():
    """The error of (f(x + h) − f(x)) / h is about h·f″/2: ten times smaller h, ten times smaller error."""
    errors_by_h = {}
    for h in (1e-2, 1e-3):
        run = lab.playground("gd:lr=0.0005", function="rosenbrock", steps=5, derivative="forward", h=h).runs
        run = next(iter(run.values()))
        exact = np.array([autograd_gradient(lab.get_function("rosenbrock"), point) for point in run.points])
        errors_by_h[h] = np.abs(run.grads - exact).max()
    assert errors_by_h[1e-3] < 1e-3 * 1000  # |f″| ≤ ~2000 near the start, so the error is at most ~h·1000
    assert 5 < errors_by_h[1e-2] / errors_by_h[1e-3] < 20


def test_optimizer_names_are_case_insensitive_and_settings_label_the_run():
    result = lab.playground(["ADAM", ("Sgd", {"lr": 0.01}), "adam"], function="ravine", steps=3)
    assert list(result.runs) == ["ADAM", "Sgd(lr=0.01)", "adam"]
    assert list(lab.playground(["adam", "adam"], steps=1).runs) == ["adam", "adam #2"]


def test_newton_needs_only_the_closure_the_playground_always_passes():
    run = lab.playground("newton", function="quadratic", steps=1).runs["newton"]
    np.testing.assert_allclose(run.points[-1], [0.0, 0.0], atol=1e-6)


def test_bad_optimizer_name_lists_the_choices():
    with pytest.raises(lab.LabError) as info:
        lab.playground(["adamm"])
    message = str(info.value)
    assert "adamm" in message
    for choice in ("sgd", "adam", "rmsprop", "momentum", "gd"):
        assert choice in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, errors.TinygradEduError)


@pytest.mark.parametrize("call, fragment", [
    (lambda: lab.playground("sgd", function="himmelblau"), "rosenbrock"),
    (lambda: lab.playground("sgd", derivative="central"), "autograd"),
    (lambda: lab.playground("sgd", steps=-1), "steps"),
    (lambda: lab.playground([("sgd", 0.1)]), "pair"),
    (lambda: lab.playground("adam:0.1"), "key=value"),
])
def test_bad_playground_settings_are_explained(call, fragment):
    with pytest.raises(lab.LabError, match=fragment):
        call()


def test_a_start_point_of_the_wrong_dimension_is_a_shape_error():
    with pytest.raises(errors.ShapeError, match="2-D start point"):
        lab.playground("sgd", function="rosenbrock", start=(1.0,))


def test_a_diverging_run_stops_and_says_so():
    run = lab.playground("gd:lr=0.1", function="rosenbrock", steps=100).runs["gd(lr=0.1)"]
    assert run.diverged and len(run) < 101
    assert not np.isfinite(run.losses[-1]) or not np.all(np.isfinite(run.grads[-1]))
    assert "(diverged)" in lab.playground("gd:lr=0.1", steps=100).summary()


@pytest.mark.parametrize("name", sorted(lab.FUNCTIONS))
def test_the_summary_measures_the_distance_to_a_minimum_or_says_there_is_none(name):
    result = lab.playground(["gd:lr=0.01", "adam:lr=0.1"], function=name, steps=5)
    lines = result.summary().splitlines()
    rows, note = lines[1:1 + len(result.runs)], lines[1 + len(result.runs):]
    test = lab.get_function(name)
    if test.minimum is None:
        assert all(row.split()[-1] == "–" for row in rows) and "nan" not in result.summary()
        assert note == [f"– {name} (f = {test.formula}) has no minimum to measure a distance to"]
    else:
        distances = [float(row.split()[-1]) for row in rows]
        ends = [run.points[-1] for run in result.runs.values()]
        np.testing.assert_allclose(distances, [np.linalg.norm(end - test.minimum) for end in ends], rtol=1e-3)
        assert note == []


def test_two_dimensional_step_table_and_summary():
    result = lab.playground(["gd:lr=0.5", "adam:lr=0.5"], function="quadratic", steps=40)
    lines = result.table(steps=[0, 1, 40], digits=2).splitlines()
    assert lines[0].split() == ["t", "x1", "x2", "f(x)", "df/dx1", "df/dx2"]
    assert lines[1].split() == ["0", "-5.00", "-7.50", "14.06", "-0.30", "-3.55"]
    assert lines[3].split()[0] == "40" and len(lines) == 4
    summary = result.summary()
    assert "gd(lr=0.5)" in summary and "adam(lr=0.5)" in summary and "distance to minimum" in summary


# ---- optimizer state in the step tables, lookahead ---------------------------------------------------------
def display_width(line):
    return sum(not unicodedata.combining(character) for character in line)


def test_momentum_state_is_the_lectures_h_the_step_just_taken():
    """h_t = μh_{t−1} + ηg_{t−1} and θ_t = θ_{t−1} − h_t: each h is the difference of two recorded points."""
    run = lab.playground("momentum:lr=0.01", function="rosenbrock", steps=30).runs["momentum(lr=0.01)"]
    h = run.states["h"]
    assert np.all(np.isnan(h[0]))  # no step taken yet
    np.testing.assert_allclose(h[1:], run.points[:-1] - run.points[1:], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(h[1], 0.01 * run.grads[0])
    np.testing.assert_allclose(h[2:], 0.9 * h[1:-1] + 0.01 * run.grads[1:-1], rtol=1e-9)
    pytorch_form = lab.playground("sgd:lr=0.01,momentum=0.9", function="rosenbrock", steps=30).runs
    np.testing.assert_allclose(next(iter(pytorch_form.values())).points, run.points, rtol=1e-9)
    np.testing.assert_allclose(next(iter(pytorch_form.values())).states["b"][1:] * 0.01, h[1:], rtol=1e-9)


def test_adagrad_and_rmsprop_state_accumulate_the_recorded_squared_gradients():
    runs = lab.playground(["adagrad:lr=0.3", "rmsprop:lr=0.01,alpha=0.9"], function="beale", steps=15).runs
    adagrad, rmsprop = runs.values()
    np.testing.assert_allclose(adagrad.states["G"][1:], np.cumsum(adagrad.grads[:-1] ** 2, axis=0), rtol=1e-9)
    v = np.zeros(2)
    for t in range(1, len(rmsprop)):
        v = 0.9 * v + 0.1 * rmsprop.grads[t - 1] ** 2
        np.testing.assert_allclose(rmsprop.states["v"][t], v, rtol=1e-9)


@pytest.mark.parametrize("spec, betas", [("adam:lr=0.05", (0.9, 0.999)), ("adamw:lr=0.05,betas=(0.8,0.99)", (0.8, 0.99))])
def test_adam_state_m_v_and_the_bias_corrected_m_hat_v_hat_explain_each_step(spec, betas):
    (run,) = lab.playground(spec, function="beale", steps=12).runs.values()
    beta1, beta2 = betas
    m, v = run.states["m"], run.states["v"]
    for t in range(1, len(run)):
        g = run.grads[t - 1]
        previous = (np.zeros(2), np.zeros(2)) if t == 1 else (m[t - 1], v[t - 1])
        np.testing.assert_allclose(m[t], beta1 * previous[0] + (1 - beta1) * g, rtol=1e-9)
        np.testing.assert_allclose(v[t], beta2 * previous[1] + (1 - beta2) * g ** 2, rtol=1e-9)
        m_hat, v_hat = run.states["m̂"][t], run.states["v̂"][t]
        np.testing.assert_allclose(m_hat, m[t] / (1 - beta1 ** t), rtol=1e-12)
        np.testing.assert_allclose(v_hat, v[t] / (1 - beta2 ** t), rtol=1e-12)
        if spec.startswith("adam:"):  # θ_t = θ_{t−1} − η·m̂_t/(√v̂_t + ε): the state is what moved the point
            np.testing.assert_allclose(run.points[t], run.points[t - 1] - 0.05 * m_hat / (np.sqrt(v_hat) + 1e-8),
                                       rtol=1e-9)


def test_step_tables_show_the_state_under_the_lectures_symbols():
    result = lab.playground(["adam:lr=0.5", "momentum:lr=0.5", "gd:lr=0.5"], function="quadratic", steps=3)
    lines = result.table("adam(lr=0.5)").splitlines()
    assert lines[0].split()[6:] == ["m1", "m2", "v1", "v2", "m̂1", "m̂2", "v̂1", "v̂2"]
    assert lines[1].split()[6:] == ["–"] * 8
    assert len({display_width(line) for line in lines}) == 1  # the hat of m̂ takes no column of its own
    run = result.runs["adam(lr=0.5)"]
    assert float(lines[2].split()[10]) == pytest.approx(run.states["m̂"][1][0], rel=1e-2)
    assert result.table("momentum(lr=0.5)").splitlines()[0].split()[6:] == ["h1", "h2"]
    assert result.table("gd(lr=0.5)").splitlines()[0].split() == ["t", "x1", "x2", "f(x)", "df/dx1", "df/dx2"]
    assert "m1" not in result.table("adam(lr=0.5)", state=False)


def test_lookahead_by_name_wraps_adam_by_default_and_any_named_inner_optimizer():
    beale = lab.get_function("beale")
    for spec, inner in [("lookahead:lr=0.05", optim.Adam), ("lookahead:inner=momentum,lr=0.001,k=3,alpha=0.8",
                                                            optim.SGD)]:
        (run,) = lab.playground(spec, function="beale", steps=14).runs.values()
        _, make, settings = lab.resolve(spec)
        p = tg.tensor(np.array(beale.start), requires_grad=True)
        optimizer = make([p], **settings)
        assert isinstance(optimizer, optim.Lookahead) and isinstance(optimizer.base_optimizer, inner)
        for _ in range(14):
            optimizer.zero_grad()
            beale(p).backward()
            optimizer.step()
        np.testing.assert_allclose(run.points[-1], p.data, rtol=1e-12)
        k = optimizer.k
        slow = run.states["φ"]
        np.testing.assert_array_equal(slow[0], beale.start)
        np.testing.assert_array_equal(run.points[k], slow[k])  # every k steps θ jumps back to φ
        assert np.all(slow[1:k] == slow[0]) and not np.all(slow[k] == slow[0])
    assert lab.resolve("lookahead:inner=momentum,k=3")[2] == {"inner": "momentum", "k": 3}
    with pytest.raises(lab.LabError, match="unknown optimizer 'adamm'"):
        lab.playground("lookahead:inner=adamm")


def assert_lecture_figure(figure):
    """Every visible axis labelled, and one legend for the figure, beside the panels rather than on one."""
    for axes in figure.axes:
        if axes.get_visible():
            assert axes.get_xlabel() and axes.get_ylabel(), axes.get_title()
            assert axes.get_legend() is None
    assert len(figure.legends) == 1


@pytest.mark.parametrize("function", ["quartic", "rosenbrock", "saddle"])
def test_playground_figure(tmp_path, function):
    pytest.importorskip("matplotlib")
    path = tmp_path / "paths.png"
    figure = lab.playground(["gd:lr=0.001", "adam:lr=0.1"], function=function, steps=20).plot(path)
    assert path.stat().st_size > 1000
    assert len(figure.axes) == 2
    assert_lecture_figure(figure)


# ---- figures for a lecture hall ----------------------------------------------------------------------------
def test_sixteen_runs_get_sixteen_different_looks():
    looks = [tuple(sorted(lab.plotting.run_style(index, 101).items())) for index in range(17)]
    assert len(set(looks[:16])) == 16 and looks[16] == looks[0]
    assert all(dict(look)["markevery"] == 10 for look in looks)


def test_a_diverging_run_is_clipped_out_and_named_in_the_title():
    """Momentum on the saddle falls to about −1e30 in 100 steps; the y-axis keeps to the other runs' range."""
    pytest.importorskip("matplotlib")
    specs = ["gd:lr=0.01", "momentum:lr=0.1", "adam:lr=0.05", "radam:lr=0.05"]
    result = lab.playground(specs, function="saddle", steps=100)
    losses = {label: run.losses for label, run in result.runs.items()}
    assert losses["momentum(lr=0.1)"].min() < -1e6 * abs(losses["momentum(lr=0.1)"][0])  # it does diverge
    figure = result.plot()
    loss_axes = figure.axes[1]
    assert "y clipped: momentum(lr=0.1) diverged" in loss_axes.get_title().replace("\n", " ")
    others = np.concatenate([values for label, values in losses.items() if label != "momentum(lr=0.1)"])
    low, high = loss_axes.get_ylim()
    assert low <= others.min() and others.max() <= high and high - low < 1.2 * (others.max() - others.min())
    assert_lecture_figure(figure)


def test_fit_y_axis_logs_positive_curves_over_decades_and_drops_exact_minima_off_the_bottom():
    pytest.importorskip("matplotlib")
    _, (axes,) = lab.plotting.new_figure()
    curves = {"slow": np.geomspace(10.0, 1e-3, 50), "exact": np.array([10.0, 1e-60, 0.0]),
              "nan": np.array([10.0, 5.0, np.nan])}
    assert lab.plotting.fit_y_axis(axes, curves) == "y clipped: nan diverged"
    assert axes.get_yscale() == "log"
    low, high = axes.get_ylim()
    assert low > 1e-60 and low <= 1e-3 and high >= 10.0
    _, (flat,) = lab.plotting.new_figure()
    assert lab.plotting.fit_y_axis(flat, {"a": [1.0, -2.0], "b": [1.0, 0.5]}) == ""
    assert flat.get_yscale() == "linear"


# ---- init & gradient flow ------------------------------------------------------------------------------
def test_sigmoid_with_naive_init_makes_gradients_vanish_and_relu_with_he_keeps_them():
    vanishing = lab.init_lab(depth=10, width=64, activation="sigmoid", init="naive", batch=128)
    steady = lab.init_lab(depth=10, width=64, activation="relu", init="he", batch=128)
    assert vanishing.weight_grad_norms[1] / vanishing.weight_grad_norms[-1] < 1e-8
    assert vanishing.grad_norms[0] / vanishing.grad_norms[-1] < 1e-8
    assert 0.2 < steady.weight_grad_norms[1] / steady.weight_grad_norms[-1] < 5
    assert 0.2 < steady.grad_norms[0] / steady.grad_norms[-1] < 5
    assert 0.2 < steady.variances[-1] / steady.variances[1] < 5


def test_relu_with_standard_normal_weights_explodes():
    result = lab.init_lab(depth=6, width=64, activation="relu", init="normal", batch=128)
    assert np.all(result.variance_ratios > 10)  # about n/2 = 32 per layer


def test_uniform_one_over_sqrt_n_divides_the_variance_by_three_per_linear_layer():
    result = lab.init_lab(depth=8, width=128, activation="linear", init="uniform", batch=256)
    assert result.variance_ratios.mean() == pytest.approx(1 / 3, rel=0.08)
    assert np.all(np.abs(result.variance_ratios - 1 / 3) < 0.1)


@pytest.mark.parametrize("scale", [1.5, 0.5])
def test_linear_chain_of_diagonal_weights_scales_signal_and_gradient_by_scale_to_the_depth(scale):
    result = lab.linear_chain(scale, depth=10)
    assert result.variances[-1] / result.variances[0] == pytest.approx(scale ** 20, rel=1e-9)
    assert result.grad_norms[0] / result.grad_norms[-1] == pytest.approx(scale ** 10, rel=1e-9)
    np.testing.assert_allclose(result.variance_ratios, scale ** 2, rtol=1e-9)


def test_init_lab_table_plot_and_errors(tmp_path):
    result = lab.init_lab(depth=3, width=16, activation="tanh", init="xavier", batch=32)
    lines = result.table().splitlines()
    assert lines[0] == "tanh + xavier init, depth 3, width 16"
    assert lines[1].split() == ["layer", "D(h)", "D(h)/D(h_prev)", "|dL/dh|", "|dL/dW|"]
    assert len(lines) == 2 + 4
    with pytest.raises(lab.LabError, match="relu"):
        lab.init_lab(activation="swish")
    with pytest.raises(lab.LabError, match="xavier"):
        lab.init_lab(init="orthogonal-ish")
    pytest.importorskip("matplotlib")
    lab.plot_init_lab([result, lab.linear_chain(0.5, depth=3)], tmp_path / "init.png")
    assert (tmp_path / "init.png").stat().st_size > 1000


# ---- optimizer comparison, schedules, LR range test ----------------------------------------------------
def test_compare_trains_every_optimizer_from_the_same_start_on_the_same_batches():
    result = lab.compare_optimizers(["adam:lr=0.01", "adam:lr=0.01", "sgd:lr=0.1"], epochs=2, samples=300)
    assert list(result.histories) == ["adam(lr=0.01)", "adam(lr=0.01) #2", "sgd(lr=0.1)"]
    first, again, sgd = result.histories.values()
    assert first["loss"] == again["loss"] and first["val_loss"] == again["val_loss"]
    assert sgd["loss"] != first["loss"] and len(sgd) == 2
    assert "spirals: 240 train / 60 val samples, MLP 2-64-64-3 relu" in result.table()


@pytest.mark.parametrize("schedule, epochs", [("step", 4), ("cyclic", 2)])
def test_compare_follows_a_registry_schedule_from_each_optimizers_rate(schedule, epochs):
    specs = ["sgd:lr=0.1", "lookahead:inner=momentum,lr=0.05"]
    result = lab.compare_optimizers(specs, epochs=epochs, samples=200, schedule=schedule.upper())
    assert result.description.endswith(f"{epochs} epochs, {schedule} schedule")
    batches = 160 // 32  # 200 samples, 80% for training, batches of 32
    steps = epochs * batches if lab.SCHEDULES[schedule].unit == "batch" else epochs
    for (label, history), lr in zip(result.histories.items(), (0.1, 0.05)):
        expected = lab.schedule_values(lab.make_schedule(schedule, lr, steps), steps)
        per_epoch = expected[::steps // epochs]  # the rate each epoch started with
        np.testing.assert_allclose(history["lr"], per_epoch, rtol=1e-12, err_msg=label)
    with pytest.raises(lab.LabError, match="cosine"):
        lab.compare_optimizers(["sgd"], schedule="warm-ish")


def test_compare_command_takes_a_schedule(capsys):
    argv = ["compare", "--epochs", "2", "--samples", "200", "--optimizers", "adam:lr=0.01", "--schedule", "cosine"]
    assert cli.main(argv) == 0
    assert "2 epochs, cosine schedule" in capsys.readouterr().out


def test_compare_on_fashion_mnist_when_installed():
    try:
        data.fashion_mnist()
    except data.DatasetNotFoundError:
        pytest.skip("Fashion-MNIST is not installed")
    result = lab.compare_optimizers(["sgd:lr=0.1", "adam:lr=0.003"], dataset="fashion-mnist", epochs=2, samples=1000)
    assert "MLP 784-128-10" in result.description
    for history in result.histories.values():
        assert history["val_accuracy"][-1] > 0.3  # ten classes: chance is 0.1


def test_compare_figure(tmp_path):
    pytest.importorskip("matplotlib")
    result = lab.compare_optimizers(["sgd:lr=0.1", "adam:lr=0.01"], epochs=2, samples=200)
    figure = result.plot(tmp_path / "compare.png")
    assert (tmp_path / "compare.png").stat().st_size > 1000
    assert_lecture_figure(figure)
    assert [text.get_text() for text in figure.legends[0].get_texts()] == list(result.histories)


def test_schedule_values_follow_the_lecture_forms():
    lrs = lab.schedule_values(lab.make_schedule("linear", lr=0.1, steps=10), 10)
    np.testing.assert_allclose(lrs, [0.1 * (1 - t / 10) for t in range(10)])
    lrs = lab.schedule_values(lab.make_schedule("exponential", lr=0.1, steps=40), 40)
    np.testing.assert_allclose(lrs, [0.1 * math.exp(-t / 10) for t in range(40)])
    with pytest.raises(lab.LabError, match="cosine"):
        lab.make_schedule("warmup")


def test_a_plateau_schedule_has_nothing_to_draw_in_advance():
    opt = optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(lab.LabError, match="loss"):
        lab.schedule_values(optim.lr_scheduler.ReduceLROnPlateau(opt), 10)


def test_schedule_and_lr_finder_figures(tmp_path):
    pytest.importorskip("matplotlib")
    lab.plot_schedule({name: lab.make_schedule(name, 0.1, 50) for name in lab.SCHEDULES}, 50, tmp_path / "s.png")
    lab.plot_schedule(lab.make_schedule("cosine", 0.1, 50), 50, tmp_path / "one.png")
    result = lab.lr_range_test(samples=300, num_steps=30)
    lab.plot_lr_finder(result, tmp_path / "lr.png")
    assert all((tmp_path / name).stat().st_size > 1000 for name in ("s.png", "one.png", "lr.png"))


def test_lr_range_test_sweeps_geometrically_and_suggests_a_rate_inside_the_sweep():
    result = lab.lr_range_test(samples=300, num_steps=40, start_lr=1e-4, end_lr=1.0)
    assert result.lrs[0] == pytest.approx(1e-4)
    ratios = np.array(result.lrs[1:]) / np.array(result.lrs[:-1])
    np.testing.assert_allclose(ratios, ratios[0])
    assert 1e-4 <= result.suggested_lr <= 1.0


def test_the_lr_finder_reads_its_suggestion_from_the_smoothed_loss_and_draws_it_there():
    pytest.importorskip("matplotlib")
    result = lab.lr_range_test(samples=300, num_steps=40)
    smoothed, average = [], result.losses[0]
    for loss in result.losses:  # the exponential moving average with the finder's smoothing 0.05
        average = 0.05 * loss + 0.95 * average
        smoothed.append(average)
    np.testing.assert_allclose(result.smoothed_losses, smoothed)
    steepest = int(np.argmin(np.gradient(np.array(smoothed), np.log(result.lrs))))
    assert result.suggested_lr == result.lrs[steepest]
    assert result.lowest_loss_lr == result.lrs[int(np.argmin(smoothed))]
    axes = lab.plot_lr_finder(result).axes[0]
    curves = {line.get_label(): line for line in axes.get_lines()}
    np.testing.assert_allclose(curves["loss of each batch"].get_ydata(), result.losses)
    np.testing.assert_allclose(curves["smoothed loss"].get_ydata(), smoothed)
    marker = next(line for label, line in curves.items() if label.startswith("suggested lr"))
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (result.suggested_lr, smoothed[steepest])


def test_the_lr_finder_command_and_example_run_one_test_with_one_report(capsys):
    """The lr-finder command's defaults are lab.lr_range_test's, which examples/lr_finder.py calls with no
    arguments, and both print lab.schedules.lr_finder_report: one setup, one suggested rate."""
    import inspect

    from tinygrad_edu.lab.schedules import lr_finder_report
    defaults = {name: parameter.default for name, parameter in inspect.signature(lab.lr_range_test).parameters.items()}
    parsed = vars(cli.build_parser().parse_args(["lr-finder"]))
    for option in ("dataset", "samples", "hidden", "batch_size", "seed", "data_root", "start_lr", "end_lr",
                   "num_steps", "optimizer"):
        assert parsed[option] == defaults[option], option
    assert cli.main(["lr-finder", "--samples", "300", "--num-steps", "30"]) == 0
    report = lr_finder_report(lab.lr_range_test(samples=300, num_steps=30))
    assert capsys.readouterr().out == report + "\n"
    assert "suggested learning rate: " in report and "a tenth of it" in report


# ---- the subcommands -------------------------------------------------------------------------------------
def test_playground_command_prints_the_lecture_table(capsys):
    argv = ["playground", "--function", "quartic", "--optimizers", "gd:lr=0.2", "--steps", "6",
            "--derivative", "forward", "--table"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "0   1.000  4.000  5.006" in out and "6  -0.629  1.528  0.005" in out
    assert "gd(lr=0.2)" in out


def test_playground_command_tables_show_the_optimizer_state(capsys):
    argv = ["playground", "--function", "quartic", "--optimizers", "momentum:lr=0.1", "lookahead:inner=adam,k=2",
            "--steps", "4", "--table"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    result = lab.playground(["momentum:lr=0.1", "lookahead:inner=adam,k=2"], function="quartic", steps=4)
    for label in result.runs:
        assert f"{label}\n{result.table(label)}" in out
    assert "   h" in out and "m̂  " in out and "φ" in out


def test_playground_command_reports_an_unknown_optimizer(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["playground", "--optimizers", "adamx", "--steps", "2"])
    assert exit_info.value.code == 2 and "--optimizers: adamx: unknown optimizer 'adamx'" in capsys.readouterr().err


def test_lab_commands_write_their_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    commands = {
        "playground": ["--steps", "10"],
        "init-lab": ["--depth", "3", "--width", "16", "--batch", "32"],
        "compare": ["--epochs", "1", "--samples", "200", "--optimizers", "sgd:lr=0.1", "adam"],
        "schedule": ["--steps", "20", "--names", "cosine", "onecycle"],
        "lr-finder": ["--samples", "200", "--num-steps", "20"],
    }
    for name, options in commands.items():
        out = tmp_path / f"{name}.png"
        assert cli.main([name, *options, "--out", str(out)]) == 0, name
        assert out.stat().st_size > 1000, name
    printed = capsys.readouterr().out
    assert "sigmoid + naive init" in printed and "relu + he init" in printed
    assert "suggested learning rate" in printed


def test_init_lab_command_runs_the_lecture_chain(capsys):
    assert cli.main(["init-lab", "--chain", "1.5", "--depth", "10"]) == 0
    out = capsys.readouterr().out
    assert "linear + diag(1.5) init, depth 10, width 8" in out
    ratios = [float(line.split()[2]) for line in out.splitlines()[3:13]]
    assert ratios == [2.25] * 10


def test_decision_regions_colour_the_plane_by_the_predicted_class(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = data.blobs(n_samples=60, seed=0)
    figure = lab.plot_decision_regions(tg.nn.Linear(2, 3), X, y, tmp_path / "regions.png", title="untrained")
    assert figure.axes[0].get_title() == "untrained"
    assert figure.axes[0].get_xlabel() == "x₁" and figure.axes[0].get_ylabel() == "x₂"
    assert (tmp_path / "regions.png").stat().st_size > 1000
