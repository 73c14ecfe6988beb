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
