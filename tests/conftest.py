"""Shared test settings: hypothesis profiles (HYPOTHESIS_PROFILE=valgrind keeps runs under valgrind short)."""
import builtins
import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("default", deadline=None)
settings.register_profile("valgrind", deadline=None, max_examples=5)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def hide_package(monkeypatch):
    """hide_package("tqdm"): from then on in the test, importing that package (or a submodule) raises ImportError,
    as on a machine without the optional extra."""
    real_import = builtins.__import__

    def hide(package):
        def guarded_import(name, *args, **kwargs):
            if name == package or name.startswith(package + "."):
                raise ImportError(f"No module named {package!r} (hidden by the test)")
            return real_import(name, *args, **kwargs)
        monkeypatch.setattr(builtins, "__import__", guarded_import)

    return hide


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for a test module's browser tests (tests/cdp.py), skipped, saying why, where none can
    start (no chromium, or no websockets package)."""
    import cdp
    reason = cdp.missing()
    if reason:
        pytest.skip(reason)
    with cdp.start_browser(tmp_path_factory.mktemp("chromium-profile")) as started:
        yield started


@pytest.fixture
def shots(tmp_path):
    """The folder for a test's screenshots: $TINYGRAD_EDU_SCREENSHOTS when it is set (to look at them by eye), else
    the test's tmp_path."""
    folder = Path(os.environ.get("TINYGRAD_EDU_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
