"""Backpropagation by hand and by the engine on the lecture's example f(x, y) = x² + xy + (x + y)².

The lecture names every intermediate value of the computational graph:
    a = x²,  b = x·y,  c = x + y,  d = a + b,  e = c²,  f = d + e
and applies the chain rule from f back to the inputs:
    ∂f/∂d = 1, ∂f/∂e = 1;  ∂f/∂a = ∂f/∂d·∂d/∂a = 1,  ∂f/∂b = 1,  ∂f/∂c = ∂f/∂e·∂e/∂c = 2c
    ∂f/∂x = ∂f/∂a·2x + ∂f/∂b·y + ∂f/∂c·1 = 2x + y + 2(x + y)
    ∂f/∂y = ∂f/∂b·x + ∂f/∂c·1 = x + 2(x + y)
Here the engine does the same walk: each op passes the gradient it received, times its local derivative
(the rule printed next to it), to its inputs; a value used twice (x, y) adds up what it gets.

    python examples/backprop_by_hand.py [FIGURES_DIR]      (writes no figures; the argument is accepted)
"""
import tinygrad_edu as tg
from tinygrad_edu.engine import run_backward

x_value, y_value = 1.0, 2.0
x = tg.tensor(x_value, dtype="float64", requires_grad=True, name="x")
y = tg.tensor(y_value, dtype="float64", requires_grad=True, name="y")
a = x ** 2
b = x * y
c = x + y
d = a + b
e = c ** 2
f = d + e
for tensor, name in [(a, "a"), (b, "b"), (c, "c"), (d, "d"), (e, "e"), (f, "f")]:
    tensor.name = name
    tensor.retain_grad()  # keep ∂f/∂(intermediate) to compare with the hand-derived values


def show_step(node, upstream, sent):
    """Print one step of the reverse walk: which node, its local rule, what it receives and what it sends."""
    to_parents = ", ".join(f"∂f/∂{parent.name} += {grad.item():g}" for parent, grad in zip(node.op.parents, sent)
                           if grad is not None)
    print(f"  {node.name} = {type(node.op).__name__:<4} ∂f/∂{node.name} = {upstream.item():g}   "
          f"rule: {node.op.rule():<34} → {to_parents}")


print(f"f(x, y) = x^2 + xy + (x + y)^2 at x = {x_value:g}, y = {y_value:g}: f = {f.item():g}")
print("the engine's reverse walk (reverse topological order):")
run_backward(f, on_step=show_step)

c_value = x_value + y_value
by_hand = {"d": 1.0, "e": 1.0, "a": 1.0, "b": 1.0, "c": 2 * c_value,
           "x": 2 * x_value + y_value + 2 * (x_value + y_value), "y": x_value + 2 * (x_value + y_value)}
by_engine = {"d": d.grad.item(), "e": e.grad.item(), "a": a.grad.item(), "b": b.grad.item(), "c": c.grad.item(),
             "x": x.grad.item(), "y": y.grad.item()}
print("\nnode  by hand  by the engine")
for name, value in by_hand.items():
    print(f"{name:>4}  {value:7g}  {by_engine[name]:13g}")
assert all(abs(by_hand[name] - by_engine[name]) < 1e-12 for name in by_hand)
print(f"df/dx = 2x + y + 2(x + y) = {by_hand['x']:g} and df/dy = x + 2(x + y) = {by_hand['y']:g}: "
      "hand and engine agree")
