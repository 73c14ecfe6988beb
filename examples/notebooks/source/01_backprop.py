# Source of 01_backprop.ipynb (python examples/notebooks/build.py writes the notebook from it).

# %% [markdown]
# # Backpropagation on a computational graph
#
# The backprop lecture computes the gradient of
#
# $$f(x, y) = x^2 + xy + (x + y)^2$$
#
# by naming every intermediate value of the computational graph,
#
# $$a = x^2,\quad b = x\cdot y,\quad c = x + y,\quad d = a + b,\quad e = c^2,\quad f = d + e,$$
#
# and applying the chain rule from $f$ back to the inputs. This notebook does it three times: by hand, with
# the engine (looking at the graph, the backward pass step by step, and the interactive explorer), and for an
# op you write yourself, checked against finite differences.
#
# Pictures need Graphviz (`apt-get install graphviz`); without it the cells show the graph as DOT text.

# %%
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.function import Function

# %% [markdown]
# ## 1. By hand
#
# Backward from the output: $\partial f/\partial f = 1$. An addition passes its upstream gradient unchanged to
# both inputs, a square multiplies it by twice its input, a product by the other factor. A value used in
# several places ($x$ feeds $a$, $b$ and $c$) adds up what it receives along every path:
#
# $$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial a}\cdot 2x + \frac{\partial f}{\partial b}\cdot y
#   + \frac{\partial f}{\partial c}\cdot 1 = 2x + y + 2(x + y),\qquad
#   \frac{\partial f}{\partial y} = \frac{\partial f}{\partial b}\cdot x + \frac{\partial f}{\partial c}\cdot 1
#   = x + 2(x + y).$$
#
# At $x = 1$, $y = 2$, in plain Python:

# %%
x_value, y_value = 1.0, 2.0
a, b, c = x_value ** 2, x_value * y_value, x_value + y_value   # forward, value by value
d, e = a + b, c ** 2
f_value = d + e

df_dd = df_de = 1.0                                  # f = d + e
df_da = df_db = df_dd                                # d = a + b
df_dc = df_de * 2 * c                                # e = c²
df_dx = df_da * 2 * x_value + df_db * y_value + df_dc  # x reaches f through a, b and c
df_dy = df_db * x_value + df_dc                      # y through b and c
print(f"f = {f_value:g}, ∂f/∂c = {df_dc:g}, ∂f/∂x = {df_dx:g}, ∂f/∂y = {df_dy:g}")

# %% [markdown]
# ## 2. By the engine
#
# `viz.lecture_example()` builds the same graph as tensors, each named as on the slides. Every tensor made by
# an op remembers the op and its inputs: that record *is* the graph, and `print_graph` walks it.

# %%
x, y, f = viz.lecture_example(x=1.0, y=2.0)
viz.print_graph(f)

# %% [markdown]
# The same graph as a picture (`viz.graph` shows it under the cell; `viz.draw(f, "f.svg")` writes a file).
# Boxes are tensors, ellipses are ops, arrows follow the forward pass.

# %%
viz.graph(f)

# %% [markdown]
# `viz.trace_backward(f)` is `f.backward()` that also writes down every step of the reverse walk: which node,
# the gradient $\partial f/\partial\text{node}$ it has collected (upstream), its op's local derivative, and what
# it sends to each input (upstream × local derivative). Nodes come in reverse topological order, so a node's
# gradient is complete before it is passed on.

# %%
trace = viz.trace_backward(f)
trace

# %% [markdown]
# The leaves hold the same numbers as the hand computation:

# %%
print(f"engine: ∂f/∂x = {x.grad.item():g}, ∂f/∂y = {y.grad.item():g};  by hand: {df_dx:g}, {df_dy:g}")
assert (x.grad.item(), y.grad.item()) == (df_dx, df_dy)

# %% [markdown]
# A plain `backward()` keeps only the leaves' gradients. `backward=True` runs the backward inside
# `tg.retain_grads()`, so every node of the picture shows its $\partial f/\partial\text{node}$ (a fresh graph is
# needed: the trace above already used this one).

