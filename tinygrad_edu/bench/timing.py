"""Shared timing helpers: medians over repeats, so a noisy machine still gives comparable ratios."""
import statistics
import time


def median_time(fn, repeats=7, min_time=0.05, warmup=1):
    """Median seconds per call of fn(), each repeat running fn enough times to last about min_time."""
    for _ in range(warmup):
        fn()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time / 4 or calls >= 1 << 20:
            break
        calls *= 2
    calls = max(1, int(calls * (min_time / max(elapsed, 1e-9))))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)
