"""The benchmark machinery (not the speeds: timing thresholds have no place in tests)."""
import pytest

import tinygrad_edu as tg
from tinygrad_edu.bench import graph, matmul, mlp
from tinygrad_edu.bench.timing import median_times, paired_ratio, timed_samples


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


def test_timed_samples_gives_one_sample_per_repeat_and_function():
    samples = timed_samples([lambda: None, lambda: sum(range(100))], repeats=4, min_time=0.001)
    assert [len(fn_samples) for fn_samples in samples] == [4, 4]
    assert all(s > 0 for fn_samples in samples for s in fn_samples)


def test_paired_ratio_is_the_median_of_the_ratios_within_each_turn():
    # turn by turn 2, 2, 3 (the turn with a missing sample is left out); a ratio of medians would give 4 / 2.5
    assert paired_ratio([2.0, 4.0, None, 9.0], [1.0, 2.0, 3.0, 3.0]) == 2.0
    assert paired_ratio([None, 1.0], [1.0, None]) is None
    assert paired_ratio([1.0], []) is None


def test_mlp_workers_take_turns_and_report_seconds():
    seconds = mlp.interleaved_seconds(["numpy", "tinygrad_edu"], batch=4, threads=1, command="steps 3", rounds=2)
    assert set(seconds) == {"numpy", "tinygrad_edu"}
    assert all(isinstance(s, float) and s > 0 for s in seconds.values())


def test_thread_speedup_of_the_mlp_step_is_a_ratio_of_two_workers():
    assert mlp.thread_speedup(batch=4, threads=2, steps=2, rounds=2) > 0


def test_turns_pause_after_each_block_on_several_threads_only(monkeypatch):
    blocks, pauses = [], []

    class FakeWorker:
        def __init__(self, contender, threads, batch):
            self.run = (contender, threads)

        def time(self, command):
            blocks.append(self.run)
            return 1.0

        def close(self):
            pass

    monkeypatch.setattr(mlp, "_Worker", FakeWorker)
    monkeypatch.setattr(mlp.time, "sleep", lambda seconds: pauses.append((blocks[-1], seconds)))
    samples = mlp._take_turns({1: ("numpy", 1), 2: ("numpy", 2)}, batch=4, command="steps 1", rounds=2)
    assert samples == {1: [1.0, 1.0], 2: [1.0, 1.0]}
    assert blocks == [("numpy", 1), ("numpy", 2), ("numpy", 2), ("numpy", 1)]  # the order turns each round
    assert pauses == [(("numpy", 2), mlp.SETTLE_SECONDS)] * 2


def test_a_contender_that_cannot_start_reports_none():
    seconds = mlp.interleaved_seconds(["no-such-library"], batch=4, threads=1, command="steps 1", rounds=1)
    assert seconds == {"no-such-library": None}


def test_tiny_op_chain_runs_forward_and_backward_in_each_library():
    chain = graph.tiny_op_chain("tinygrad_edu")
    chain()
    chain()  # a fresh graph each call: backward twice through one graph would raise
    with pytest.raises(ValueError, match="numpy"):
        graph.tiny_op_chain("numpy")


def test_op_overhead_has_a_figure_per_library_and_none_without_torch():
    overhead = graph.op_overhead_us(rounds=1, chains=1)
    assert overhead["tinygrad_edu"] > 0
    assert (overhead["torch"] is None) == (not mlp.torch_available())
    assert overhead["torch"] is None or overhead["torch"] > 0
    assert (overhead["time_ratio"] is None) == (overhead["torch"] is None)


def test_thread_speedup_times_both_settings_and_restores_the_thread_count():
    pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")
    before = tg.backend_info()["num_threads"]
    assert matmul.thread_speedup(64, "float32", 2, repeats=1) > 0
    assert tg.backend_info()["num_threads"] == before
