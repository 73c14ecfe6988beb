"""The benchmark machinery (not the speeds: timing thresholds have no place in tests)."""
from tinygrad_edu.bench import mlp
from tinygrad_edu.bench.timing import median_times


def test_median_times_gives_each_function_its_own_median_in_both_modes():
    calls = {"a": 0, "b": 0}

    def a():
        calls["a"] += 1

    def b():
        calls["b"] += 1
        sum(range(2000))  # clearly slower than a

    for interleave in (True, False):
        fast, slow = median_times([a, b], repeats=3, min_time=0.002, interleave=interleave)
        assert 0 < fast < slow
    assert calls["a"] > 3 and calls["b"] > 3


def test_mlp_workers_take_turns_and_report_seconds():
    seconds = mlp.interleaved_seconds(["numpy", "tinygrad_edu"], batch=4, threads=1, command="steps 3", rounds=2)
    assert set(seconds) == {"numpy", "tinygrad_edu"}
    assert all(isinstance(s, float) and s > 0 for s in seconds.values())


def test_a_contender_that_cannot_start_reports_none():
    seconds = mlp.interleaved_seconds(["no-such-library"], batch=4, threads=1, command="steps 1", rounds=1)
    assert seconds == {"no-such-library": None}
