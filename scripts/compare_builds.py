"""Time this tree's GEMM against another build of the C core, the two taking turns in one process.

    python scripts/compare_builds.py OTHER_TREE [--products 512x512x512 32x256x784:NT ...] [--dtypes float32 float64]
                                                [--threads 1 2] [--repeats 15]

OTHER_TREE is a checkout whose C core is built in place, for instance the last commit's:

    git worktree add /tmp/base HEAD && (cd /tmp/base && python setup.py -q build_ext --inplace)

A product is MxNxK, optionally followed by :TN, :NT or :TT (A and/or B stored transposed); by default the squares
of 512 to 2048 and the products of one 784-256-128-10 MLP training step at batch 32 and 128. Both builds compute
each product on the same arrays, turn by turn, so a slow spell of a shared machine falls on both; the table gives
each build's GFLOP/s (medians) and this tree's time over the other's (the median of the turns' ratios). Both must
give the same bits, and the script says where they do not. docs/performance.md quotes its tables.
"""
import argparse
import glob
import importlib.util
import os
import statistics
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.bench.matmul import gflops, mlp_products
from tinygrad_edu.bench.timing import paired_ratio, timed_samples


def load_build(tree):
    """The cffi module (ffi, lib) built in place in another checkout, loaded beside this tree's own."""
    paths = glob.glob(os.path.join(tree, "tinygrad_edu", "_tge*.so"))
    if not paths:
        sys.exit(f"no built C core in {tree}/tinygrad_edu (run `python setup.py -q build_ext --inplace` there)")
    spec = importlib.util.spec_from_file_location("tinygrad_edu._tge", paths[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gemm_of(module, dtype):
    """A function computing out = op(a)·op(b) with this build's kernel for dtype."""
    name, ctype = {np.float32: ("tge_sgemm", "float *"), np.float64: ("tge_dgemm", "double *")}[dtype]
    kernel, ffi = getattr(module.lib, name), module.ffi

    def gemm(a, b, trans_a, trans_b, out):
        (M, N), K = out.shape, (a.shape[0] if trans_a else a.shape[1])
        status = kernel(trans_a, trans_b, M, N, K, 1.0, ffi.from_buffer(ctype, a), a.shape[1], ffi.from_buffer(ctype, b),
                        b.shape[1], 0.0, ffi.from_buffer(ctype, out, True), N, 1, M * K, K * N, M * N)
        assert status == 0, status
    return gemm


def parse_product(text):
    """(label, M, N, K, trans_a, trans_b) from "MxNxK" or "MxNxK:TN"."""
    shape, _, transposes = text.partition(":")
    M, N, K = (int(n) for n in shape.split("x"))
    transposes = transposes or "NN"
    return text, M, N, K, transposes[0] == "T", transposes[1] == "T"


def compare(builds, product, dtype, repeats):
    """A table row: GFLOP/s of each build and this tree's time over the other's, or a note where the bits differ."""
    label, M, N, K, trans_a, trans_b = product
    rng = np.random.default_rng(0)
    a = rng.standard_normal((K, M) if trans_a else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if trans_b else (K, N)).astype(dtype)
    outs = [np.empty((M, N), dtype) for _ in builds]
    calls = [lambda gemm=gemm, out=out: gemm(a, b, trans_a, trans_b, out) for gemm, out in zip(builds, outs)]
    min_time = 0.05 if M * N * K < 1e8 else 0.2
    # each build goes first in half the turns: the first of a turn tends to run a little slower
    ours, theirs = timed_samples(calls, (repeats + 1) // 2, min_time)
    theirs_first, ours_second = timed_samples(calls[::-1], repeats // 2, min_time)
    ours, theirs = ours + ours_second, theirs + theirs_first
    same = "" if outs[0].tobytes() == outs[1].tobytes() else " **bits differ**"
    speeds = [gflops(M, N, K, statistics.median(samples)) for samples in (ours, theirs)]
    return f"| {label} | {speeds[0]:.1f} | {speeds[1]:.1f} | {paired_ratio(ours, theirs):.3f}{same} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other_tree")
    parser.add_argument("--products", nargs="+", type=parse_product)
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    products = args.products or [parse_product(f"{n}x{n}x{n}") for n in (512, 1024, 2048)]
    if not args.products:
        products += [product for batch in (32, 128) for product in mlp_products(batch)]
    from tinygrad_edu import _tge
    other = load_build(args.other_tree)
    print(f"this tree: {os.path.dirname(_tge.__file__)}; other build: {args.other_tree}; SIMD path "
          f"{tg.backend_info()['simd']}")
    for threads in args.threads:
        for module in (_tge, other):
            module.lib.tge_set_num_threads(threads)
        for dtype in args.dtypes:
            builds = [gemm_of(module, np.dtype(dtype).type) for module in (_tge, other)]
            print(f"\n{dtype}, {threads} thread{'s' if threads > 1 else ''}\n\n"
                  "| product | this tree GFLOP/s | other GFLOP/s | this tree's time / other's |\n|---|---:|---:|---:|")
            for product in products:
                print(compare(builds, product, np.dtype(dtype).type, args.repeats), flush=True)


if __name__ == "__main__":
    main()
