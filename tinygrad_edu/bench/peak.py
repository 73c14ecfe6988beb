"""The arithmetic peak of this machine's cores, measured: the ceiling for any matrix product's GFLOP/s.

    python -m tinygrad_edu.bench peak [--threads 1 2]

A probe in the C core (csrc/peak.c) keeps the vector multiply-add units busy on independent accumulators, touching
no memory, on the SIMD path our GEMM uses. A float32 GEMM at, say, 85 % of this figure has little left to gain; the
products of an MLP training step divided by it give the least time the step can take (`bench mlp` prints that).
A float64 vector holds half as many lanes, so its peak is half the float32 one.
"""
from .timing import median_time, restoring_thread_count

PROBE_ROUNDS = 1 << 14  # long enough to dwarf the call, short enough to repeat (docs/performance.md, PROBE_ROUNDS)


@restoring_thread_count()
def peak_gflops(threads, repeats=5, min_time=0.05):
    """float32 GFLOP/s of the probe on `threads` threads at once (the median of `repeats`), or None without the C
    core. The C core's thread count is restored afterwards."""
    import tinygrad_edu as tg
    try:
        from ..backend import c
    except ImportError:
        return None
    tg.set_num_threads(threads)
    flops = c.fma_probe_flops(PROBE_ROUNDS)  # on the count in force: 1 in a forked process
    seconds = median_time(lambda: c.fma_probe_flops(PROBE_ROUNDS), repeats, min_time)
    return flops / seconds / 1e9


def peak_for(dtype, float32_peak):
    """The peak for float32 or float64 from the float32 one: a float64 vector holds half as many lanes."""
    return float32_peak / 2 if dtype == "float64" else float32_peak


def add_arguments(parser):
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])


def report(args):
    """The benchmark's result as Markdown lines."""
    import tinygrad_edu as tg
    simd = tg.backend_info()["simd"]
    if simd is None:
        return ["## Arithmetic peak", "", "n/a: the C core is not built"]
    peaks = {threads: peak_gflops(threads) for threads in args.threads}
    lines = [f"## Arithmetic peak (SIMD path {simd}, vector multiply-adds, no memory)", "",
             "| threads | float32 GFLOP/s | float64 GFLOP/s |", "|---:|---:|---:|"]
    lines += [f"| {threads} | {peak:.1f} | {peak_for('float64', peak):.1f} |" for threads, peak in peaks.items()]
    return lines


def run(args):
    print("\n".join(report(args)))
    return 0
