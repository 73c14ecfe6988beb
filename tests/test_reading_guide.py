"""docs/reading_guide.md sends learners to files, functions and classes: every one it names must exist.

What the guide's markup means, and what is checked:
- a reference line, "Open: `path` — `name`, `name`" or a list item "- `path` — `name`, `name`: ...", names a file
  and what to open in it. The file must exist and each name must be defined in it: a Python module is imported and
  followed attribute by attribute (`Tensor.add_`); C sources, and Python that must not be imported here
  (tinygrad_edu/backend/c.py needs the built C core, csrc/build_ffi.py needs cffi), are searched as text, for a
  definition, declaration or #define, comments left out;
- every other backticked path from the project root (`tinygrad_edu/engine.py`, `csrc/`) must exist, a bare file
  name (`gemm.c`) must be that of a file some reference line opens, and every relative link must lead to a file;
- every other backticked dotted name whose first part is a module (`engine.run_backward`, `backend.current.gemm`)
  or a class of a module the guide opens (`Function.apply`) must resolve; names of variables (`x.grad`) are not
  checked;
- every ```python block runs, after `import tinygrad_edu as tg`, as the guide says.
Nothing here needs the C core, so the test runs the same on TINYGRAD_EDU_BACKEND=c and =numpy.
"""
import contextlib
import importlib
import io
import re
from pathlib import Path

import tinygrad_edu

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "reading_guide.md"

C_SUFFIXES = (".c", ".h", ".inc")
# Python files read as text, never imported: the C backend module imports the compiled core, which a numpy-only
# install lacks; the cffi builder imports cffi and declares the whole ABI.
TEXT_ONLY_PYTHON = ("tinygrad_edu/backend/c.py", "csrc/build_ffi.py")
# Short module names the guide may start a dotted name with.
MODULE_ALIASES = {"tg": "tinygrad_edu", "tinygrad_edu": "tinygrad_edu", "tensor": "tinygrad_edu.tensor",
                  "function": "tinygrad_edu.function", "engine": "tinygrad_edu.engine",
                  "backend": "tinygrad_edu.backend", "nn": "tinygrad_edu.nn", "optim": "tinygrad_edu.optim",
                  "train": "tinygrad_edu.train", "reference": "tinygrad_edu.backend.reference"}
# The reading order the guide must keep covering, stop by stop.
REQUIRED_FILES = ("tinygrad_edu/tensor.py", "tinygrad_edu/function.py", "tinygrad_edu/engine.py",
                  "tinygrad_edu/nn/module.py", "tinygrad_edu/optim/optimizer.py", "tinygrad_edu/backend/c.py",
                  "csrc/tge.h", "csrc/gemm.c", "csrc/optim_kernels.inc", "tinygrad_edu/train/loop.py")

REFERENCE_LINE = re.compile(r"^\s*(?:Open:|[-*]|\d+\.)\s*`(?P<path>[^`\s]+)`\s+—\s*(?P<names>(?:`[^`]+`\s*,?\s*)*)")
BACKTICKED = re.compile(r"`([^`\n]+)`")
DOTTED_NAME = re.compile(r"^(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\))?$")
# a path from the project root (it has a slash), or a bare file name, which must be that of a file the guide opens
PATH_TOKEN = re.compile(r"^[\w.-]+(?:/[\w.-]*)+$|^[\w.-]+\.(?:py|c|h|inc|md|toml|sh)$")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def _parse(text):
    """(reference lines as (line number, path, [names]), other prose tokens as (line number, token), links,
    python blocks as (line number, code)). Fenced code blocks are not prose."""
    references, tokens, links, snippets = [], [], [], []
    code_lines = set()
    for block in CODE_BLOCK.finditer(text):
        first = text.count("\n", 0, block.start()) + 1
        last = text.count("\n", 0, block.end()) + 1
        code_lines.update(range(first, last + 1))
        if block.group(1) == "python":
            snippets.append((first, block.group(2)))
    for number, line in enumerate(text.splitlines(), 1):
        if number in code_lines:
            continue
        if line.count("`") % 2:
            tokens.append((number, "`"))  # a code span that runs on into the next line: the pairs here are wrong
        rest = line
        match = REFERENCE_LINE.match(line)
        if match and PATH_TOKEN.match(match.group("path")):
            references.append((number, match.group("path"), BACKTICKED.findall(match.group("names"))))
            rest = line[match.end():]
            if match.group("names").rstrip().endswith(","):
                tokens.append((number, ","))  # a list of names that runs on into the next line
        tokens += [(number, token) for token in BACKTICKED.findall(rest)]
        links += [(number, link) for link in LINK.findall(line)]
    return references, tokens, links, snippets


def _module_name(path):
    parts = Path(path).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(obj, dotted):
    """Follow `dotted` attribute by attribute from obj; None if a step is missing."""
    for part in dotted.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return None
    return obj


def _without_c_comments(source):
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", " ", source, flags=re.S))


def _defined_in_c(source, name):
    """A function defined or declared as name(...) or through a naming macro as KERNEL(name)(...) / F(name)(...), or
    a #define."""
    name = re.escape(name)
    return re.search(rf"(?:\b{name}|\(\s*{name}\s*\))\s*\(|#\s*define\s+{name}\b", source) is not None


