"""Run a loader on hostile files in a subprocess whose address space is capped with
`resource.setrlimit(RLIMIT_AS, ...)`: a loader that allocates what a file declares fails there with
MemoryError, and the cap never touches pytest itself."""
import os
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADROOM = 256 << 20
"""Bytes the capped process may allocate beyond what it has mapped once numpy and tinygrad_edu are imported."""

_CAP = f"""
import resource

import numpy as np
import tinygrad_edu

with open("/proc/self/status") as status:
    mapped = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (mapped + {HEADROOM}, mapped + {HEADROOM}))
try:
    bytearray(2 * {HEADROOM})
    print("the cap did not hold")
except MemoryError:
    pass
"""


def outcomes_under_cap(call, paths):
    """{path: name of the exception `call(path)` raised, or "returned"} from a capped subprocess.

    `call` is the dotted name of a function, e.g. "tinygrad_edu.data.load_idx". The subprocess first checks
    that allocating twice the headroom really fails, so a passing test cannot come from an ineffective cap.
    """
    module, function = call.rsplit(".", 1)
    script = _CAP + textwrap.dedent(f"""
        import importlib
        call = getattr(importlib.import_module({module!r}), {function!r})
        for path in {[os.fspath(p) for p in paths]!r}:
            try:
                call(path)
                print(path, "returned")
            except Exception as exc:
                print(path, type(exc).__name__)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                            check=False)
    assert result.returncode == 0 and "the cap did not hold" not in result.stdout, result.stdout + result.stderr
    return dict(line.rsplit(" ", 1) for line in result.stdout.splitlines())
