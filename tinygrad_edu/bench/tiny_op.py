"""The tiny-op chain: many small element-wise ops on a 4-element tensor, so the time is the framework's own
per-op work (recording the graph, walking it back), not arithmetic. bench graph and bench mlp time it."""
import numpy as np

CHAIN_OPS = 100


def op_chain(n_ops, leaf, constant):
    """n_ops alternating multiplications and additions on a tiny tensor, reduced to a scalar."""
    y = leaf
    for i in range(n_ops // 2):
        y = y * constant
        y = y + constant
    return y.sum()


def tiny_op_chain(library):
    """A function that runs one chain of CHAIN_OPS tiny ops on 4-element float32 tensors, forward + backward,
    in `library` ("tinygrad_edu" or "torch")."""
    if library == "torch":
        import torch
        leaf, constant = torch.ones(4, requires_grad=True), torch.full((4,), 1.0000001)
    elif library != "tinygrad_edu":
        raise ValueError(f"no tiny-op chain for {library!r}; the libraries are tinygrad_edu and torch")
    else:
        import tinygrad_edu as tg
        leaf = tg.tensor(np.ones(4), requires_grad=True, dtype="float32")
        constant = tg.tensor(np.full(4, 1.0000001), dtype="float32")
    return lambda: op_chain(CHAIN_OPS, leaf, constant).backward()