def _defined_in_python_text(source, dotted):
    """`def`, `class` or a module-level assignment of each part of `dotted`, found in order in the source text."""
    position = 0
    for part in dotted.split("."):
        part = re.escape(part)
        match = re.compile(rf"^\s*(?:def|class)\s+{part}\b|^{part}\s*[:=]", re.M).search(source, position)
        if match is None:
            return False
        position = match.end()
    return True


def check_guide(text):
    """Every problem with the references of a guide's text, as readable lines (an empty list when all is well), and
    counts of what was checked."""
    references, tokens, links, snippets = _parse(text)
    problems, modules, checked_names = [], [], 0
    for number, path, names in references:
        file = ROOT / path
        if not file.exists():
            problems.append(f"line {number}: {path} does not exist")
            continue
        checked_names += len(names)
        if path.endswith(C_SUFFIXES):
            source = _without_c_comments(file.read_text())
            problems += [f"line {number}: {path} defines no {name}" for name in names
                         if not _defined_in_c(source, name)]
        elif path in TEXT_ONLY_PYTHON:
            source = file.read_text()
            problems += [f"line {number}: {path} defines no {name}" for name in names
                         if not _defined_in_python_text(source, name)]
        elif path.endswith(".py") and path.startswith("tinygrad_edu/"):
            module = importlib.import_module(_module_name(path))
            modules.append(module)
            problems += [f"line {number}: {path} has no {name}" for name in names if _resolve(module, name) is None]
        elif names:
            problems.append(f"line {number}: names in {path} cannot be checked (not a package module or C source)")
    opened_names = {Path(path).name for _, path, _ in references}
    for number, token in tokens:
        if token in ("`", ","):
            problems.append(f"line {number}: keep each code span, and each reference line's list of names, on one "
                            "line (the rest of it would go unchecked)")
            continue
        if PATH_TOKEN.match(token):
            if not ((ROOT / token).exists() if "/" in token else token in opened_names):
                problems.append(f"line {number}: {token} does not exist" if "/" in token else
                                f"line {number}: {token} is not the name of a file the guide opens")
            continue
        match = DOTTED_NAME.match(token)
        if match is None:
            continue
        first, _, rest = match.group("name").partition(".")
        if first in MODULE_ALIASES:
            if _resolve(importlib.import_module(MODULE_ALIASES[first]), rest) is None:
                problems.append(f"line {number}: {token} does not exist")
            checked_names += 1
        elif first[0].isupper():  # a class: some module the guide opens must have it, with that attribute
            if not any(_resolve(module, match.group("name")) is not None for module in modules + [tinygrad_edu]):
                problems.append(f"line {number}: {token} is in none of the modules the guide opens")
            checked_names += 1
    for number, link in links:
        if not link.startswith(("http://", "https://", "#")) and not (GUIDE.parent / link.split("#")[0]).exists():
            problems.append(f"line {number}: the link {link} leads nowhere")
    return problems, {"references": len(references), "names": checked_names, "snippets": len(snippets),
                      "files": {path for _, path, _ in references}}


def test_every_file_and_name_the_guide_names_exists():
    problems, _ = check_guide(GUIDE.read_text())
    assert not problems, "docs/reading_guide.md names what is not there:\n" + "\n".join(problems)


def test_the_guide_covers_the_reading_order():
    """Guards the test itself: if the markup drifted, the checks above would find nothing to check and pass."""
    _, counts = check_guide(GUIDE.read_text())
    assert counts["references"] >= 30 and counts["names"] >= 100 and counts["snippets"] >= 8, counts
    assert set(REQUIRED_FILES) <= counts["files"], set(REQUIRED_FILES) - counts["files"]


def test_the_check_reports_missing_names():
    text = "\n".join([
        "Open: `tinygrad_edu/engine.py` — `run_backward`, `no_such_walk`",
        "Open: `tinygrad_edu/tensor.py` — `Tensor.add_`, `Tensor.no_such_method`",
        "Open: `tinygrad_edu/backend/c.py` — `gemm`, `no_such_boundary`",
        "Open: `csrc/gemm.c` — `tge_sgemm`, `no_such_kernel`",
        "Open: `csrc/optim_kernels.inc` — `adam`, `no_such_rule`",
        "Open: `tinygrad_edu/no_such_file.py` — `anything`",
        "Then `engine.no_such_function`, `Function.no_such_method`, `csrc/no_such_file.c` and `nowhere.c`,",
        "but neither `x.grad` nor `gemm.c` nor `engine.py`.",
        "- `tinygrad_edu/engine.py` — `run_backward`,", "  `wrapped_name`: a list that runs on",
        "a code span `that runs", "on` into the next line",
        "```python", "Open: `tinygrad_edu/no_such_file_in_code.py`", "```",
    ])
    problems, _ = check_guide(text)
    missing = ["no_such_walk", "Tensor.no_such_method", "no_such_boundary", "no_such_kernel", "no_such_rule",
               "no_such_file.py", "engine.no_such_function", "Function.no_such_method", "csrc/no_such_file.c",
               "nowhere.c", "line 9: keep each code span", "line 11: keep each code span",
               "line 12: keep each code span"]
    for name in missing:
        assert any(name in problem for problem in problems), (name, problems)
    assert len(problems) == len(missing), problems


def test_every_snippet_runs():
    _, _, _, snippets = _parse(GUIDE.read_text())
    for number, code in snippets:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, f"docs/reading_guide.md, snippet at line {number}", "exec"), {"tg": tinygrad_edu})
