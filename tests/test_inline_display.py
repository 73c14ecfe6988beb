"""What Jupyter shows: each object's _repr_*_ gives what the front end expects (SVG text, PNG bytes, HTML), and None
where the optional dependency is missing, so the text repr is shown instead.

The explorer's iframe is also run in headless Chromium inside a notebook-like page: the page in `srcdoc` must work
there as it does on its own.
"""
import html
import importlib.util
import os
import struct
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import display, lab, nn, train, viz
from tinygrad_edu.viz import dot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
needs_dot = pytest.mark.skipif(dot.shutil.which("dot") is None,
                               reason="Graphviz `dot` is not installed (apt install graphviz)")
needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="matplotlib is not installed (pip install matplotlib)")


class Elements(HTMLParser):
    """Every start tag as (tag, attributes) and the text of every cell, in document order."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.cells, self.open_cell = [], [], None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self.open_cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.cells.append("".join(self.open_cell))
            self.open_cell = None

    def handle_data(self, data):
        if self.open_cell is not None:
            self.open_cell.append(data)


def png_size(data):
    """(width, height) in px from a PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def mlp_loss():
    """A small MLP's loss on a batch, with its parameter names: a graph unlike the lecture's scalar one."""
    tg.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    loss = nn.functional.cross_entropy(model(tg.randn(5, 3)), tg.tensor(np.arange(5) % 2, dtype="int64"))
    loss.name = "loss"
    return loss, dict(model.named_parameters())


def lecture_graph():
    _, _, f = viz.lecture_example(x=1.5, y=-0.5)
    return f, None


GRAPHS = [lecture_graph, mlp_loss]


# ---- graph pictures -------------------------------------------------------------------------------------------------
@needs_dot
@pytest.mark.parametrize("make", GRAPHS)
def test_graph_shows_as_the_svg_of_its_dot_text(make):
    root, names = make()
    picture = viz.graph(root, names=names)
    svg = picture._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg == dot.render(picture.source, "svg").decode()
    assert picture._repr_mimebundle_() == {"text/plain": picture.source, "image/svg+xml": svg}


@pytest.mark.parametrize("make", GRAPHS)
def test_graph_without_dot_shows_its_dot_text(make, monkeypatch):
    monkeypatch.setattr(dot.shutil, "which", lambda program: None)
    root, names = make()
    picture = viz.graph(root, names=names)
    assert picture._repr_svg_() is None
    assert picture._repr_mimebundle_() == {"text/plain": picture.source}


@needs_dot
@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_draw_returns_the_path_and_shows_the_picture(tmp_path, suffix):
    root, names = mlp_loss()
    target = tmp_path / f"loss.{suffix}"
    written = viz.draw(root, target, names=names)
    assert written == str(target) and os.fspath(written) == str(target) and Path(written) == target
    with open(written, "rb") as file:  # open() takes it like any path
        content = file.read()
    if suffix == "svg":
        assert written._repr_svg_() == content.decode() and written._repr_png_() is None
    else:
        assert written._repr_png_() == content and png_size(content)[0] > 0 and written._repr_svg_() is None
    assert written._repr_html_() is None


def test_draw_without_dot_returns_the_dot_file_which_shows_as_text(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dot.shutil, "which", lambda program: None)
    written = viz.draw(lecture_graph()[0], tmp_path / "f.svg")
    assert written == str(tmp_path / "f.dot") and "Graphviz `dot` was not found" in capsys.readouterr().err
    assert (written._repr_svg_(), written._repr_png_(), written._repr_html_()) == (None, None, None)


def test_a_shown_file_that_is_gone_shows_as_its_path(tmp_path):
    gone = display.ShownFile(str(tmp_path / "removed.svg"))
    assert (gone._repr_svg_(), gone._repr_png_(), gone._repr_html_()) == (None, None, None)


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_graph_direction_sets_the_rank_direction(direction):
    assert f"rankdir={direction};" in viz.to_dot(lecture_graph()[0], direction=direction)


def test_an_unknown_graph_direction_is_refused_by_name():
    with pytest.raises(ValueError, match="'RL'"):
        viz.graph(lecture_graph()[0], direction="RL")


# ---- backward traces ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", GRAPHS)
def test_trace_html_is_the_text_table_as_an_html_table(make):
    root, names = make()
    trace = viz.trace_backward(root, names=names)
    page = trace._repr_html_()
    parsed = Elements(page)
    tags = [tag for tag, _ in parsed.tags]
    assert tags.count("table") == 1 and tags.count("tr") == len(trace) + 1  # a header row and one row per step
    header, rows = trace._header_and_rows()
    assert parsed.cells == list(header) + [cell for row in rows for cell in row]
    assert [row[1] for row in rows] == [step.name for step in trace]  # the node column, in the order of the walk
    assert f"<p>leaves: {trace._leaves()}</p>" in html.unescape(page)


def test_trace_html_escapes_names_and_rules():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="<x & y>")
    y = (x * x).sum()
    y.name = '"out"'
    page = viz.trace_backward(y)._repr_html_()
    assert "<x & y>" not in page and "&lt;x &amp; y&gt;" in page
    cells = Elements(page).cells  # read back by an HTML parser, the names are as they were
    assert '∂"out"/∂node' in cells and any(cell.startswith("<x & y> += ") for cell in cells)


