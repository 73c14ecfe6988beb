"""Autograd overhead: how backward time grows with graph size, and the cost of one tiny op vs PyTorch.

    python -m tinygrad_edu.bench graph [--sizes 1000 10000 100000] [--repeats 5]

Backward must be linear in the number of nodes: the table prints µs per node for every size, which should
stay flat. The per-op overhead is a chain of 100 tiny element-wise ops (forward + backward) divided by 100;
PyTorch's figure is measured in a separate process of the same run, so neither library disturbs the other.
"""
import json
import statistics
import subprocess
import sys
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


OVERHEAD_SNIPPET = """
import json, statistics, sys, time
lib_name, n_ops, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if lib_name == "torch":
    import torch
    torch.set_num_threads(1)
    leaf, constant = torch.ones(4, requires_grad=True), torch.full((4,), 1.0000001)
else:
    import numpy as np
    import tinygrad_edu as tg
    leaf, constant = tg.tensor(np.ones(4), requires_grad=True, dtype="float32"), tg.tensor(np.full(4, 1.0000001), dtype="float32")
def chain():
    y = leaf
    for _ in range(n_ops // 2):
        y = y * constant
        y = y + constant
    y.sum().backward()
for _ in range(20):
    chain()
samples = []
for _ in range(repeats):
    start = time.perf_counter()
    for _ in range(20):
        chain()
    samples.append((time.perf_counter() - start) / 20 / (n_ops + 1) * 1e6)
print(json.dumps(statistics.median(samples)))
"""


def op_overhead_us(library="tinygrad_edu", repeats=15):
    """µs per tiny op (forward + backward) for `library` ("tinygrad_edu" or "torch"), or None if unavailable."""
    result = subprocess.run([sys.executable, "-c", OVERHEAD_SNIPPET, library, str(CHAIN_OPS), str(repeats)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)


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
    ours, theirs = op_overhead_us("tinygrad_edu"), op_overhead_us("torch")
    lines += ["", f"Tiny-op overhead (chain of {CHAIN_OPS} ops, forward + backward, medians):",
              f"- tinygrad_edu: {ours:.2f} µs/op"]
    if theirs is None:
        lines.append("- PyTorch: not installed")
    else:
        lines.append(f"- PyTorch: {theirs:.2f} µs/op  (tinygrad_edu is {theirs / ours:.2f}× PyTorch's speed)")
    return lines


def run(args):
    print("\n".join(report(args)))
    return 0
