"""Second order: Hessians and Hessian-vector products from autograd gradients vs analytic ones (float64),
Newton's method on the lectures' quadratic and on Rosenbrock, and the errors for misuse."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.errors import DTypeError, ShapeError
from tinygrad_edu.second_order import SecondOrderError, hessian, hvp

TOLERANCE = dict(rtol=1e-6, atol=1e-6)  # gradcheck-like: central differences of exact gradients in float64


def lecture_quadratic(x):
    """f(x) = 0.06x₁² + 0.25x₂² − 0.04x₁x₂, the lectures' 2-D example (minimum at the origin)."""
    return 0.06 * x[0] * x[0] + 0.25 * x[1] * x[1] - 0.04 * x[0] * x[1]


def rosenbrock(x):
    """f(x, y) = (1 − x)² + 100(y − x²)² (minimum 0 at (1, 1))."""
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] * x[0]) ** 2


def rosenbrock_hessian(x, y):
    return np.array([[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]])


def float64(values, requires_grad=False):
    return tg.tensor(values, dtype="float64", requires_grad=requires_grad)


# ---- Hessian and hvp ---------------------------------------------------------------------------------------
def test_hessian_of_a_quadratic_form_is_twice_its_symmetric_matrix():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    matrix = tg.tensor(a, dtype="float64")
    x = float64(rng.normal(size=4))
    result = hessian(lambda t: (t * matrix.matmul(t)).sum(), x)  # xᵀAx
    np.testing.assert_allclose(result, a + a.T, **TOLERANCE)


def test_hessian_of_cubes_plus_exponential_matches_the_analytic_one():
    x0, x1, x2 = 1.0, 2.0, 0.5
    result = hessian(lambda t: (t * t * t).sum() + (t[0] * t[1]).exp(), float64([x0, x1, x2]))
    e = np.exp(x0 * x1)
    expected = [[6 * x0 + x1 * x1 * e, e + x0 * x1 * e, 0], [e + x0 * x1 * e, 6 * x1 + x0 * x0 * e, 0], [0, 0, 6 * x2]]
    np.testing.assert_allclose(result, expected, **TOLERANCE)


def test_hessian_of_rosenbrock_matches_the_analytic_one_and_is_indefinite_off_the_valley():
    result = hessian(rosenbrock, float64([0.0, 1.0]))
    np.testing.assert_allclose(result, rosenbrock_hessian(0.0, 1.0), rtol=1e-6, atol=1e-4)
    assert np.linalg.eigvalsh(result).min() < 0  # a point where the pure Newton step is not a descent step


def test_hessian_of_a_matrix_input_has_shape_x_shape_twice_and_is_diagonal_for_an_elementwise_sum():
    w = np.random.default_rng(1).normal(size=(2, 3))
    result = hessian(lambda t: t.tanh().sum(), float64(w))
    assert result.shape == (2, 3, 2, 3)
    t = np.tanh(w)
    expected = np.diag((-2 * t * (1 - t * t)).reshape(-1)).reshape(2, 3, 2, 3)  # tanh'' = −2·tanh·(1 − tanh²)
    np.testing.assert_allclose(result, expected, **TOLERANCE)


def test_hvp_equals_hessian_times_v_for_a_non_quadratic_function():
    rng = np.random.default_rng(2)
    x, v = float64(rng.normal(size=5)), rng.normal(size=5)

    def fn(t):
        return (t.tanh() * t).sum() + (t * t).sum().sqrt()
    np.testing.assert_allclose(hvp(fn, x, v), hessian(fn, x) @ v, **TOLERANCE)
    np.testing.assert_array_equal(hvp(fn, x, np.zeros(5)), np.zeros(5))


def test_hessian_leaves_x_untouched_and_works_inside_no_grad():
    x = float64([0.3, -0.7], requires_grad=True)
    with tg.no_grad():
        result = hessian(lecture_quadratic, x)
    np.testing.assert_allclose(result, [[0.12, -0.04], [-0.04, 0.5]], **TOLERANCE)
    np.testing.assert_array_equal(x.data, [0.3, -0.7])
    assert x.grad is None


def test_a_function_that_ignores_x_has_a_zero_hessian():
    assert np.array_equal(hessian(lambda t: tg.tensor(3.0), float64([1.0, 2.0])), np.zeros((2, 2)))


def test_float32_input_gets_a_larger_default_step_and_stays_close():
    result = hessian(lecture_quadratic, tg.tensor([-5.0, -7.5]))
    np.testing.assert_allclose(result, [[0.12, -0.04], [-0.04, 0.5]], atol=1e-3)


