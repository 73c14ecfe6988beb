"""Learning-rate schedules: the lecture forms, resuming from state_dict, and the same values as torch's."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler as sched


def _optimizer(name="SGD", **kwargs):
    a, b = (tg.Tensor(np.zeros(2), requires_grad=True) for _ in range(2))
    kwargs = kwargs or (dict(lr=0.1, momentum=0.9) if name == "SGD" else dict(lr=0.1))
    return getattr(optim, name)([{"params": [a]}, {"params": [b], "lr": 0.05}], **kwargs)


def _lrs(scheduler, steps):
    history = []
    for _ in range(steps):
        history.append(scheduler.get_last_lr())
        scheduler.optimizer.step()
        scheduler.step()
    return np.array(history)


def test_lecture_linear_decay_is_eta0_times_one_minus_t_over_T():
    lrs = _lrs(sched.LinearLR(_optimizer(), start_factor=1.0, end_factor=0.0, total_iters=10), 14)
    t = np.arange(14)
    np.testing.assert_allclose(lrs[:, 0], 0.1 * np.maximum(1 - t / 10, 0), atol=1e-15)
    np.testing.assert_allclose(lrs[:, 1], 0.05 * np.maximum(1 - t / 10, 0), atol=1e-15)


def test_lecture_exponential_decay_is_eta0_times_exp_minus_t_over_T():
    lrs = _lrs(sched.ExponentialLR(_optimizer(), time_constant=4.0), 12)
    np.testing.assert_allclose(lrs[:, 0], 0.1 * np.exp(-np.arange(12) / 4.0), rtol=1e-14)
    gamma_form = _lrs(sched.ExponentialLR(_optimizer(), gamma=math.exp(-1 / 4.0)), 12)
    np.testing.assert_allclose(gamma_form, lrs, rtol=1e-13)


def test_step_decay_and_warm_restarts_follow_their_formulas():
    lrs = _lrs(sched.MultiStepLR(_optimizer(), milestones=[5, 8], gamma=0.1), 10)[:, 0]
    np.testing.assert_allclose(lrs, [0.1] * 5 + [0.01] * 3 + [0.001] * 2)
    lrs = _lrs(sched.CosineAnnealingWarmRestarts(_optimizer(), T_0=2, T_mult=2), 7)[:, 0]
    expected = [0.1, 0.05, 0.1, 0.1 * (1 + math.cos(math.pi / 4)) / 2, 0.05, 0.1 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.1]
    np.testing.assert_allclose(lrs, expected, rtol=1e-14)


def test_cyclic_lr_is_a_triangle_between_base_and_max():
    lrs = _lrs(sched.CyclicLR(_optimizer(), base_lr=0.01, max_lr=0.05, step_size_up=2, cycle_momentum=False), 9)
    np.testing.assert_allclose(lrs[:, 0], [0.01, 0.03, 0.05, 0.03, 0.01, 0.03, 0.05, 0.03, 0.01])


def test_cyclic_momentum_moves_beta1_of_adam_against_the_rate():
    opt = _optimizer("Adam")
    scheduler = sched.CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=2, base_momentum=0.8, max_momentum=0.9)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    scheduler.step()
    scheduler.step()
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.8) and scheduler.get_last_lr()[0] == pytest.approx(0.05)


def test_plateau_reduces_after_patience_then_waits_for_cooldown():
    opt = _optimizer()
    scheduler = sched.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    for metric in [1.0, 1.0, 1.0]:
        scheduler.step(metric)
    assert scheduler.get_last_lr() == [0.05, 0.025]
    scheduler.step(1.0)  # cooldown
    scheduler.step(1.0)
    assert scheduler.get_last_lr() == [0.05, 0.025]
    scheduler.step(1.0)
    assert scheduler.get_last_lr() == [0.025, 0.0125]


@pytest.mark.parametrize("make", [
    lambda o: sched.StepLR(o, step_size=3), lambda o: sched.CosineAnnealingLR(o, T_max=10),
    lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2), lambda o: sched.OneCycleLR(o, 0.5, total_steps=20),
    lambda o: sched.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="triangular2"),
])
def test_state_dict_resumes_the_schedule(make):
    first = make(_optimizer())
    for _ in range(7):
        first.optimizer.step()
        first.step()
    saved_opt, saved = first.optimizer.state_dict(), first.state_dict()
    expected = _lrs(first, 8)
    opt = _optimizer()
    second = make(opt)
    opt.load_state_dict(saved_opt)
    second.load_state_dict(saved)
    np.testing.assert_allclose(_lrs(second, 8), expected, rtol=1e-15)


def test_schedulers_drive_a_lookahead_wrapped_optimizer():
    opt = optim.Lookahead(_optimizer())
    scheduler = sched.StepLR(opt, step_size=1, gamma=0.5)
    scheduler.step()
    assert opt.base_optimizer.param_groups[0]["lr"] == 0.05


@pytest.mark.parametrize("make, message", [
    (lambda o: sched.ExponentialLR(o), "exactly one"), (lambda o: sched.ExponentialLR(o, 0.9, time_constant=2), "exactly one"),
    (lambda o: sched.StepLR(o, step_size=0), "step_size"), (lambda o: sched.OneCycleLR(o, 0.1), "total_steps"),
    (lambda o: sched.CyclicLR(o, 0.1, 1.0, mode="square"), "mode"),
    (lambda o: sched.CyclicLR(o, [0.1], 1.0), "expected 2 values"),
    (lambda o: sched.ReduceLROnPlateau(o, factor=1.5), "factor"),
    (lambda o: sched.StepLR(o, 2, last_epoch=4), "initial_lr"),
])
def test_bad_arguments_are_clear_errors(make, message):
    with pytest.raises((ValueError, KeyError), match=message):
        make(_optimizer())


def test_cycle_momentum_needs_an_optimizer_with_momentum():
    with pytest.raises(ValueError, match="cycle_momentum"):
        sched.OneCycleLR(_optimizer("Adagrad", lr=0.1), 0.5, total_steps=10)


def test_one_cycle_refuses_to_step_past_total_steps():
    scheduler = sched.OneCycleLR(_optimizer(), 0.5, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="total_steps"):
        scheduler.step()


TORCH_CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)), ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)), ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=10)),
    ("LinearLR", dict()), ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", dict(T_0=4)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=3)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9)),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=40)),
    ("OneCycleLR", dict(max_lr=[0.1, 0.3], total_steps=40, three_phase=True, anneal_strategy="linear", pct_start=0.25)),
    ("LambdaLR", dict(lr_lambda=lambda t: 1 / (1 + t))),
]


@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name, kwargs", TORCH_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(TORCH_CASES)])
def test_same_learning_rates_and_momenta_as_torch(name, kwargs, optimizer_name):
    torch = pytest.importorskip("torch")
    ours = _optimizer(optimizer_name)
    defaults = dict(lr=0.1, momentum=0.9) if optimizer_name == "SGD" else dict(lr=0.1)
    theirs = getattr(torch.optim, optimizer_name)(
        [{"params": [torch.zeros(2, requires_grad=True)]}, {"params": [torch.zeros(2, requires_grad=True)], "lr": 0.05}],
        **defaults)
    ours_sched = getattr(sched, name)(ours, **kwargs)
    theirs_sched = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    momentum_key = "momentum" if optimizer_name == "SGD" else "betas"
    for _ in range(39):
        np.testing.assert_allclose(ours_sched.get_last_lr(), theirs_sched.get_last_lr(), rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(np.array([g[momentum_key] for g in ours.param_groups], float),
                                   np.array([g[momentum_key] for g in theirs.param_groups], float), rtol=1e-12)
        ours.step()
        theirs.step()
        ours_sched.step()
        theirs_sched.step()


def test_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    kwargs = dict(patience=2, cooldown=1, factor=0.5, threshold=0.01, min_lr=[0.01, 0.001])
    for mode, threshold_mode in [("min", "rel"), ("max", "abs")]:
        ours = sched.ReduceLROnPlateau(_optimizer(), mode=mode, threshold_mode=threshold_mode, **kwargs)
        theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(
            torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                             {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}], lr=0.1),
            mode=mode, threshold_mode=threshold_mode, **kwargs)
        for metric in [5, 4, 4, 4, 4, 4, 3.99, 4, 4, 4, 4, 2, 2, 2.5, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]:
            ours.step(metric)
            theirs.step(metric)
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15)
