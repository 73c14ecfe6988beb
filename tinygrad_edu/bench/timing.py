"""Shared timing helpers: medians over repeats, and ratios paired turn by turn, so a noisy machine still gives
comparable ratios."""
import contextlib
import statistics
import time


@contextlib.contextmanager
def restoring_thread_count():
    """Put the C core's thread count back as it was when the block (or the decorated function) ends, however it ends:
    a benchmark that times several counts leaves the user's setting alone."""
    import tinygrad_edu as tg
    before = tg.backend_info()["num_threads"]
    try:
        yield
    finally:
        tg.set_num_threads(before)


def _calls_for(fn, min_time):
    """How many back-to-back calls of fn() last about min_time (fn is called at least once)."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time / 4 or calls >= 1 << 20:
            break
        calls *= 2
    return max(1, int(calls * (min_time / max(elapsed, 1e-9))))


def timed_samples(fns, repeats=7, min_time=0.05, warmup=1, interleave=True):
    """Seconds per call of each fn, one sample per repeat: a list per fn, the samples of one repeat at one index.

    interleave=True: the fns take turns repeat by repeat, so a slow moment of the machine falls on all of them,
    which keeps their ratios honest on a shared machine (see paired_ratio). interleave=False: each fn does all its
    repeats in one go, after a pause. That is the way for multi-threaded libraries: a thread pool (OpenMP,
    OpenBLAS) keeps its idle threads spinning for a while after a call, and would steal the cores from the next
    library's threads.
    """
    samples = [[] for _ in fns]

    def run(fn, count, fn_samples, times):
        for _ in range(times):
            start = time.perf_counter()
            for _ in range(count):
                fn()
            fn_samples.append((time.perf_counter() - start) / count)

    if interleave:
        for fn in fns:
            for _ in range(warmup):
                fn()
        calls = [_calls_for(fn, min_time) for fn in fns]
        for _ in range(repeats):
            for fn, count, fn_samples in zip(fns, calls, samples):
                run(fn, count, fn_samples, 1)
    else:
        for fn, fn_samples in zip(fns, samples):
            time.sleep(0.5)
            for _ in range(warmup):
                fn()
            run(fn, _calls_for(fn, min_time), fn_samples, repeats)
    return samples


def median_times(fns, repeats=7, min_time=0.05, warmup=1, interleave=True):
    """Median seconds per call of each fn (timed_samples says how the repeats are taken)."""
    return [statistics.median(fn_samples) for fn_samples in timed_samples(fns, repeats, min_time, warmup, interleave)]


def paired_ratio(numerators, denominators):
    """The median over repeats of numerator / denominator, pairing the samples taken in the same turn (None where
    a sample is missing; None if no pair is whole).

    Two samples of one turn were taken moments apart, so a slow spell of a shared machine falls on both and cancels
    out of their ratio. A ratio of two medians keeps it whenever the spell hits one side's median sample only.
    """
    ratios = [n / d for n, d in zip(numerators, denominators) if n and d]
    return statistics.median(ratios) if ratios else None


def median_time(fn, repeats=7, min_time=0.05, warmup=1):
    """Median seconds per call of fn(), each repeat running fn enough times to last about min_time."""
    return median_times([fn], repeats, min_time, warmup)[0]


def median_seconds(samples):
    """The median of a contender's rounds, or None if it never ran."""
    times = [s for s in samples if s is not None]
    return statistics.median(times) if times else None


def medians(samples):
    """{contender: median_seconds of its rounds} for samples = {contender: [seconds of each round]}."""
    return {contender: median_seconds(rounds) for contender, rounds in samples.items()}