# ---- the explorer ---------------------------------------------------------------------------------------------------
def srcdoc_of(page):
    iframes = [attributes for tag, attributes in Elements(page).tags if tag == "iframe"]
    assert len(iframes) == 1
    return iframes[0]


@pytest.mark.parametrize("make", GRAPHS)
def test_explore_returns_the_path_and_shows_the_page_in_an_iframe(tmp_path, make):
    root, names = make()
    target = tmp_path / "graph.html"
    written = viz.explore(root, target, names=names)
    assert written == str(target) and os.fspath(written) == str(target) and str(written) == str(target)
    text = Path(written).read_text(encoding="utf-8")
    with open(written, encoding="utf-8") as file:
        assert file.read() == text
    frame = srcdoc_of(written._repr_html_())
    assert frame["srcdoc"] == text  # the whole page, escaped into the attribute and read back unchanged
    assert "height" in frame["style"] and "100%" in frame["style"]
    assert written._repr_svg_() is None and written._repr_png_() is None


def test_explorer_srcdoc_survives_quotes_and_ampersands(tmp_path):
    title = 'f with "quotes", \'apostrophes\', <angle brackets> & ampersands'
    written = viz.explore(lecture_graph()[0], tmp_path / "f.html", title=title)
    frame = srcdoc_of(written._repr_html_())
    assert sorted(frame) == ["srcdoc", "style", "title"]  # no attribute ended early and leaked the rest as more
    assert frame["srcdoc"] == Path(written).read_text(encoding="utf-8")


# ---- plots: training histories and lab results ----------------------------------------------------------------------
def history(epochs):
    recorded = train.History()
    for epoch in range(1, epochs + 1):
        recorded.append(epoch, {"loss": 1 / epoch, "accuracy": 1 - 0.5 / epoch, "val_loss": 1.2 / epoch,
                                "val_accuracy": 0.9 - 0.5 / epoch, "lr": 0.1, "time": 0.5})
    return recorded


LAB_RESULTS = {
    "history": lambda: history(4),
    "playground": lambda: lab.playground(["gd:lr=0.1", "adam:lr=0.1"], "quadratic", steps=5),
    "compare": lambda: lab.compare_optimizers(["sgd", "adam"], samples=120, epochs=2),
    "init lab": lambda: lab.init_lab(depth=3, width=8, batch=16),
    "weight decay": lambda: lab.weight_decay_lab(steps=10, samples=8),
    "batch noise": lambda: lab.batch_noise_lab(batch_sizes=("full", 4), steps=5, samples=16, draws=10),
    "symmetry": lambda: lab.symmetry_lab(steps=5, samples=60),
}


@needs_matplotlib
@pytest.mark.parametrize("kind", LAB_RESULTS)
def test_results_show_their_plot_as_png(kind):
    result = LAB_RESULTS[kind]()
    png = result._repr_png_()
    figure = result.plot()
    width, height = png_size(png)
    expected = [round(size * display.PNG_DPI) for size in figure.get_size_inches()]
    assert abs(width - expected[0]) <= 1 and abs(height - expected[1]) <= 1  # the plot's figure, at the inline dpi


@pytest.mark.parametrize("kind", LAB_RESULTS)
def test_results_without_matplotlib_show_their_text(kind, hide_package):
    result = LAB_RESULTS[kind]()
    hide_package("matplotlib")
    assert result._repr_png_() is None
    assert repr(result)  # what Jupyter shows instead


def test_a_plot_error_other_than_a_missing_matplotlib_is_not_hidden():
    def broken_plot():
        raise ValueError("no curves to draw")

    with pytest.raises(ValueError, match="no curves"):
        display.figure_png(broken_plot)


# ---- in a real browser ----------------------------------------------------------------------------------------------
FRAME_STATE = """(() => {
  const frame = document.querySelector('iframe');
  const inner = frame.contentDocument;
  const box = frame.getBoundingClientRect();
  return {errors: frame.contentWindow.explorerErrors, state: JSON.parse(inner.getElementById('state').textContent),
          progress: inner.getElementById('progress').textContent, frame: [box.width, box.height],
          canvas: inner.getElementById('canvas').getBoundingClientRect().height};
})()"""
NEXT = "document.querySelector('iframe').contentDocument.getElementById('next').click()"


def test_the_inline_explorer_runs_inside_a_notebook_page(tmp_path, browser, shots):
    for make in GRAPHS:
        root, names = make()
        host = tmp_path / f"{make.__name__}.html"  # an output area about as wide as a notebook's
        inline = viz.explore(root, tmp_path / "page.html", names=names)._repr_html_()
        host.write_text(f'<!DOCTYPE html><html><body><div style="width: 900px">{inline}</div></body></html>',
                        encoding="utf-8")
        page = browser.open(host, width=1000, height=900)
        start = page.evaluate(FRAME_STATE)
        assert start["errors"] == [] and start["state"]["phase"] == "start"
        assert start["frame"] == [900, display.PAGE_HEIGHT] and start["canvas"] > display.PAGE_HEIGHT / 3
        for _ in range(3):
            page.evaluate(NEXT)
        after = page.evaluate(FRAME_STATE)
        assert after["errors"] == [] and after["state"]["step"] == 3 and after["progress"] != start["progress"]
        assert page.errors == []
        page.screenshot(shots / f"inline-explorer-{make.__name__}.png")
