"""Random compositions of ops compared with PyTorch's values and gradients (skipped without torch)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

# Each step maps (tensor, module) -> tensor, written once and run on both libraries through `lib`.
UNARY_STEPS = {
    "exp": lambda t, lib: (t * 0.3).exp(),
    "tanh": lambda t, lib: t.tanh(),
    "sigmoid": lambda t, lib: t.sigmoid(),
    "relu": lambda t, lib: t.relu(),
    "abs_sqrt": lambda t, lib: (t.abs() + 0.5).sqrt(),
    "log": lambda t, lib: (t * t + 1).log(),
    "square": lambda t, lib: t ** 2,
    "rdiv": lambda t, lib: 1 / (t * t + 1),
    "rsub": lambda t, lib: 2 - t,
    "softmax": lambda t, lib: t.softmax(-1),
    "log_softmax": lambda t, lib: t.log_softmax(-1),
    "transpose_back": lambda t, lib: t.T.T,
    "reverse_columns": lambda t, lib: t[:, ::-1] if lib is tg else torch.flip(t, dims=[1]),
    "clip": lambda t, lib: t.clip(-0.5, 0.5) if lib is tg else t.clamp(-0.5, 0.5),
    "leaky": lambda t, lib: t.leaky_relu(0.2) if lib is tg else torch.nn.functional.leaky_relu(t, 0.2),
    "row_mean": lambda t, lib: t - t.mean(axis=1, keepdims=True) if lib is tg else t - t.mean(dim=1, keepdim=True),
    "col_max": lambda t, lib: t * t.max(axis=0, keepdims=True) if lib is tg else t * t.amax(dim=0, keepdim=True),
}



def run_chain(lib, x, w, steps):
    h = x @ w
    for name in steps:
        h = UNARY_STEPS[name](h, lib)
    return (h * h).sum()


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.sampled_from(sorted(UNARY_STEPS)), min_size=1, max_size=6),
       rows=st.integers(1, 5), inner=st.integers(1, 6), cols=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_random_compositions_match_torch(steps, rows, inner, cols, seed):
    rng = np.random.default_rng(seed)
    x_np, w_np = rng.standard_normal((rows, inner)), rng.standard_normal((inner, cols))
    x, w = tg.tensor(x_np, requires_grad=True), tg.tensor(w_np, requires_grad=True)
    xt, wt = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
    ours, theirs = run_chain(tg, x, w, steps), run_chain(torch, xt, wt, steps)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(w.grad.data, wt.grad.numpy(), rtol=1e-8, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 9), features=st.integers(1, 7), classes=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_mlp_with_cross_entropy_matches_torch(batch, features, classes, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((batch, features)), rng.standard_normal((8, features)), rng.standard_normal(8),
              rng.standard_normal((classes, 8)), rng.standard_normal(classes)]
    target = rng.integers(0, classes, size=batch)
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    x, w1, b1, w2, b2 = ours
    loss = tg.nn.functional.cross_entropy(x.linear(w1, b1).tanh().linear(w2, b2), target)
    xt, w1t, b1t, w2t, b2t = theirs
    F = torch.nn.functional
    loss_t = F.cross_entropy(F.linear(torch.tanh(F.linear(xt, w1t, b1t)), w2t, b2t), torch.tensor(target))
    loss.backward()
    loss_t.backward()
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-10)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_variance_matches_torch(axis):
    a = np.random.default_rng(3).standard_normal((4, 5))
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x.var(axis=axis).sum().backward()
    (xt.var() if axis is None else xt.var(dim=axis)).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10)


def test_indexing_with_repeats_and_masks_matches_torch():
    a = np.random.default_rng(4).standard_normal((5, 3))
    index = np.array([0, 4, 4, 1])
    x, xt = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x[index] * 2).sum().backward()
    (xt[torch.tensor(index)] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, xt.grad.numpy())
    x.grad, mask = None, a > 0
    x[mask].sum().backward()
    np.testing.assert_array_equal(x.grad.data, mask.astype(float))
