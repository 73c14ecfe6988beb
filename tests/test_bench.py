"""The benchmark machinery (not the speeds: timing thresholds have no place in tests)."""
import argparse
import io
import os
import subprocess
import sys

import pytest

import tinygrad_edu as tg
from tinygrad_edu.bench import matmul, mlp, peak, timing, tiny_op
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
    seconds = timing.medians(mlp.interleaved_samples(["numpy", "tinygrad_edu"], batch=4, threads=1, command="steps 3",
                                                  rounds=2))
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


def test_one_thread_workers_share_one_core_and_threaded_ones_keep_them_all(monkeypatch):
    pins = []
    monkeypatch.setattr(mlp, "_pin_to_one_core", lambda: pins.append(True))
    for threads in (1, 2):
        monkeypatch.setattr(mlp.sys, "stdin", io.StringIO(""))  # no command: the worker only says it is ready
        mlp._serve("numpy", 4, threads)
    assert pins == [True]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="the OS does not let a process choose its CPUs")
def test_pinning_leaves_one_core_the_lowest_allowed():
    allowed = os.sched_getaffinity(0)
    script = "import os; from tinygrad_edu.bench import mlp; mlp._pin_to_one_core(); print(*os.sched_getaffinity(0))"
    pinned = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert pinned == [str(min(allowed))]


def test_a_contender_that_cannot_start_reports_none():
    seconds = timing.medians(mlp.interleaved_samples(["no-such-library"], batch=4, threads=1, command="steps 1", rounds=1))
    assert seconds == {"no-such-library": None}


def test_tiny_op_chain_runs_forward_and_backward_in_each_library():
    chain = tiny_op.tiny_op_chain("tinygrad_edu")
    chain()
    chain()  # a fresh graph each call: backward twice through one graph would raise
    with pytest.raises(ValueError, match="numpy"):
        tiny_op.tiny_op_chain("numpy")


def test_op_overhead_has_a_figure_per_library_and_none_without_torch():
    overhead = mlp.op_overhead_us(rounds=1, chains=1)
    assert overhead["tinygrad_edu"] > 0
    assert (overhead["torch"] is None) == (not mlp.torch_available())
    assert overhead["torch"] is None or overhead["torch"] > 0
    assert (overhead["time_ratio"] is None) == (overhead["torch"] is None)


def test_restoring_thread_count_puts_the_count_back_even_when_the_block_raises():
    before = tg.backend_info()["num_threads"]
    with pytest.raises(RuntimeError, match="stop"):
        with timing.restoring_thread_count():
            tg.set_num_threads(before + 1)
            raise RuntimeError("stop")
    assert tg.backend_info()["num_threads"] == before


def test_thread_speedup_times_both_settings_and_restores_the_thread_count():
    pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")
    before = tg.backend_info()["num_threads"]
    assert matmul.thread_speedup(64, "float32", 2, repeats=1) > 0
    assert tg.backend_info()["num_threads"] == before


PROBE_CHAINS = 12  # csrc/peak.c
SIMD_LANES = {"avx512": 16, "avx2": 8, "portable": 4}  # floats per vector on each path


def test_the_peak_probe_counts_its_flops_on_every_thread_and_refuses_a_bad_round_count():
    c = pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")
    lanes = SIMD_LANES[c.simd_path()]
    before = tg.backend_info()["num_threads"]
    try:
        for threads in (1, 2, 3):
            tg.set_num_threads(threads)
            assert c.fma_probe_flops(10) == 2 * lanes * PROBE_CHAINS * 10 * threads
            assert c.fma_probe_flops(0) == 0
    finally:
        tg.set_num_threads(before)
    for bad in (-1, 2.5, True, "3", None):
        with pytest.raises(ValueError, match="rounds must be a non-negative integer"):
            c.fma_probe_flops(bad)


def test_peak_report_gives_both_dtypes_per_thread_count_and_restores_the_thread_count():
    pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")
    before = tg.backend_info()["num_threads"]
    lines = peak.report(argparse.Namespace(threads=[1, 2]))
    assert tg.backend_info()["num_threads"] == before
    rows = {int(row.split("|")[1]): [float(cell) for cell in row.split("|")[2:4]]
            for row in lines if row[:4] in ("| 1 ", "| 2 ")}
    assert set(rows) == {1, 2}
    for float32, float64 in rows.values():
        assert float32 > 0 and float64 == pytest.approx(float32 / 2, abs=0.1)


def test_step_product_flops_counts_the_forward_and_both_gradients_but_the_datas():
    forward = 784 * 256 + 256 * 128 + 128 * 10  # multiply-adds of one example
    input_gradients = 256 * 128 + 128 * 10  # dY·W of layers 2 and 3; the data needs no gradient
    assert mlp.step_product_flops(1) == 2 * (2 * forward + input_gradients)
    assert mlp.step_product_flops(128) == 128 * mlp.step_product_flops(1)


def test_mlp_report_sets_each_step_against_the_floor_of_its_products_and_each_epoch_against_ours(monkeypatch):
    pytest.importorskip("tinygrad_edu.backend.c", reason="C core not built")

    class OneSecondWorker:  # every block of steps takes one second
        def __init__(self, contender, threads, batch):
            pass

        def time(self, command):
            return 1.0

        def close(self):
            pass

    monkeypatch.setattr(mlp, "_Worker", OneSecondWorker)
    monkeypatch.setattr(mlp, "SETTLE_SECONDS", 0)
    monkeypatch.setattr(mlp, "peak_gflops", lambda threads: 100.0 * threads)
    args = argparse.Namespace(batches=[32, 128], threads=[1, 2], steps=100, rounds=1, no_epoch=False)
    lines = mlp.report(args)
    floor_rows = [line for line in lines if line.count("|") == 8 and "MFLOP" not in line and "---" not in line]
    assert len(floor_rows) == 4
    # batch 128 on 2 threads: 128.9 MFLOP at 200 GFLOP/s is 0.64 ms, of a 10 ms step (100 steps a second)
    flops = mlp.step_product_flops(128)
    expected = (f"| 128 | {flops / 1e6:.1f} | 2 | 200.0 | {flops / 200e9 * 1e3:.2f} | 10.00 | "
                f"{flops / 200e9 / 0.01:.0%} |")
    assert expected in floor_rows
    epochs = [line for line in lines if line.startswith("- ")]
    assert len(epochs) == len(mlp.CONTENDERS if mlp.torch_available() else ["tinygrad_edu", "numpy"])
    assert epochs[0] == f"- {mlp.CONTENDERS['tinygrad_edu']}: 1.00 s"
    assert all(line.endswith(": 1.00 s (tinygrad_edu takes 1.00 of its time)") for line in epochs[1:])
