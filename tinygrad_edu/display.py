"""What Jupyter shows for the library's objects: a picture or a page under the cell instead of a bare repr.

Jupyter asks an object for `_repr_png_`, `_repr_svg_`, `_repr_html_`, ... and shows the richest answer it gets;
an answer of None means "not available", and Jupyter falls back to the next one and finally to repr(). So every
method here returns None when what it needs is missing (matplotlib, the file), and the text stays.

- `InlineFigure`: a mixin for results with a `plot(path=None)` method returning a matplotlib Figure; its
  `_repr_png_` is that plot (the labs' results and a training History use it).
- `ShownFile`: a path (a `str`, so open(), os.fspath() and comparisons work unchanged) that Jupyter shows as what
  the file holds: an .svg or .png picture, or an .html page in an iframe (`viz.draw` and `viz.explore` return one).
- `iframe(page, title)`: the HTML that shows a self-contained page inline, for any object holding one.
- `fill_page(folder, name, title, data)`: a self-contained page from its template, style and script, and its data.
"""
import html
import io
import json
import os

PNG_DPI = 100  # the figures' own sizes (5 in per panel) then fit a notebook column
PAGE_HEIGHT = 640  # px of an inline HTML page: the explorer's graph, controls and step panel all fit


def figure_png(plot):
    """PNG bytes of the Figure that plot() returns, or None when matplotlib is missing (plot raises ImportError)."""
    try:
        figure = plot()
    except ImportError:
        return None
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


class InlineFigure:
    """Shows `self.plot()` under the cell in Jupyter; the class's text repr when matplotlib is missing."""

    def _repr_png_(self):
        return figure_png(self.plot)


class ShownFile(str):
    """The path of a written file, displayed in Jupyter by what it holds (chosen by its suffix).

    .svg → the picture (image/svg+xml), .png → the picture (image/png), .html → the page in an iframe whose
    `srcdoc` holds the whole page (so it runs offline and needs no server); anything else, or a file that is no
    longer there, shows as the path.
    """

    def _read(self, suffix, mode):
        if os.path.splitext(self)[1].lower() != suffix or not os.path.isfile(self):
            return None
        with open(self, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as file:
            return file.read()

    def _repr_svg_(self):
        return self._read(".svg", "r")

    def _repr_png_(self):
        return self._read(".png", "rb")

    def _repr_html_(self):
        page = self._read(".html", "r")
        return None if page is None else iframe(page, os.path.basename(self))


def iframe(page, title, height=PAGE_HEIGHT):
    """HTML showing a whole self-contained page inline: an iframe as wide as the output, `height` px high, whose
    `srcdoc` attribute holds the page (no file or server needed, so it works in a saved notebook too)."""
    # quote=True: the page's own quotes and ampersands must not end the attribute early
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" title="{html.escape(title)}" '
            f'style="width: 100%; height: {height}px; border: 1px solid #ddd; box-sizing: border-box"></iframe>')


def fill_page(folder, name, title, data, **markers):
    """The page `name`.html of `folder` with `name`.css and `name`.js inlined, the title escaped, any further
    {{MARKER}} given as MARKER=text, and `data` written in as JSON last (so nothing in it is taken for a marker):
    one self-contained file that opens offline. The explorer and the labs' interactive pages are made this way."""
    parts = {"CSS": (folder / f"{name}.css").read_text(encoding="utf-8"),
             "SCRIPT": (folder / f"{name}.js").read_text(encoding="utf-8"),
             "TITLE": html.escape(title), **markers,
             # allow_nan=False: NaN is not JSON, and the page's JSON.parse would fail on it; "</" inside the JSON
             # would end the <script> element early, and "<\/" means the same to the JSON parser
             "DATA": json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")}
    page = (folder / f"{name}.html").read_text(encoding="utf-8")
    for marker, text in parts.items():
        page = page.replace("{{" + marker + "}}", text)
    return page
