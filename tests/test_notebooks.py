"""The lecture notebooks (examples/notebooks/): committed without outputs, in step with their sources, and each runs
top to bottom in a fresh kernel, in a temporary folder, showing its pictures, tables and pages inline.

Executing needs nbclient, ipykernel and nbformat (the test extra) and matplotlib; without them those tests skip.
"""
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu as tg

NOTEBOOKS = Path(__file__).resolve().parent.parent / "examples" / "notebooks"
COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))
NOTEBOOK_TIMEOUT = 300  # s for one whole notebook: a guard against a hang, far above what each one takes
RUNNER = NOTEBOOKS / "run_notebook.py"
# What each notebook must show inline besides text (SVG needs Graphviz `dot`, so it is checked only when present)
DISPLAYS = {
    "01_backprop": {"image/svg+xml", "text/html"},      # the graph, the trace table, the explorer's iframe
    "02_gradient_descent": {"image/png"},               # the labs' plots
    "03_initialisation": {"image/png", "text/html"},    # the init lab's plots, the sigmoid chain's trace
    "04_fashion_mnist_mlp": {"image/png", "image/svg+xml", "text/html"},  # curves, the model's graph, the explorer
}
MISSING = [name for name in ("nbformat", "nbclient", "ipykernel", "matplotlib") if importlib.util.find_spec(name) is None]
needs_jupyter = pytest.mark.skipif(bool(MISSING), reason=f"running notebooks needs {', '.join(MISSING)} "
                                                         "(pip install nbclient ipykernel nbformat matplotlib)")
# The notebooks drive the library through its public API, which the rest of the suite checks on both backends; run
# on the numpy backend as well they would only repeat the same calls a few times slower, so they run once, on the C
# core (or on numpy where the C core is not built).
on_one_backend = pytest.mark.skipif(
    tg.backend_info()["backend"] == "numpy" and tg.backend_info()["c_core_built"],
    reason="the notebooks run once per suite, on the C backend (TINYGRAD_EDU_BACKEND=numpy repeats the same API)")


def test_there_are_the_lecture_notebooks():
    assert [path.stem for path in COMMITTED] == sorted(DISPLAYS)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.stem)
def test_committed_notebooks_have_no_outputs(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code, f"{path.name} has no code cells"
    assert [cell["id"] for cell in code if cell["outputs"] or cell["execution_count"] is not None] == []


@pytest.mark.skipif("nbformat" in MISSING, reason="nbformat is not installed (pip install nbformat)")
def test_notebooks_are_built_from_their_sources():
    done = subprocess.run([sys.executable, str(NOTEBOOKS / "build.py"), "--check"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, f"run python examples/notebooks/build.py and commit: {done.stdout}{done.stderr}"


def executed(path, folder):
    """The notebook after running it in a fresh kernel with `folder` as its working directory."""
    import nbformat

    result = folder / f"{path.stem}.executed.ipynb"
    done = subprocess.run([sys.executable, str(RUNNER), str(path), "--save", str(result), "--cwd", str(folder)],
                          capture_output=True, text=True, timeout=NOTEBOOK_TIMEOUT, check=False)
    assert done.returncode == 0, f"{path.name} failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    return nbformat.read(result, as_version=4)


def shown_types(notebook):
    """Every MIME type the notebook's outputs carry, and the text it printed."""
    types, printed = set(), []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            types.update(output.get("data", {}))
            printed.append(output.get("text", ""))
    return types, "".join(printed)


@needs_jupyter
@on_one_backend
@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    before = sorted(NOTEBOOKS.iterdir())
    notebook = executed(path, tmp_path)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    types, printed = shown_types(notebook)
    expected = DISPLAYS[path.stem] - (set() if shutil.which("dot") else {"image/svg+xml"})
    assert expected <= types, f"{path.name} showed {sorted(types)}"
    assert sorted(NOTEBOOKS.iterdir()) == before  # what it wrote went to its own folder
    if path.stem == "01_backprop":
        assert (tmp_path / "lecture_example.html").is_file()
    if path.stem == "04_fashion_mnist_mlp":
        assert "gives the same outputs on all 5000 test images: True" in printed


@needs_jupyter
def test_the_mlp_notebook_falls_back_to_generated_data_and_says_so(tmp_path):
    """Run its cells up to the data cell with DATA_DIR pointing at an empty folder, as on a machine without the
    dataset."""
    import nbclient
    import nbformat

    notebook = nbformat.read(NOTEBOOKS / "04_fashion_mnist_mlp.ipynb", as_version=4)
    last = next(index for index, cell in enumerate(notebook.cells) if "data" in cell.metadata.get("tags", []))
    notebook.cells = notebook.cells[:last + 1]
    data_cell = notebook.cells[last]
    assert "DATA_DIR = None" in data_cell.source
    data_cell.source = data_cell.source.replace("DATA_DIR = None", f"DATA_DIR = {str(tmp_path)!r}")
    nbclient.NotebookClient(notebook, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(output.get("text", "") for output in data_cell.outputs)
    assert "using a generated stand-in" in printed and str(tmp_path) in printed
    assert "generated stand-in: 15000 train, 3000 validation, 5000 test images of 784 values" in printed

