# Source of 03_initialisation.ipynb (python examples/notebooks/build.py writes the notebook from it).

# %% [markdown]
# # Initialisation and gradient flow
#
# Lecture 4 asks what the starting weights should be. A deep network multiplies the signal by one weight
# matrix per layer on the way forward, and the gradient by the same matrices (transposed) on the way back, so
# a per-layer factor a little above or below 1 becomes huge or tiny after ten layers. This notebook measures
# that with `tinygrad_edu.lab`: the lecture's diagonal chains, the variance argument behind LeCun, Xavier and
# He initialisation, vanishing gradients through sigmoids, and why all-zero weights never learn.
#
# Notation as in the lecture: $D(\cdot)$ is a variance, $E[\cdot]$ an expectation, $n_{in}$ the number of inputs
# of a layer.

# %%
# %matplotlib inline
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import lab, viz

# %% [markdown]
# ## 1. The chains $W = \mathrm{diag}(1.5)$ and $W = \mathrm{diag}(0.5)$
#
# For $y = W_{10}W_9\cdots W_1x$ with every $W_i = \mathrm{diag}(1.5, \dots, 1.5)$ the layers give
# $y_i = 1.5^i x$, so $y = 1.5^{10}x \approx 57.7x$ and its variance grows by $1.5^{20}$: the signal explodes.
# With $\mathrm{diag}(0.5)$ it vanishes, $y = 0.5^{10}x \approx 0.001x$. The gradient coming back is multiplied
# by the same factor per layer, so it explodes or vanishes just as fast.

# %%
chains = [lab.linear_chain(1.5), lab.linear_chain(0.5)]
for scale, chain in zip((1.5, 0.5), chains):
    print(f"diag({scale}): D(y)/D(x) = {chain.variances[-1] / chain.variances[0]:.4g} "
          f"(theory {scale}^20 = {scale ** 20:.4g}), |dL/dx| / |dL/dy| = "
          f"{chain.grad_norms[0] / chain.grad_norms[-1]:.4g} (theory {scale}^10 = {scale ** 10:.4g})")
lab.plot_init_lab(chains)

# %% [markdown]
# ## 2. The variance argument
#
# Assume the weights and the inputs are independent, with zero mean. For independent $X, Y$,
# $D(XY) = E[X]^2D(Y) + E[Y]^2D(X) + D(X)D(Y)$, so each term of $y_j = \sum_{i=1}^{n_{in}} w_{ji}x_i$ has variance
# $D(w)D(x)$ and
#
# $$D(y_j) = n_{in}\,D(w)\,D(x).$$
#
# The signal keeps its scale, $D(y) = D(x)$, exactly when $D(w) = 1/n_{in}$. Check it on one layer with a batch of
# random inputs, for three weight variances:

# %%
tg.manual_seed(0)
n_in = 256
x = tg.randn(4096, n_in, dtype="float64")
for weight_variance in (1 / n_in, 1 / (3 * n_in), 2 / n_in):
    W = tg.randn(n_in, 128, dtype="float64") * float(np.sqrt(weight_variance))
    y = x @ W
    print(f"D(w) = {weight_variance:.5f}: D(y)/D(x) = {y.numpy().var() / x.numpy().var():.3f}, "
          f"n_in·D(w) = {n_in * weight_variance:.3f}")

# %% [markdown]
# The lecture's example: $w \sim U\left[-\tfrac{1}{\sqrt{n_{in}}}, \tfrac{1}{\sqrt{n_{in}}}\right]$ has
# $D(w) = \tfrac{1}{12}\left(\tfrac{2}{\sqrt{n_{in}}}\right)^2 = \tfrac{1}{3n_{in}}$, so every linear layer
# divides the variance by 3: after ten layers $3^{10} \approx 59\,000$ times less signal.

# %%
uniform = lab.init_lab(activation="linear", init="uniform")
print(f"variance ratio per layer: {uniform.variance_ratios.mean():.3f} (theory 1/3)")
print(uniform.table())

# %% [markdown]
# ## 3. LeCun, Xavier and He
#
# - **LeCun**: $W \sim U\left[-\sqrt{3/n_i}, \sqrt{3/n_i}\right]$, so $D(w) = 1/n_{in}$: the forward pass keeps
#   its variance.
# - **Xavier** (Glorot): $W \sim U\left[-\tfrac{\sqrt 6}{\sqrt{n_i + n_{i+1}}}, \tfrac{\sqrt 6}{\sqrt{n_i +
#   n_{i+1}}}\right]$, so $D(w) = \tfrac{2}{n_{in} + n_{out}}$: the gradient flowing back is multiplied by
#   $n_{out}D(w)$ per layer, and Xavier splits the difference between the two directions.
#
# They differ only when layers have unequal widths. With widths 512-256-128-64-32 (linear layers):