# %%
x, y, f = viz.lecture_example(x=1.0, y=2.0)
viz.graph(f, backward=True)

# %% [markdown]
# ## 3. The explorer
#
# `viz.explore` writes one self-contained HTML page that replays the forward pass and then the backward pass,
# one step per click on **next ▶** (or the → key after clicking into the page); at every backward step the panel
# writes the chain rule with the graph's own names and numbers. In Jupyter the page appears under the cell; the
# file (`lecture_example.html`) also opens in any browser, offline.

# %%
x, y, f = viz.lecture_example(x=1.0, y=2.0)
viz.explore(f, "lecture_example.html")

# %% [markdown]
# ## 4. Your own op
#
# Every op of the library is a small `Function` subclass (see `tinygrad_edu/function.py`):
#
# - `forward` receives numpy arrays, computes the result and keeps what backward will need with
#   `save_for_backward`;
# - `backward(grad)` receives the upstream gradient $\partial L/\partial\text{out}$ and returns one gradient
#   per input, $\partial L/\partial\text{in} = \partial L/\partial\text{out}\cdot\partial\text{out}/\partial\text{in}$;
# - the first line of the docstring states the local derivative: the trace and the explorer show it.
#
# Softplus is a smooth ReLU, $\mathrm{softplus}(a) = \ln(1 + e^a)$, and its derivative is the sigmoid:
# $\dfrac{\partial\,\mathrm{softplus}(a)}{\partial a} = \dfrac{e^a}{1 + e^a} = \sigma(a)$.

# %%
class Softplus(Function):
    """∂softplus(a)/∂a = σ(a) = 1/(1 + e⁻ᵃ)"""

    def forward(self, a):
        self.save_for_backward(a)
        return np.logaddexp(0.0, a)  # ln(e⁰ + eᵃ) = ln(1 + eᵃ), without overflow for large a

    def backward(self, grad):
        (a,) = self.saved
        return (grad * 0.5 * (1 + np.tanh(0.5 * a)),)  # σ(a) = ½(1 + tanh(a/2)), also without overflow


z = tg.tensor([-2.0, 0.0, 3.0], dtype="float64", requires_grad=True, name="z")
Softplus.apply(z).sum().backward()
print("softplus'(z) by autograd:", z.grad.numpy())
print("σ(z) directly:           ", 1 / (1 + np.exp(-z.numpy())))

# %% [markdown]
# `Function.apply` runs `forward` and links the result into the graph. How do we know `backward` is right?
# Compare it with the derivative the lecture defines it by, the finite difference
# $\dfrac{f(a + \varepsilon) - f(a - \varepsilon)}{2\varepsilon}$, for every input element: `tg.gradcheck`
# does that (in float64, so the differences are accurate) and returns True or raises `GradcheckError`.

# %%
a = tg.randn(4, 3, dtype="float64", requires_grad=True)
tg.gradcheck(Softplus.apply, a)

# %% [markdown]
# A typical slip: taking the derivative of $e^a$ instead of $\ln(1 + e^a)$. Gradcheck catches it and shows the
# worst entries:

# %%
class WrongSoftplus(Softplus):
    """∂softplus(a)/∂a = eᵃ (wrong: that is the derivative of eᵃ alone)"""

    def backward(self, grad):
        (a,) = self.saved
        return (grad * np.exp(a),)


try:
    tg.gradcheck(WrongSoftplus.apply, a)
except tg.GradcheckError as error:
    print(error)

# %% [markdown]
# The new op takes part in graphs like any other, and the trace shows its rule, the first line of its docstring:

# %%
w = tg.tensor(0.5, dtype="float64", requires_grad=True, name="w")
u = tg.tensor(-1.0, dtype="float64", requires_grad=True, name="u")
p = w * u
s = Softplus.apply(p)
p.name, s.name = "p", "s"
viz.trace_backward(s)

# %% [markdown]
# Next: `docs/learn_backprop.md` walks through the same tools on a whole MLP's loss, and
# `docs/reading_guide.md` tours the code in reading order (tensor → ops → engine).
