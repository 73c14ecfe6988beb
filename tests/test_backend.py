"""Backend selection, the fallback to numpy, and backend_info / set_num_threads."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend


def run_python(code, **env):
    full_env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120)


def test_backend_info_reports_backend_simd_and_threads():
    info = tg.backend_info()
    assert info["backend"] in ("c", "numpy")
    assert set(info) >= {"backend", "simd", "num_threads", "c_core_built"}
    if info["c_core_built"]:
        assert isinstance(info["simd"], str) and info["simd"]
        assert info["num_threads"] >= 1


def test_set_num_threads_changes_the_c_core_thread_count():
    if not tg.backend_info()["c_core_built"]:
        pytest.skip("C core not built")
    before = tg.backend_info()["num_threads"]
    try:
        tg.set_num_threads(2)
        assert tg.backend_info()["num_threads"] == 2
    finally:
        tg.set_num_threads(before)
    with pytest.raises(ValueError):
        tg.set_num_threads(0)


FORK_CHILD = """
import multiprocessing, warnings
import numpy as np
import tinygrad_edu as tg
from tinygrad_edu.backend import c
tg.set_num_threads(2)
a = np.random.default_rng(0).random((512, 512), dtype=np.float32)
parent = c.gemm(a, a)  # starts OpenMP's worker threads in the parent

def child(_):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tg.set_num_threads(2)
    p, g = np.zeros(300_000, np.float32), np.ones(300_000, np.float32)
    c.adam_step(p, g, np.zeros_like(p), np.zeros_like(p), None, step_size=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                weight_decay=0.0, param_decay=1.0, maximize=False)
    return (np.array_equal(c.gemm(a, a), parent), tg.backend_info()["num_threads"], float(p[0]),
            [str(w.message) for w in caught])

with multiprocessing.get_context("fork").Pool(2) as pool:
    for same, threads, p0, messages in pool.map_async(child, range(2)).get(timeout=60):
        assert same and threads == 1 and p0 < 0, (same, threads, p0)
        assert any("forked" in m for m in messages), messages
print("ok")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_computes_on_one_thread_instead_of_hanging():
    # OpenMP's worker threads do not survive fork; a child that entered a parallel region would wait for them forever
    if not tg.backend_info()["c_core_built"]:
        pytest.skip("C core not built")
    result = run_python(FORK_CHILD)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("name", ["numpy", "c"])
def test_environment_variable_forces_the_backend(name):
    if name == "c" and not tg.backend_info()["c_core_built"]:
        pytest.skip("C core not built")
    result = run_python("import tinygrad_edu as tg; print(tg.backend_info()['backend'])", TINYGRAD_EDU_BACKEND=name)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == name


def test_unknown_backend_name_is_an_error():
    result = run_python("import tinygrad_edu", TINYGRAD_EDU_BACKEND="cuda")
    assert result.returncode != 0 and "must be 'c' or 'numpy'" in result.stderr


def test_missing_c_core_falls_back_with_one_warning_or_errors_when_forced(monkeypatch):
    missing = ImportError("no module named tinygrad_edu._tge")
    monkeypatch.setattr(backend, "_load_c", lambda: missing)
    with pytest.warns(RuntimeWarning, match="numpy reference backend"):
        assert backend._choose("") is backend.reference
    with pytest.raises(ImportError, match="pip install"):
        backend._choose("c")
    assert backend._choose("numpy") is backend.reference


def test_use_switches_kernels_at_run_time_and_results_agree():
    a = np.random.default_rng(0).standard_normal((7, 5)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    previous = backend.current.NAME
    try:
        results = {}
        for name in ("numpy", "c") if tg.backend_info()["c_core_built"] else ("numpy",):
            backend.use(name)
            x, w = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
            (x @ w).sum().backward()
            results[name] = ((x @ w).data, x.grad.data, w.grad.data)
        for ours, reference in zip(results.get("c", results["numpy"]), results["numpy"]):
            np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)
    finally:
        backend.use(previous)
