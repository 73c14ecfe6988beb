"""Autograd overhead: how backward time grows with graph size, and the cost of one tiny op vs PyTorch.

    python -m tinygrad_edu.bench graph [--sizes 1000 10000 100000] [--repeats 5]

Backward must be linear in the number of nodes: the table prints µs per node for every size, which should
stay flat. The per-op overhead is a chain of 100 tiny element-wise ops (forward + backward) divided by 100;
PyTorch's figure is measured in a separate process of the same run, the two taking turns, so neither library
disturbs the other and a slow moment of the machine is shared by both.
"""
import statistics
import time

import numpy as np

CHAIN_OPS = 100


def _chain(n_ops, leaf, constant):
    """n_ops alternating multiplications and additions on a tiny tensor, reduced to a scalar."""
    y = leaf
    for i in range(n_ops // 2):
        y = y * constant
        y = y + constant
    return y.sum()


def scaling(sizes, repeats):
    """(nodes, forward seconds, backward seconds) for chains of each size, medians over repeats."""
    import tinygrad_edu as tg
    rows = []
    for n in sizes:
        forward, backward = [], []
        for _ in range(repeats):
            leaf = tg.tensor(np.ones(2), requires_grad=True)
            constant = tg.tensor(np.full(2, 1.0000001))
            start = time.perf_counter()
            out = _chain(n, leaf, constant)
            middle = time.perf_counter()
            out.backward()
            forward.append(middle - start)
            backward.append(time.perf_counter() - middle)
        rows.append((n, statistics.median(forward), statistics.median(backward)))
    return rows


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
    return lambda: _chain(CHAIN_OPS, leaf, constant).backward()


def op_overhead_us(rounds=31, chains=20):
    """{"tinygrad_edu": µs, "torch": µs or None, "time_ratio": tinygrad_edu's time over PyTorch's or None} per tiny
    op (forward + backward, one thread).

    Each library runs in its own process and they take turns, `chains` chains per turn, so a slow moment of the
    machine is shared by both; each µs figure is the median of its turns, the ratio the median of the turns' ratios.
    """
    from .mlp import interleaved_samples, medians, torch_available
    from .timing import paired_ratio
    libraries = ["tinygrad_edu", "torch"] if torch_available() else ["tinygrad_edu"]
    samples = interleaved_samples(libraries, batch=32, threads=1, command=f"chain {chains}", rounds=rounds)
    per_op = {library: median / chains / (CHAIN_OPS + 1) * 1e6 if median else None
              for library, median in medians(samples).items()}
    return {"tinygrad_edu": per_op["tinygrad_edu"], "torch": per_op.get("torch"),
            "time_ratio": paired_ratio(samples["tinygrad_edu"], samples.get("torch", []))}


def add_arguments(parser):
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000, 30000, 100000],
                        help="graph sizes (number of ops) for the scaling table")
    parser.add_argument("--repeats", type=int, default=5, help="repeats per size (the median is reported)")


def report(args):
    """The benchmark's result as Markdown lines."""
    lines = ["## Autograd overhead", "", "| ops in graph | forward ms | backward ms | backward µs/op |",
             "|---:|---:|---:|---:|"]
    for n, forward, backward in scaling(args.sizes, args.repeats):
        lines.append(f"| {n} | {forward * 1e3:.1f} | {backward * 1e3:.1f} | {backward / n * 1e6:.2f} |")
    overhead = op_overhead_us()
    ours, theirs = overhead["tinygrad_edu"], overhead["torch"]
    lines += ["", f"Tiny-op overhead (chain of {CHAIN_OPS} ops, forward + backward, medians of turns taken "
              "in two processes):",
              f"- tinygrad_edu: {ours:.2f} µs/op"]
    if theirs is None:
        lines.append("- PyTorch: not installed")
    else:
        lines.append(f"- PyTorch: {theirs:.2f} µs/op  (tinygrad_edu takes {overhead['time_ratio']:.2f} of PyTorch's "
                     "time, the median of the turns' ratios)")
    return lines


def run(args):
    print("\n".join(report(args)))
    return 0
