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

from .mlp import op_overhead_us
from .tiny_op import CHAIN_OPS, op_chain


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
            out = op_chain(n, leaf, constant)
            middle = time.perf_counter()
            out.backward()
            forward.append(middle - start)
            backward.append(time.perf_counter() - middle)
        rows.append((n, statistics.median(forward), statistics.median(backward)))
    return rows


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