# %%
widths = [512, 256, 128, 64, 32]
for init in ("lecun", "xavier"):
    result = lab.init_lab(activation="linear", init=init, widths=widths)
    print(f"{init:>7}: forward ×{result.variance_ratios.mean():.3f} per layer, "
          f"gradient back ×{result.grad_variance_ratios.mean():.3f} per layer")

# %% [markdown]
# - **He**, for ReLU networks: ReLU zeroes half of a symmetric input, so $E[x^2] = \tfrac12 D(t)$ for the
#   pre-activation $t$ and $D(y) = n_{in}D(w)\tfrac12 D(t)$. Keeping the scale needs $D(w) = 2/n_{in}$,
#   $W \sim N\!\left(0, \sqrt{2/n_i}\right)$. With LeCun's $1/n_{in}$ every ReLU layer halves the variance.

# %%
relu_runs = [lab.init_lab(activation="relu", init=init) for init in ("lecun", "he")]
for result in relu_runs:
    print(f"{result.label}: variance ratio per layer {result.variance_ratios.mean():.3f}")
lab.plot_init_lab(relu_runs)

# %% [markdown]
# ## 4. Vanishing gradients with sigmoid
#
# The backprop lecture's small network $\hat y = w_3\sigma(w_2\sigma(w_1x + b_1) + b_2) + b_3$ shows where the
# gradient goes: every sigmoid multiplies it by $\sigma'(f) = \sigma(f)(1 - \sigma(f)) \le \tfrac14$ on its way
# back. The trace writes it down step by step (names as in the lecture: $f_k$ before and $h_k$ after the sigmoid):

# %%
def scalar(value, name):
    return tg.tensor(value, dtype="float64", requires_grad=True, name=name)


x_in, target = tg.tensor(1.0, dtype="float64", name="x"), tg.tensor(0.5, dtype="float64", name="y")
w1, b1, w2, b2, w3, b3 = (scalar(v, n) for v, n in [(0.8, "w1"), (0.1, "b1"), (-1.2, "w2"), (0.3, "b2"),
                                                     (1.5, "w3"), (0.2, "b3")])
w1x = w1 * x_in
f1 = w1x + b1
h1 = f1.sigmoid()
w2h1 = w2 * h1
f2 = w2h1 + b2
h2 = f2.sigmoid()
w3h2 = w3 * h2
f3 = w3h2 + b3
error = f3 - target
loss = error ** 2
for tensor, name in [(w1x, "w1·x"), (f1, "f1"), (h1, "h1"), (w2h1, "w2·h1"), (f2, "f2"), (h2, "h2"),
                     (w3h2, "w3·h2"), (f3, "f3"), (error, "f3 − y"), (loss, "L")]:
    tensor.name = name
viz.trace_backward(loss)

# %% [markdown]
# Compare $\partial L/\partial h_2$ with $\partial L/\partial f_2$, and $\partial L/\partial h_1$ with
# $\partial L/\partial f_1$: each sigmoid keeps at most a quarter. In a deep stack these factors multiply. Ten
# sigmoid layers with small weights $N(0, 0.01^2)$ leave the first layer almost no gradient at all, while ReLU
# with He initialisation keeps the gradient norm about the same in every layer:

# %%
runs = [lab.init_lab(activation="sigmoid", init="naive"), lab.init_lab(activation="sigmoid", init="xavier"),
        lab.init_lab(activation="relu", init="he")]
for result in runs:
    print(f"{result.label}: |dL/dW| first layer / last layer = "
          f"{result.weight_grad_norms[1] / result.weight_grad_norms[-1]:.2e}")
lab.plot_init_lab(runs)

# %% [markdown]
# ## 5. Why not start from zero?
#
# If every weight starts at 0, every hidden unit of a layer computes the same thing, gets the same gradient and
# takes the same step: the units stay copies of each other however long we train, and the layer is as good as
# one unit. The symmetry lab trains a sigmoid MLP 2-8-8-2 on two circles from a zero init and from Xavier init and
# measures how far apart the units of each layer are ("W spread" is 0 when all units are equal):

# %%
symmetry = lab.symmetry_lab()
print(symmetry.table(rows=4))
symmetry
