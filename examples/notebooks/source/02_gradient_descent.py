# Source of 02_gradient_descent.ipynb (python examples/notebooks/build.py writes the notebook from it).

# %% [markdown]
# # Gradient descent and its variants
#
# The optimizer lectures ("50 shades of gradient descent") start from one update,
#
# $$x_{t+1} = x_t - \gamma\,\nabla f(x_t),$$
#
# and change it piece by piece: a memory of past steps (momentum), a rate per parameter (AdaGrad, RMSprop), both
# at once (Adam), a correction of Adam's first steps, and a different way to shrink the weights (weight decay).
# This notebook follows that path on the lectures' own examples with `tinygrad_edu.lab`. Every lab result
# prints as a table (`.table()`, `.summary()`) and shows its plot when it is the last line of a cell.

# %%
# %matplotlib inline
import numpy as np

from tinygrad_edu import lab

# %% [markdown]
# ## 1. The 1-D table
#
# $f(x) = x^4 + x + 2$, from $x_0 = 1$ with $\gamma = 0.2$. On the slides the derivative is the forward difference
# $f'(x) \approx \dfrac{f(x + h) - f(x)}{h}$ with $h = 0.001$; `derivative="forward"` computes it the same way.

# %%
forward = lab.playground([("gd", {"lr": 0.2})], function="quartic", start=(1.0,), steps=6,
                         derivative="forward", h=0.001)
print(forward.table())

# %% [markdown]
# The exact derivative $f'(x) = 4x^3 + 1$, which autograd computes, gives almost the same rows: the forward
# difference is off by about $\tfrac{h}{2}f''(x) = 6hx^2$. The minimum is where $4x^3 + 1 = 0$,
# $x^* = -1/\sqrt[3]{4} \approx -0.63$; the steps shrink with the slope as $x$ approaches it.

# %%
exact = lab.playground([("gd", {"lr": 0.2})], function="quartic", start=(1.0,), steps=6)
print(exact.table())
x_star = -(4 ** (-1 / 3))
x_last = exact.runs["gd(lr=0.2)"].points[-1, 0]
print(f"x* = {x_star:.5f}; after 6 steps x = {x_last:.5f}")
exact

# %% [markdown]
# ## 2. The 2-D quadratic
#
# $f(x) = 0.06x_1^2 + 0.25x_2^2 - 0.04x_1x_2$ from $x^{(0)} = (-5, -7.5)$ with $\gamma = 0.5$, 40 iterations.
# Its gradient is $Hx$ with $H = \begin{pmatrix}0.12 & -0.04\\ -0.04 & 0.5\end{pmatrix}$, so every step multiplies
# $x$ by $I - \gamma H$. The eigenvalues of that matrix say how fast each direction shrinks: fast across the
# valley, slowly along it. The slow direction decides how long gradient descent takes.

# %%
quadratic = lab.playground([("gd", {"lr": 0.5})], function="quadratic", start=(-5.0, -7.5), steps=40,
                           derivative="forward", h=0.001)
print(quadratic.table(steps=[0, 1, 2, 3, 10, 20, 30, 40], digits=2))
H = np.array([[0.12, -0.04], [-0.04, 0.5]])
rates = np.linalg.eigvalsh(np.eye(2) - 0.5 * H)
print(f"contraction per step: {rates[0]:.3f} across the valley, {rates[1]:.3f} along it "
      f"({rates[1]:.3f}^40 = {rates[1] ** 40:.3f})")
quadratic

# %% [markdown]
# ## 3. Harder functions: momentum, Nesterov, adaptive rates
#
# The playground has the classic test functions:

# %%
for name, function in lab.FUNCTIONS.items():
    print(f"{name:>10}: f = {function.formula}, start {function.start}, minimum {function.minimum}")

# %% [markdown]
# The ravine $0.1x^2 + 10y^2$ is 100 times more curved across than along. Gradient descent either zig-zags
# across it ($\gamma = 0.09$, close to the limit $2/20$) or, with a rate small enough not to, barely moves along
# it. Momentum remembers the direction, in the lecture's form
#
# $$h_t = \alpha h_{t-1} + \eta g_t,\qquad w_t = w_{t-1} - h_t \qquad (\alpha = 0.9),$$
#
# so the zig-zag averages out while the steps along the valley add up; Nesterov takes the gradient at the
# look-ahead point $w_{t-1} - \alpha h_{t-1}$. Adam divides by a running root mean square of the gradient, a
# rate per coordinate, so the flat direction moves as fast as the steep one: it gets closest, overshooting and
# circling in along the valley.

# %%
ravine = lab.playground(["gd:lr=0.09", "gd:lr=0.01", "momentum:lr=0.01", "nesterov:lr=0.01", "adam:lr=0.5"],
                        function="ravine", steps=100)
print(ravine.summary())
ravine

# %% [markdown]
# The lecture's momentum state $h$ is in the step table, next to the point and the gradient:

