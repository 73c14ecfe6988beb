"""Write the lecture notebooks (examples/notebooks/*.ipynb) from their sources in examples/notebooks/source/.

A source is a Python file in the "percent" cell format, so the notebooks are reviewed (and linted) as code:

    # %% [markdown]
    # # A title
    # Markdown lines, each after "# ".
    # %%
    x = 1          # a code cell
    # %matplotlib inline   ← in a code cell, "# %" and a letter is an IPython magic, uncommented in the notebook
    # %% tags=["data"]
    # a code cell with tags (JSON list) in its metadata

Lines before the first "# %%" are the source's own header and do not go into the notebook. The notebooks are
written without outputs and with fixed cell ids, so building twice gives the same files and git sees only real
changes. Run `python examples/notebooks/build.py` after editing a source; `--check` only reports notebooks that
differ from their source (and exits 1 if any does).
"""
import argparse
import json
import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "source"
CELL_MARKER = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")
MAGIC = re.compile(r"^# (%[A-Za-z].*)$")
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def split_cells(text):
    """[(is_markdown, tags, lines)] for each "# %%" block of a source, in order."""
    cells = []
    for line in text.splitlines():
        marker = CELL_MARKER.match(line)
        if marker:
            tags = json.loads(marker["tags"]) if marker["tags"] else []
            cells.append((marker["markdown"] is not None, tags, []))
        elif cells:
            cells[-1][2].append(line)
    return cells


def markdown_text(lines):
    """The markdown of a cell: every line loses its leading "# " (a bare "#" is an empty line)."""
    for line in lines:
        if line.strip() and not line.startswith("#"):
            raise ValueError(f"a markdown cell holds a line that is not a comment: {line!r}")
    return "\n".join(line[2:] if line.startswith("# ") else "" for line in lines).strip("\n")


def code_text(lines):
    """The code of a cell, with "# %magic" lines turned back into IPython magics."""
    return "\n".join(MAGIC.sub(r"\1", line) for line in lines).strip("\n")


def build_notebook(source):
    """The notebook (a NotebookNode) written from one source file; cell ids are <name>-<number>."""
    cells = []
    for number, (is_markdown, tags, lines) in enumerate(split_cells(source.read_text(encoding="utf-8"))):
        cell = new_markdown_cell(markdown_text(lines)) if is_markdown else new_code_cell(code_text(lines))
        cell.id = f"{source.stem}-{number:02d}"
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)
    if not cells:
        raise ValueError(f"{source} has no '# %%' cells")
    return new_notebook(cells=cells, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})


def notebook_path(source):
    return HERE / f"{source.stem}.ipynb"


def sources():
    return sorted(SOURCES.glob("*.py"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that differ from their source")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        text = nbformat.writes(build_notebook(source)) + "\n"
        target = notebook_path(source)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target.name)
        if not args.check:
            target.write_text(text, encoding="utf-8")
    verb = "differ from their sources" if args.check else "written"
    print(f"{verb}: {', '.join(stale)}" if stale else "every notebook matches its source")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
