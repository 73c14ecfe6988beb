"""The README's Quickstart runs as written, and what it says it prints is what it prints."""
import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def quickstart_code():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quickstart"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_quickstart_runs_and_prints_what_its_comments_say():
    code = quickstart_code()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README Quickstart", "exec"), {})
    lines = printed.getvalue().splitlines()
    grad_comment = re.search(r"print\(x\.grad, y\.grad\)\s+# (.*)", code).group(1)
    dx, dy = re.findall(r"= (-?\d+)(?:,|$)", grad_comment)
    assert lines[0] == f"tensor({dx}.) tensor({dy}.)"
    op_comment = re.search(r"print\(f\.op\)\s+# (.*?):", code).group(1)
    assert lines[1] == op_comment
    keys = re.findall(r"'(\w+)':", re.search(r"print\(tg\.backend_info\(\)\)\s+# (.*)", code).group(1))
    assert keys == list(eval(lines[-1]).keys())  # the comment names every key the call returns
