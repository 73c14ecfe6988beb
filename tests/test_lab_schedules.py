"""The schedule registry (optim.schedules.SCHEDULES) shared by train --schedule, the schedule command and the labs:
each entry's shape over a run of T steps, per-epoch versus per-batch stepping inside train.fit, momentum cycling,
errors, and the small-multiples figure."""
import argparse
import math

import numpy as np
import pytest
from test_train import blobs_setup

from tinygrad_edu import cli, lab, optim, train, zeros
from tinygrad_edu.optim.schedules import SCHEDULES, make_scheduler, steps_in_run
from tinygrad_edu.train import command as train_command

LR = 0.1


def values(name, steps, lr=LR):
    return np.array(lab.schedule_values(lab.make_schedule(name, lr, steps), steps))


def test_the_lab_and_train_read_one_registry():
    assert lab.SCHEDULES is SCHEDULES
    parser = argparse.ArgumentParser()
    train_command.add_arguments(parser)
    for name in ["none", "plateau", *SCHEDULES]:
        assert parser.parse_args(["--schedule", name]).schedule == name


@pytest.mark.parametrize("steps", [40, 200])
def test_closed_forms_of_the_decays(steps):
    t = np.arange(steps)
    np.testing.assert_allclose(values("linear", steps), LR * (1 - t / steps), atol=1e-15)
    np.testing.assert_allclose(values("exponential", steps), LR * np.exp(-4 * t / steps))
    np.testing.assert_allclose(values("cosine", steps), LR * (1 + np.cos(np.pi * t / steps)) / 2, atol=1e-15)
    np.testing.assert_allclose(values("step", steps), LR * 0.5 ** np.floor(4 * t / steps))
    multistep = LR * 0.1 ** ((t >= steps // 2).astype(int) + (t >= 3 * steps // 4))
    np.testing.assert_allclose(values("multistep", steps), multistep)


@pytest.mark.parametrize("steps", [50, 200])
def test_sgdr_restarts_after_periods_growing_by_two(steps):
    lrs = values("sgdr", steps)
    period = math.ceil(steps / 7)
    restarts = [t for t in range(1, steps) if lrs[t] > lrs[t - 1]]
    assert restarts == [period, 3 * period]
    assert lrs[restarts] == pytest.approx([LR, LR]) and lrs[0] == LR
    assert lrs[period - 1] == lrs[:period].min() < 0.1 * LR  # annealed towards 0 until the restart


@pytest.mark.parametrize("steps", [48, 200])
def test_cyclic_rises_and_falls_four_times_between_a_tenth_of_the_rate_and_the_rate(steps):
    lrs = values("cyclic", steps)
    half = math.ceil(steps / 8)
    peaks = [t for t in range(1, steps - 1) if lrs[t - 1] < lrs[t] > lrs[t + 1]]
    assert peaks == [half, 3 * half, 5 * half, 7 * half]
    assert lrs[peaks] == pytest.approx([LR] * 4)
    assert lrs.min() == pytest.approx(LR / 10) and lrs[0] == pytest.approx(LR / 10)


def test_onecycle_warms_up_for_thirty_percent_then_anneals_to_the_minimum():
    steps = 100
    scheduler = lab.make_schedule("onecycle", LR, steps)
    lrs = lab.schedule_values(scheduler, steps)
    assert lrs[0] == pytest.approx(LR / 25) and int(np.argmax(lrs)) == 29 and max(lrs) == pytest.approx(LR)
    assert lrs[-1] == pytest.approx(LR / 25 / 1e4)  # the rate of the run's last batch
    scheduler.step()  # train.fit steps once more after the last batch: allowed, the rate is not used
    with pytest.raises(ValueError, match="stepped 101 times, but total_steps is 100"):
        scheduler.step()


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_schedule_stays_between_zero_and_its_peak(name):
    lrs = values(name, 60)
    assert np.all(lrs >= 0) and lrs.max() == pytest.approx(LR) and np.all(lrs <= LR * (1 + 1e-12))


def test_cycles_move_momentum_only_of_optimizers_that_have_it():
    def after_steps(optimizer, name, read):
        scheduler = make_scheduler(name, optimizer, 16)
        seen = {read(optimizer)}
        for _ in range(4):
            scheduler.step()
            seen.add(read(optimizer))
        return seen

    beta1 = after_steps(optim.Adam([zeros(1, requires_grad=True)], lr=LR), "cyclic",
                        lambda opt: opt.param_groups[0]["betas"][0])
    assert len(beta1) > 1 and max(beta1) == pytest.approx(0.9)
    momentum = after_steps(optim.SGD([zeros(1, requires_grad=True)], lr=LR, momentum=0.9), "onecycle",
                           lambda opt: opt.param_groups[0]["momentum"])
    assert len(momentum) > 1
    plain = after_steps(optim.SGD([zeros(1, requires_grad=True)], lr=LR), "cyclic",
                        lambda opt: opt.param_groups[0]["momentum"])
    assert plain == {0}


def test_steps_in_run_counts_batches_for_per_batch_schedules_only():
    for name, schedule in SCHEDULES.items():
        expected = 3 * 7 if schedule.unit == "batch" else 3
        assert steps_in_run(name, epochs=3, batches_per_epoch=7) == expected
    assert {name for name, s in SCHEDULES.items() if s.unit == "batch"} == {"sgdr", "cyclic", "onecycle"}


@pytest.mark.parametrize("name", ["cyclic", "sgdr", "onecycle", "cosine", "exponential"])
def test_train_steps_each_schedule_as_often_as_its_unit_says(name):
    model, loss_fn, _, train_loader, _ = blobs_setup()
    epochs, batches = 3, len(train_loader)
    config = {"optimizer": "sgd", "lr": LR, "weight_decay": 0.0, "schedule": name, "epochs": epochs}
    optimizer, scheduler, unit = train_command.build_optimizer(config, model.parameters(), batches)
    history = train.fit(model, loss_fn, optimizer, train_loader, epochs, scheduler=scheduler, scheduler_step=unit,
                        progress=False)
    steps_per_epoch = batches if SCHEDULES[name].unit == "batch" else 1
    expected = values(name, steps_in_run(name, epochs, batches))[::steps_per_epoch][:epochs]
    np.testing.assert_allclose(history["lr"], expected)


def test_bad_names_and_step_counts_are_clear_errors():
    opt = optim.SGD([zeros(1, requires_grad=True)], lr=LR)
    with pytest.raises(ValueError, match="unknown schedule 'warmup'; choose one of step, multistep"):
        make_scheduler("warmup", opt, 10)
    with pytest.raises(ValueError, match="positive int number of steps, got 0"):
        make_scheduler("cosine", opt, 0)
    with pytest.raises(lab.LabError, match="unknown schedule 'warmup'"):
        lab.make_schedule("warmup")
    assert lab.schedule_values(lab.make_schedule("Cosine", LR, 3), 3)[0] == LR  # names are case-insensitive


@pytest.mark.parametrize("command", [["train"], ["compare"], ["schedule", "--steps"]])
def test_cli_rejects_a_run_of_no_steps_before_any_scheduler_sees_it(command, capsys):
    option = command[-1] if len(command) > 1 else "--epochs"
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command[:1], option, "0"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and f"{option} must be a positive integer, got 0" in err and "T_max" not in err


@pytest.mark.parametrize("steps, rows", [(100, 11), (70, 11), (40, 5), (101, 11), (7, 11), (1, 3)])
def test_schedule_table_rows_are_evenly_spaced_and_end_at_the_last_step(steps, rows, capsys):
    assert cli.main(["schedule", "--steps", str(steps), "--rows", str(rows), "--names", "cosine"]) == 0
    shown = [int(line.split()[0]) for line in capsys.readouterr().out.splitlines()[1:]]
    gaps = np.diff(shown)
    assert shown[0] == 0 and shown[-1] == steps - 1 and len(shown) <= rows
    assert len(set(gaps[:-1])) <= 1 and (len(gaps) == 0 or 0 < gaps[-1] <= gaps[0])  # one stride, a shorter last
    if steps <= rows:
        assert shown == list(range(steps))
    elif (steps - 1) % (rows - 1) == 0:
        assert len(shown) == rows  # a stride that divides the run uses every row


@pytest.mark.parametrize("name", ["sgdr", "cyclic", "linear", "exponential"])
def test_train_command_runs_the_new_schedules(name, capsys):
    assert cli.main(["train", "--dataset", "xor", "--hidden", "8", "--epochs", "2", "--samples", "200",
                     "--no-progress", "--schedule", name]) == 0
    out = capsys.readouterr().out
    assert f"{name} schedule, 2 epochs" in out and "val accuracy" in out


def test_schedule_command_prints_every_schedule_and_draws_one_panel_each(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    figure_path = tmp_path / "schedules.png"
    assert cli.main(["schedule", "--steps", "40", "--rows", "5", "--out", str(figure_path)]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header == ["t", *SCHEDULES] and figure_path.read_bytes()[:4] == b"\x89PNG"
    figure = lab.plot_schedule({name: lab.make_schedule(name, LR, 40) for name in SCHEDULES}, 40)
    panels = [axes for axes in figure.axes if axes.get_visible()]
    assert len(panels) == len(SCHEDULES)
    for axes, (name, schedule) in zip(panels, SCHEDULES.items()):
        assert axes.get_xlabel() == "step" and axes.get_ylabel() == "learning rate"
        assert axes.get_title().startswith(f"{name}, stepped per {schedule.unit}")