def test_hessian_and_hvp_reject_bad_input_with_clear_errors():
    with pytest.raises(ShapeError, match="scalar"):
        hessian(lambda t: t * 2, float64([1.0, 2.0]))
    with pytest.raises(DTypeError, match="int"):
        hessian(lambda t: t.sum(), tg.tensor([1, 2], dtype="int64"))
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2,\)"):
        hvp(lecture_quadratic, float64([1.0, 2.0]), [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="eps"):
        hessian(lecture_quadratic, float64([1.0, 2.0]), eps=0)


# ---- Newton ------------------------------------------------------------------------------------------------
def newton_closure(optimizer, fn, x):
    def closure():
        optimizer.zero_grad()
        loss = fn(x)
        loss.backward()
        return loss
    return closure


def steps_to_minimum(optimizer, fn, x, minimum, tolerance=1e-6, max_steps=1000):
    """How many step(closure) calls bring x within `tolerance` of `minimum`."""
    closure = newton_closure(optimizer, fn, x)
    for step in range(1, max_steps + 1):
        optimizer.step(closure)
        if np.linalg.norm(x.data - minimum) < tolerance:
            return step
    return None


def test_newton_solves_the_lecture_quadratic_in_one_step_where_gradient_descent_needs_many():
    x = float64([-5.0, -7.5], requires_grad=True)
    newton = optim.Newton([x])
    loss = newton.step(newton_closure(newton, lecture_quadratic, x))
    assert loss.item() == pytest.approx(lecture_quadratic(float64([-5.0, -7.5])).item())  # loss before the step
    np.testing.assert_allclose(x.data, [0.0, 0.0], atol=1e-7)

    x = float64([-5.0, -7.5], requires_grad=True)
    gd_steps = steps_to_minimum(optim.SGD([x], lr=0.5), lecture_quadratic, x, [0.0, 0.0])
    assert gd_steps is not None and gd_steps > 24


def test_newton_step_is_scaled_by_lr():
    x = float64([-5.0, -7.5], requires_grad=True)
    newton = optim.Newton([x], lr=0.5)
    newton.step(newton_closure(newton, lecture_quadratic, x))
    np.testing.assert_allclose(x.data, [-2.5, -3.75], atol=1e-7)  # half-way to the minimum of a quadratic


def test_damped_newton_converges_on_rosenbrock_and_pure_newton_in_a_few_steps():
    x = float64([-1.5, 2.0], requires_grad=True)
    damped_steps = steps_to_minimum(optim.Newton([x], damping=1.0), rosenbrock, x, [1.0, 1.0], tolerance=1e-4)
    assert damped_steps is not None
    assert rosenbrock(x).item() < 1e-8

    x = float64([-1.5, 2.0], requires_grad=True)
    pure_steps = steps_to_minimum(optim.Newton([x]), rosenbrock, x, [1.0, 1.0], tolerance=1e-4)
    assert pure_steps is not None and pure_steps < damped_steps


def test_newton_on_least_squares_lands_on_the_normal_equations_solution_in_one_step():
    rng = np.random.default_rng(3)
    inputs = rng.normal(size=(20, 3))
    targets = inputs @ [1.0, -2.0, 0.5] + 0.3 + 0.1 * rng.normal(size=20)
    layer = nn.Linear(3, 1).double()
    newton = optim.Newton(layer.parameters())
    x, y = tg.tensor(inputs, dtype="float64"), tg.tensor(targets.reshape(-1, 1), dtype="float64")

    def closure():
        newton.zero_grad()
        loss = ((layer(x) - y) ** 2).mean()
        loss.backward()
        return loss
    newton.step(closure)
    design = np.hstack([inputs, np.ones((20, 1))])
    solution = np.linalg.lstsq(design, targets, rcond=None)[0]
    np.testing.assert_allclose(layer.weight.data.reshape(-1), solution[:3], atol=1e-6)
    np.testing.assert_allclose(layer.bias.data, solution[3:], atol=1e-6)


def test_each_parameter_group_uses_its_own_lr_and_damping():
    a, b = float64([4.0], requires_grad=True), float64([4.0], requires_grad=True)
    newton = optim.Newton([{"params": [a]}, {"params": [b], "lr": 0.5, "damping": 2.0}])
    newton.step(newton_closure(newton, lambda _: (a * a).sum() + (b * b).sum(), None))
    np.testing.assert_allclose(a.data, [0.0], atol=1e-7)                    # H = 2: the full step
    np.testing.assert_allclose(b.data, [4.0 - 0.5 * 8.0 / (2.0 + 2.0)], atol=1e-7)  # d = g/(H + λ), scaled by lr


def test_newton_refuses_a_missing_closure_too_many_parameters_and_a_singular_hessian():
    x = float64([1.0, 2.0], requires_grad=True)
    with pytest.raises(SecondOrderError, match="closure"):
        optim.Newton([x]).step()
    with pytest.raises(SecondOrderError, match=str(optim.Newton.MAX_PARAMETERS)):
        optim.Newton([tg.zeros(optim.Newton.MAX_PARAMETERS + 1, requires_grad=True)])
    newton = optim.Newton([x])
    with pytest.raises(SecondOrderError, match=str(optim.Newton.MAX_PARAMETERS + 2)):
        newton.add_param_group({"params": [tg.zeros(optim.Newton.MAX_PARAMETERS, requires_grad=True)]})
    assert len(newton.param_groups) == 1  # the refused group was not kept

    def only_first(t):
        return t[0] * t[0]  # no curvature along the second coordinate
    with pytest.raises(SecondOrderError, match="singular.*damping"):
        newton.step(newton_closure(newton, only_first, x))
    damped = optim.Newton([x], damping=1e-3)
    damped.step(newton_closure(damped, only_first, x))
    assert abs(x.data[0]) < 1e-2 and x.data[1] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="damping"):
        optim.Newton([x], damping=-1.0)


def test_playground_runs_newton_next_to_sgd_through_the_same_closure():
    from tinygrad_edu import lab
    quadratic = lab.playground(["newton", "sgd"], function="quadratic", start=(-5.0, -7.5), steps=30)
    newton, sgd = quadratic.runs["newton"], quadratic.runs["sgd"]
    np.testing.assert_allclose(newton.points[1], [0.0, 0.0], atol=1e-7)  # one step to the minimum
    assert np.linalg.norm(sgd.points[-1]) > 1.0  # 30 small gradient steps are still far away

    valley = lab.playground([("newton", {"damping": 1.0}), "sgd"], function="rosenbrock", start=(-1.5, 2.0),
                            steps=100)
    damped = valley.runs["newton(damping=1.0)"]
    assert not damped.diverged and np.linalg.norm(damped.points[-1] - [1.0, 1.0]) < 1e-4
    assert valley.runs["sgd"].losses[-1] > damped.losses[-1]
