"""GEMM speed: our C kernel vs numpy's BLAS, GFLOP/s side by side in one run, with 1 and 2 threads.

    python -m tinygrad_edu.bench matmul [--sizes 64 128 ...] [--dtypes float32 float64] [--threads 1 2] [--quick]

Square products and the products of one MLP training step (784-256-128-10 at batch B: forward X·Wᵀ,
backward dY·W and dYᵀ·X). Our GFLOP/s are also given as a share of the machine's arithmetic peak on as many
threads, measured just before each table (bench peak). numpy's BLAS runs with the same thread count as ours
(threadpoolctl). Our speed-up from 1 to N threads is also timed with the two settings taking turns, for the
squares of 512 and more. When OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set, OpenBLAS is held to an older
kernel, so the benchmark runs itself again in a fresh process with both unset: it always compares against the
strongest numpy.
"""
import os
import statistics
import subprocess
import sys

import numpy as np

from .peak import peak_for, peak_gflops
from .timing import median_times, paired_ratio, restoring_thread_count, timed_samples

OPENBLAS_LIMITS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
MLP_LAYERS = ((784, 256), (256, 128), (128, 10))


def add_arguments(parser):
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256, 512, 1024, 2048],
                        help="square sizes n (n×n @ n×n)")
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 64, 128, 256], help="MLP batch sizes")
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per case (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="a short run: sizes up to 512, batch 128, float32")


def mlp_products(batch):
    """(label, M, N, K, trans_a, trans_b) of the GEMMs in one training step at this batch size."""
    products = []
    for fan_in, fan_out in MLP_LAYERS:
        products += [
            (f"B={batch} {fan_in}→{fan_out} X·Wᵀ", batch, fan_out, fan_in, False, True),
            (f"B={batch} {fan_in}→{fan_out} dY·W", batch, fan_in, fan_out, False, False),
            (f"B={batch} {fan_in}→{fan_out} dYᵀ·X", fan_out, fan_in, batch, True, False),
        ]
    return products


def gflops(M, N, K, seconds):
    return 2.0 * M * N * K / seconds / 1e9


def compare(label, M, N, K, trans_a, trans_b, dtype, repeats, threads=1, peak=None):
    """One table row: GFLOP/s of ours and numpy's (both writing into a preallocated output, medians), ours as a share
    of `peak` (GFLOP/s, peak.py), and the ratio: with one thread the two take turns, and the ratio is the median of
    the turns' ratios (timing.paired_ratio)."""
    from ..backend import c
    rng = np.random.default_rng(0)
    a = rng.standard_normal((K, M) if trans_a else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if trans_b else (K, N)).astype(dtype)
    a_op, b_op = (a.T if trans_a else a), (b.T if trans_b else b)
    out = np.empty((M, N), dtype=dtype)
    min_time = 0.02 if M * N * K < 1e8 else 0.1
    interleave = threads == 1
    ours, theirs = timed_samples([lambda: c.gemm(a, b, trans_a, trans_b, out=out),
                                  lambda: np.matmul(a_op, b_op, out=out)], repeats, min_time, interleave=interleave)
    ours_time, theirs_time = statistics.median(ours), statistics.median(theirs)
    ratio = paired_ratio(theirs, ours) if interleave else theirs_time / ours_time
    ours_gflops = gflops(M, N, K, ours_time)
    share = f"{ours_gflops / peak:.0%}" if peak else "n/a"
    return f"| {label} | {ours_gflops:.1f} | {share} | {gflops(M, N, K, theirs_time):.1f} | {ratio:.2f} |"


@restoring_thread_count()
def thread_speedup(n, dtype, threads, repeats):
    """Our n×n×n product's 1 -> `threads` speed-up, the two settings taking turns repeat by repeat, so both meet
    the same moments of a shared machine (the tables time them minutes apart, when its load may differ)."""
    import tinygrad_edu as tg

    from ..backend import c
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)

    def product_on(count):
        def product():
            tg.set_num_threads(count)
            c.gemm(a, b, out=out)
        return product
    one, many = timed_samples([product_on(1), product_on(threads)], repeats, 0.1)
    return paired_ratio(one, many)


def boundary_overhead_us(dtype):
    """µs for a 1×1×1 product: what a call costs beyond the arithmetic, ours vs numpy."""
    from ..backend import c
    a, b, out = np.ones((1, 1), dtype), np.ones((1, 1), dtype), np.empty((1, 1), dtype)
    ours, theirs = median_times([lambda: c.gemm(a, b, out=out), lambda: np.matmul(a, b, out=out)], 7, 0.05)
    return ours * 1e6, theirs * 1e6


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ("numpy's BLAS: unknown, and its thread count cannot be limited without threadpoolctl, so numpy's "
                "columns use every core whatever the table's thread count (pip install threadpoolctl)")
    blas = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
    if not blas:
        return "numpy's BLAS: none found"
    pool = blas[0]
    return (f"numpy's BLAS: {pool.get('internal_api')} {pool.get('version')}, kernel "
            f"{pool.get('architecture')}, {pool.get('num_threads')} threads available")


def numpy_threads(n):
    """A context limiting numpy's BLAS to n threads (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


@restoring_thread_count()
def report(args):
    import tinygrad_edu as tg
    if args.quick:
        args.sizes, args.batches, args.dtypes = [s for s in args.sizes if s <= 512], [128], ["float32"]
    info = tg.backend_info()
    lines = ["## GEMM: tinygrad_edu vs numpy", "",
             (f"Our kernel: SIMD path {info['simd']}. {blas_description()}. "
              f"Compared against numpy with {', '.join(OPENBLAS_LIMITS)} unset (its strongest kernel)."), ""]
    for dtype in args.dtypes:
        ours_us, numpy_us = boundary_overhead_us(dtype)
        lines.append(f"- {dtype} call overhead (1×1×1): ours {ours_us:.2f} µs, numpy {numpy_us:.2f} µs")
    for threads in args.threads:
        float32_peak = peak_gflops(threads)
        tg.set_num_threads(threads)
        with numpy_threads(threads):
            for dtype in args.dtypes:
                peak = peak_for(dtype, float32_peak)
                lines += ["", f"### {dtype}, {threads} thread{'s' if threads > 1 else ''}", "",
                          f"Peak (bench peak, measured now): {peak:.1f} GFLOP/s.", "",
                          "| product | ours GFLOP/s | ours % of peak | numpy GFLOP/s | ours / numpy |",
                          "|---|---:|---:|---:|---:|"]
                for n in args.sizes:
                    lines.append(compare(f"{n}×{n}×{n}", n, n, n, False, False, dtype, args.repeats, threads, peak))
                for batch in args.batches:
                    for product in mlp_products(batch):
                        lines.append(compare(*product, dtype, args.repeats, threads, peak))
    most = max(args.threads)
    if most > 1:
        lines += ["", f"### Our speed-up from 1 to {most} threads (the two taking turns)", ""]
        for dtype in args.dtypes:
            speedups = [f"{n}³ {thread_speedup(n, dtype, most, args.repeats):.2f}×" for n in args.sizes if n >= 512]
            lines.append(f"- {dtype}: " + (", ".join(speedups) or "no size ≥ 512 asked for"))
    return lines


def run(args):
    if any(name in os.environ for name in OPENBLAS_LIMITS):
        env = {key: value for key, value in os.environ.items() if key not in OPENBLAS_LIMITS}
        command = [sys.executable, "-m", "tinygrad_edu.bench", "matmul", *sys.argv[2:]]
        return subprocess.run(command, check=False, env=env).returncode
    print("\n".join(report(args)))
    return 0