# %%
print(ravine.table("momentum(lr=0.01)", steps=range(6)))

# %% [markdown]
# On Rosenbrock's curved valley $(1 - x)^2 + 100(y - x^2)^2$ plain gradient descent needs a small rate (the
# walls are steep) and then crawls along the floor; momentum builds up speed along it and gets most of the way;
# Newton's method divides the gradient by the curvature and arrives in a handful of steps.

# %%
rosenbrock = lab.playground(["gd:lr=0.001", "momentum:lr=0.002", "adam:lr=0.2", "newton:damping=1.0"],
                            function="rosenbrock", steps=100)
print(rosenbrock.summary())
rosenbrock

# %% [markdown]
# ## 4. Adam's bias correction
#
# Adam keeps running averages of the gradient and of its square (the lecture's $h$ and $G$; the table calls
# them $m$ and $v$, as PyTorch does):
#
# $$h_t = \beta_1 h_{t-1} + (1 - \beta_1)g_t,\qquad G_t = \beta_2 G_{t-1} + (1 - \beta_2)g_t^2.$$
#
# Both start at 0, so early on they are too small: unrolling gives $h_t = (1 - \beta_1)\sum_{i=1}^t
# \beta_1^{t-i}g_i$, hence $E[h_t] = (1 - \beta_1^t)\,E[g]$ when the gradients have one mean. Dividing by that
# factor removes the bias:
#
# $$\hat h_t = \frac{h_t}{1 - \beta_1^t},\qquad \hat G_t = \frac{G_t}{1 - \beta_2^t},\qquad
#   w_t = w_{t-1} - \frac{\eta}{\sqrt{\hat G_t} + \varepsilon}\,\hat h_t.$$
#
# Without the correction (`bias_correction=False`, the lecture's first Adam) the first step is
# $\eta\,\dfrac{(1 - \beta_1)g_1}{\sqrt{(1 - \beta_2)g_1^2}} = \eta\,\dfrac{0.1}{\sqrt{0.001}} \approx 3.16\,\eta$
# instead of exactly $\eta$: $G$ is biased far more than $h$, so the early steps are too large, not too small.

# %%
adam = lab.playground([("adam", {"lr": 0.1}), ("adam", {"lr": 0.1, "bias_correction": False})],
                      function="quartic", start=(1.0,), steps=30)
for label, run in adam.runs.items():
    print(f"{label}: first steps |x_t - x_(t-1)| = {np.round(np.abs(np.diff(run.points[:6, 0])), 4)}")
print(adam.table("adam(lr=0.1)", steps=range(4)))
adam

# %% [markdown]
# ## 5. L2 regularisation versus weight decay
#
# L2 regularisation adds $\lambda\sum_p\theta_p^2$ to the loss, so its gradient is $\nabla L_\text{data} +
# 2\lambda\theta$ and the optimizer sees that sum. Weight decay leaves the loss alone and shrinks the weights in
# the update itself. For SGD the two are the same thing:
# $\theta \leftarrow \theta - \gamma(\nabla L_\text{data} + 2\lambda\theta) = (1 - 2\gamma\lambda)\theta -
# \gamma\nabla L_\text{data}$. For Adam they are not: the L2 term passes through the division by $\sqrt{\hat G}$.
# (Like PyTorch, `weight_decay=λ` adds $\lambda\theta$, the gradient of $\tfrac{\lambda}{2}\|\theta\|^2$.)
#
# The lab trains a linear model whose second input is always 0, so its weight $w_2$ gets no gradient from the
# data at all, only from the regulariser. Under AdamW (decoupled decay) and SGD + L2 it shrinks as
# $w_0(1 - \eta\lambda)^t$. Under Adam + L2 the gradient is $\lambda w_2$ alone, and Adam's normalisation
# $\hat h/\sqrt{\hat G} \approx \lambda w_2/|\lambda w_2| = 1$ cancels $\lambda$: the weight falls by about $\eta$
# per step at first (less later, as $\hat G$ remembers larger gradients), and in exactly the same way for every
# $\lambda$: compare the Adam + L2 columns of the two tables.

# %%
decay = lab.weight_decay_lab(lr=0.01, decays=(0.01, 0.1), steps=300)
print(decay.table(rows=6))
decay

# %% [markdown]
# ## 6. Mini-batches: gradient noise
#
# SGD estimates the gradient from a batch of $B$ of the $N$ examples. At the minimum the full gradient is 0, and
# what remains is noise whose size falls like $1/B$: $E\|g_B - \nabla L\|^2 = \dfrac{\operatorname{tr}\Sigma}{B}
# \cdot\dfrac{N - B}{N - 1}$. On a 2-D least-squares problem the paths show it: the full batch walks straight in,
# batches of 32 and 8 wander a little around the solution, single examples a lot.

# %%
noise = lab.batch_noise_lab()
print(noise.table())
noise
