"""Shared test settings: hypothesis profiles (HYPOTHESIS_PROFILE=valgrind keeps runs under valgrind short)."""
import builtins
import os

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
