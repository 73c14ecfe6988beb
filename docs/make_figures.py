"""Regenerate docs/images/* and the tool output quoted in docs/learn_backprop.md, with the tools themselves.

    python docs/make_figures.py

Pictures need Graphviz `dot` (otherwise .dot files are written instead); the explorer screenshot needs
Chromium (otherwise it is skipped). Each ```text block in the tutorial that follows an
<!-- output: NAME --> line is replaced by what the tool prints now, so the text never drifts from the code.
"""
import contextlib
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.function import Function

DOCS = Path(__file__).resolve().parent
IMAGES = DOCS / "images"
TUTORIAL = DOCS / "learn_backprop.md"


class BuggySquare(Function):
    """∂(a²)/∂a = 2a — but backward below forgets the 2, the kind of slip gradcheck exists to catch."""

    def forward(self, a):
        self.save_for_backward(a)
        return a * a

    def backward(self, grad):
        (a,) = self.saved
        return (grad * a,)


def lecture_figures(outputs):
    _, _, f = viz.lecture_example(x=1.0, y=2.0)
    viz.draw(f, IMAGES / "lecture_graph.svg")
    outputs["print_graph"] = viz.format_graph(f)
    viz.explore(f, IMAGES / "lecture_explorer.html")
    outputs["trace"] = str(viz.trace_backward(f))
    _, _, fresh = viz.lecture_example(x=1.0, y=2.0)  # the trace's plain backward left gradients on the leaves only
    viz.draw(fresh, IMAGES / "lecture_graph_grads.svg", backward=True)  # ∂f/∂node on every node
    screenshot(IMAGES / "lecture_explorer.html", IMAGES / "explorer.png", steps=9)


def model_figures(outputs):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
    with contextlib.redirect_stdout(io.StringIO()):  # summary prints; here we only want its text
        outputs["summary"] = str(viz.summary(model, (16, 2)))
    inputs, labels = tg.randn(16, 2), tg.tensor(np.arange(16) % 3, dtype="int64")
    loss = nn.functional.cross_entropy(model(inputs), labels)
    loss.name = "loss"
    with tg.retain_grads():
        loss.backward()
    viz.draw(loss, IMAGES / "mlp_graph.svg", names=dict(model.named_parameters()))


def gradcheck_output(outputs):
    x = tg.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    y = tg.tensor([1.5, 0.25, -0.5], dtype="float64", requires_grad=True)
    lines = [f"gradcheck(f, x, y) -> {tg.gradcheck(lambda x, y: x ** 2 + x * y + (x + y) ** 2, x, y)}"]
    try:
        tg.gradcheck(BuggySquare.apply, x)
    except tg.GradcheckError as error:
        lines.append(f"gradcheck(BuggySquare.apply, x) -> GradcheckError: {error}")
    outputs["gradcheck"] = "\n".join(lines)


def lab_figures():
    """The labs' lecture figures: the schedules as small multiples, the zero-init symmetry, L2 versus decoupled weight
    decay, gradient noise against batch size (needs matplotlib)."""
    from tinygrad_edu import lab
    schedules = {name: lab.make_schedule(name, 0.1, 200) for name in lab.SCHEDULES}
    lab.plot_schedule(schedules, 200, IMAGES / "lr_schedules.png")
    lab.symmetry_lab().plot(IMAGES / "init_zero_symmetry.png")
    lab.weight_decay_lab().plot(IMAGES / "weight_decay.png")
    lab.batch_noise_lab().plot(IMAGES / "batch_noise.png")


def screenshot(page, picture, steps):
    """A PNG of the explorer page after `steps` presses of next, when Chromium is installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print(f"chromium not found: {picture.name} not refreshed")
        return
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={profile}", "--window-size=1300,520", "--virtual-time-budget=3000",
                        f"--screenshot={picture}", f"{page.as_uri()}#autostep={steps}"],
                       capture_output=True, timeout=60, check=True)


def fill_outputs(outputs):
    """Put each output into the ```text block after its <!-- output: NAME --> marker in the tutorial."""
    text = TUTORIAL.read_text(encoding="utf-8")
    for name, output in outputs.items():
        pattern = re.compile(rf"(<!-- output: {name} -->\n```text\n).*?(```)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{TUTORIAL.name} has no <!-- output: {name} --> block")
        text = pattern.sub(lambda match: match.group(1) + output + "\n" + match.group(2), text)
    TUTORIAL.write_text(text, encoding="utf-8")


def main():
    IMAGES.mkdir(exist_ok=True)
    outputs = {}
    lecture_figures(outputs)
    model_figures(outputs)
    gradcheck_output(outputs)
    lab_figures()
    fill_outputs(outputs)
    print(f"wrote {', '.join(sorted(p.name for p in IMAGES.iterdir()))} and refreshed {TUTORIAL.name}")


if __name__ == "__main__":
    main()
