"""Execute one notebook top to bottom (as the tests do) and report the slowest cells.

    python examples/notebooks/run_notebook.py examples/notebooks/01_backprop.ipynb [--save executed.ipynb] [--cwd DIR]

Runs in a temporary folder (or DIR), so the files a notebook writes do not land next to it.
"""
import argparse
import tempfile
import time
from datetime import datetime

import nbclient
import nbformat


def execute(path, timeout=120, cwd=None):
    """The executed notebook (outputs filled in), run in `cwd` (default: a temporary folder); raises nbclient's
    CellExecutionError when a cell fails. timeout: seconds for one cell."""
    if cwd is None:
        with tempfile.TemporaryDirectory() as scratch:
            return execute(path, timeout, scratch)
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def cell_seconds(cell):
    """How long an executed code cell ran, from the timestamps nbclient records in its metadata."""
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if start is None or end is None:
        return 0.0
    return (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("--save", help="write the executed notebook (with outputs) here")
    parser.add_argument("--cwd", help="the notebook's working directory (default: a temporary one)")
    args = parser.parse_args()
    start = time.perf_counter()
    notebook = execute(args.notebook, cwd=args.cwd)
    print(f"{args.notebook}: {len(notebook.cells)} cells in {time.perf_counter() - start:.1f}s")
    slowest = sorted(((cell_seconds(cell), cell.id) for cell in notebook.cells if cell.cell_type == "code"),
                     reverse=True)[:5]
    print("slowest cells: " + ", ".join(f"{cell_id} {seconds:.1f}s" for seconds, cell_id in slowest))
    if args.save:
        nbformat.write(notebook, args.save)


if __name__ == "__main__":
    main()
