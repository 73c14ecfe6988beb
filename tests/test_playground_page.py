"""lab.playground_page: its numbers against lab.playground, its grid, its contours, its options, and the page in a
real browser (headless Chromium over the DevTools protocol, tests/cdp.py, one browser for the module).

The browser tests look at the default page, the one `tinygrad-edu playground --html` writes, built once for the
module. They write screenshots to pytest's tmp_path, or to $TINYGRAD_EDU_SCREENSHOTS when it names a folder.
"""
import html
import importlib
import itertools
import json
import math
import os
import re
import time
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli, lab
from tinygrad_edu.lab.choices import LabError
from tinygrad_edu.lab.contours import contour_levels, contour_lines

page_module = importlib.import_module("tinygrad_edu.lab.playground_page")  # lab.playground_page is the function
ROOT = Path(__file__).resolve().parent.parent
KEYS = {"ArrowRight": 39, "ArrowLeft": 37, "ArrowDown": 40, "ArrowUp": 38, "Home": 36, "End": 35}


@pytest.fixture(scope="module")
def default_page(tmp_path_factory):
    """The default page (every function and optimizer) and the data it holds."""
    path = tmp_path_factory.mktemp("playground-page") / "playground.html"
    with np.errstate(over="ignore", invalid="ignore"):  # the numpy backend's warnings of the runs that diverge
        written = lab.playground_page(path)
    return Path(written), page_data(Path(written).read_text(encoding="utf-8"))


def page_data(text):
    """The JSON the page draws from; NaN or Infinity in it would break the page's JSON.parse."""
    payload = re.search(r'<script type="application/json" id="playground-data">(.*?)</script>', text, re.DOTALL)
    return json.loads(payload.group(1), parse_constant=lambda name: pytest.fail(f"{name} in the page's data"))


def by_name(data, name):
    return next(fn for fn in data["functions"] if fn["name"] == name)


def optimizer_entry(data, label):
    return next(optimizer for optimizer in data["optimizers"] if optimizer["label"] == label)


def grid_point(data, fn, label, rate, first, second):
    """(η, β₁, β₂, the stored run) at grid indices, in the order the page stores the runs."""
    optimizer, entry = optimizer_entry(data, label), fn["optimizers"][label]
    grids = [data["beta1"] if optimizer["symbols"][0] else [None], data["beta2"] if optimizer["symbols"][1] else [None]]
    points = list(itertools.product(entry["lr"], *grids))
    index = points.index((entry["lr"][rate], grids[0][min(first, len(grids[0]) - 1)],
                          grids[1][min(second, len(grids[1]) - 1)]))
    return (*points[index], entry["runs"][index])


def same_to_digits(stored, exact, digits=page_module.DIGITS):
    """The page's numbers equal the exact ones rounded to `digits` significant digits (None where not finite)."""
    exact = np.ravel(exact)
    assert len(stored) == len(exact)
    for kept, value in zip(stored, exact):
        if not np.isfinite(value):
            assert kept is None
        else:
            assert kept == pytest.approx(value, rel=0.6 * 10.0 ** (1 - digits), abs=1e-300)


# ---- the numbers -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("function, label, indices", [
    ("rosenbrock", "adam", (1, 0, 2)), ("quartic", "momentum", (3, 2, 0)), ("saddle", "rmsprop", (0, 0, 0)),
    ("beale", "lookahead", (4, 0, 0)), ("ravine", "nesterov", (2, 1, 0)), ("quadratic", "adadelta", (1, 0, 1)),
])
def test_every_stored_run_is_lab_playgrounds_run(default_page, function, label, indices):
    _, data = default_page
    fn = by_name(data, function)
    lr, beta1, beta2, stored = grid_point(data, fn, label, *indices)
    optimizer = next(o for o in page_module.page_optimizer_list(page_module.DEFAULT_OPTIMIZERS, page_module.BETA1,
                                                                page_module.BETA2) if o.label == label)
    (run,) = lab.playground([optimizer.spec(lr, beta1, beta2)], function=function, steps=data["steps"]).runs.values()
    best = 0.0 if fn["best"] is None else fn["best"]
    same_to_digits(stored["x"], run.points)
    same_to_digits(stored["loss"], run.losses - best)
    same_to_digits(stored["g"], run.grads)
    assert list(stored["state"]) == list(run.states) and stored["diverged"] == run.diverged
    for symbol, values in run.states.items():
        same_to_digits(stored["state"][symbol], values)


def test_each_optimizers_rates_are_neighbours_around_its_best_one(default_page):
    _, data = default_page
    series = data["lrSeries"]
    for fn, optimizer in itertools.product(data["functions"], data["optimizers"]):
        entry = fn["optimizers"][optimizer["label"]]
        low = series.index(entry["lr"][0])
        assert entry["lr"] == series[low:low + page_module.LR_GRID_SIZE]
        starts = optimizer["startBetas"]
        runs = [grid_point(data, fn, optimizer["label"], rate, starts[0] or 0, starts[1] or 0)[3]
                for rate in range(len(entry["lr"]))]
        # the best ends lowest of the runs that stay in the picture (of all runs, when none stays in it)
        low, high = np.array(fn["window"], dtype=float).T
        inside = [bool(np.all((points >= low) & (points <= high))) for points in
                  (np.array(run["x"], dtype=float).reshape(-1, fn["dim"]) for run in runs)]  # None: NaN, outside
        ends = [math.inf if run["diverged"] else run["loss"][-1] for run in runs]
        scores = [end if stays else math.inf for end, stays in zip(ends, inside)] if any(inside) else ends
        assert scores[entry["start"]] == min(scores), (fn["name"], optimizer["label"], scores)


def test_the_default_page_holds_every_function_and_optimizer_under_five_megabytes(default_page):
    path, data = default_page
    assert path.stat().st_size <= 5_000_000
    assert [fn["name"] for fn in data["functions"]] == list(lab.FUNCTIONS)
    names = {label.split("(")[0] for label in (o["label"] for o in data["optimizers"])}
    assert names >= {"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "adamax",
                     "nadam", "radam", "lookahead", "newton"}
    assert optimizer_entry(data, "adam(bias_correction=False)")["fixed"].startswith("bias_correction=False")
    states = {symbol for fn in data["functions"] for entry in fn["optimizers"].values() for symbol in
              entry["runs"][0]["state"]}
    assert states >= {"h", "G", "m", "v", "m̂", "v̂", "φ", "u"}


def test_a_page_over_the_limit_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(page_module, "MAX_BYTES", 10_000)
    path = tmp_path / "big.html"
    with pytest.raises(LabError, match=r"over the 0.01 MB limit; choose fewer functions"):
        lab.playground_page(path, functions=["quartic"], optimizers=["gd"], steps=5)
    assert not path.exists()


# ---- which settings the sliders move -----------------------------------------------------------------------------
def test_the_sliders_move_what_each_optimizer_takes_and_a_spec_fixes_the_rest():
    specs = ["gd", "momentum:lr=0.01", ("adam", {"betas": (0.8, 0.99)}), "rmsprop", "adadelta", "nesterov",
             "lookahead:inner=rmsprop", ("adam", {"amsgrad": True})]
    gd, momentum, adam, rmsprop, adadelta, nesterov, wrapped, amsgrad = page_module.page_optimizer_list(
        specs, (0.5, 0.9), (0.9, 0.999))
    assert [o.label for o in (gd, momentum, adam, wrapped, amsgrad)] == [
        "gd", "momentum", "adam", "lookahead(inner=rmsprop)", "adam(amsgrad=True)"]
    assert (gd.beta1, gd.beta2) == (None, None) and gd.spec(0.1, None, None) == ("gd", {"lr": 0.1})
    assert momentum.spec(0.5, 0.9, None) == ("momentum", {"lr": 0.01, "momentum": 0.9})  # lr is fixed
    assert (adam.beta1, adam.beta2) == (None, None)  # betas fixed by the spec
    assert amsgrad.spec(0.1, 0.5, 0.9) == ("adam", {"lr": 0.1, "amsgrad": True, "betas": (0.5, 0.9)})
    assert rmsprop.spec(0.1, None, 0.9) == ("rmsprop", {"lr": 0.1, "alpha": 0.9})
    assert adadelta.spec(1.0, None, 0.999) == ("adadelta", {"lr": 1.0, "rho": 0.999})
    assert nesterov.symbols() == ["μ", None] and amsgrad.symbols() == ["β₁", "β₂"]
    assert wrapped.beta2 is None  # Lookahead's own alpha is not the RMSprop's α
    # the search for the best rate starts from each optimizer's own default, the grid value nearest to it
    assert rmsprop.default_betas == (None, 0.999) and adadelta.default_betas == (None, 0.9)
    assert momentum.default_betas == (0.9, None)


def test_a_fixed_learning_rate_is_the_only_one_on_the_grid():
    (gd,) = page_module.page_optimizer_list(["gd:lr=0.02"], (0.9,), (0.999,))
    rates, best, runs = page_module.grid_runs(lab.get_function("quadratic"), gd, 5, (0.9,), (0.999,))
    assert rates == [0.02] and best == 0 and len(runs) == 1 and runs[0].label == "gd(lr=0.02)"


@pytest.mark.parametrize("call, message", [
    (lambda path: lab.playground_page(path.parent / "no" / "page.html"), "there is no folder .*no$"),
    (lambda path: lab.playground_page(path, functions=["himmelblau"]), "unknown test function 'himmelblau'"),
    (lambda path: lab.playground_page(path, functions=[]), "at least one of: quartic"),
    (lambda path: lab.playground_page(path, optimizers=["adamm"]), "unknown optimizer 'adamm'"),
    (lambda path: lab.playground_page(path, optimizers=[]), "at least one optimizer"),
    (lambda path: lab.playground_page(path, steps=0), "steps must be a whole number >= 1, got 0"),
    (lambda path: lab.playground_page(path, beta1=[0.9, 1.0]), r"beta1 must .* \[0, 1\), got \[0.9, 1.0\]"),
    (lambda path: lab.playground_page(path, beta2=[]), "beta2 must be a non-empty list"),
    (lambda path: lab.playground_page(path, optimizers=["gd"], functions=["quartic"], steps=2, shown=["adam"]),
     r"shown names \['adam'\] that are not on the page; its optimizers are: gd"),
])
def test_bad_options_are_explained(tmp_path, call, message):
    with pytest.raises(LabError, match=message):
        call(tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()


# ---- contours ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("surface, level, closed", [
    (lambda x, y: x ** 2 + 2 * y ** 2, 0.3, [True]),  # an ellipse: one closed loop
    (lambda x, y: x ** 2 - y ** 2, 0.2, [False, False]),  # a saddle's hyperbola: two lines that leave the grid
    (lambda x, y: np.sin(3 * x) * np.cos(3 * y), 0.5, None),  # several loops and open lines
])
def test_contour_lines_lie_on_their_level_and_close_where_they_loop(surface, level, closed):
    samples = np.linspace(-1.0, 1.0, 61)
    x, y = np.meshgrid(samples, samples)
    lines = contour_lines(surface(x, y), level)
    step = samples[1] - samples[0]
    for line in lines:
        xs, ys = -1.0 + line[:, 1] * step, -1.0 + line[:, 0] * step
        assert np.abs(surface(xs, ys) - level).max() < 0.02  # linear interpolation between samples
        assert np.all(np.hypot(*np.diff(line, axis=0).T) <= np.sqrt(2) + 1e-9)  # each segment inside one cell
    if closed is not None:
        assert sorted(bool(np.all(line[0] == line[-1])) for line in lines) == sorted(closed)


def test_contour_levels_are_dense_where_f_is_low():
    samples = np.linspace(-2.0, 2.0, 41)
    x, y = np.meshgrid(samples, samples)
    levels = contour_levels(x ** 2 + y ** 2, 10)
    assert len(levels) == 10 and np.all(np.diff(levels) > 0)
    assert np.all(np.diff(np.diff(levels)) > 0)  # the gaps widen upwards


# ---- command line and packaging ----------------------------------------------------------------------------------
def test_playground_html_writes_the_page_and_refuses_options_it_has_no_use_for(tmp_path, capsys):
    path = tmp_path / "page.html"
    argv = ["playground", "--html", str(path), "--function", "quartic", "ravine", "--optimizers", "gd", "adam:lr=0.1",
            "--steps", "8", "--beta1", "0.9", "--beta2", "0.99", "0.999"]
    assert cli.main(argv) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    data = page_data(path.read_text(encoding="utf-8"))
    assert [fn["name"] for fn in data["functions"]] == ["quartic", "ravine"] and data["steps"] == 8
    assert [o["label"] for o in data["optimizers"]] == ["gd", "adam"] and data["beta2"] == [0.99, 0.999]
    assert by_name(data, "ravine")["optimizers"]["adam"]["lr"] == [0.1]  # written in the spec: held fixed
    assert cli.main(["playground", "--html", str(tmp_path / "other.html"), "--table"]) == 2
    assert cli.main(["playground", "--function", "quartic", "ravine"]) == 2
    assert "--table" in capsys.readouterr().err and not (tmp_path / "other.html").exists()


def test_the_page_templates_are_package_data():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    templates = (ROOT / "tinygrad_edu" / "lab" / "pages").glob("playground.*")
    for template in templates:
        relative = template.relative_to(ROOT / "tinygrad_edu" / "lab").as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns["tinygrad_edu.lab"]), relative


# ---- in a real browser -------------------------------------------------------------------------------------------
def requested_urls(page):
    """Every URL the tab asked for since page.call("Network.enable")."""
    return [event["params"]["request"]["url"] for event in page.browser.events
            if event.get("sessionId") == page.session and event.get("method") == "Network.requestWillBeSent"]


DRAWING = """JSON.stringify({
  paths: Array.from(document.querySelectorAll('#trajectories path, #trajectories circle'))
    .map(e => e.getAttribute('d') || e.getAttribute('cx') + ',' + e.getAttribute('cy')),
  loss: Array.from(document.querySelectorAll('#loss path, #loss circle, #loss line.marker-line'))
    .map(e => e.getAttribute('d') || e.getAttribute('cy') || e.getAttribute('x1')),
  background: Array.from(document.querySelectorAll('#paths .contour, #paths .curve')).map(e => e.getAttribute('d')),
  cards: document.getElementById('states').innerText,
  step: document.getElementById('step').value})"""


def drawing(page):
    return json.loads(page.evaluate(DRAWING))


def press_on(page, selector, key, times=1):
    """Focus the control and press a key on it as a keyboard does."""
    page.evaluate(f"document.querySelector('{selector}').focus()")
    for _ in range(times):
        page.press(key, key_code=KEYS[key])


def centre(page, selector):
    return page.evaluate(f"""(() => {{ const box = document.querySelector('{selector}').getBoundingClientRect();
      return [box.left + box.width / 2, box.top + box.height / 2, box.width]; }})()""")


def mouse_click(page, selector):
    x, y, _ = centre(page, selector)
    for kind in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=1, clickCount=1)


def touch_slide(page, selector, to_fraction):
    """Put a finger on the slider's thumb... wherever it is, by touching the track, and slide it along."""
    x, y, width = centre(page, selector)
    page.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=1)
    left = x - width / 2
    for kind, at in (("touchStart", x), ("touchMove", left + width * to_fraction)):
        page.call("Input.dispatchTouchEvent", type=kind, touchPoints=[{"x": at, "y": y}])
    page.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])


def card_numbers(page, label):
    """{quantity: [numbers as printed]} of one optimizer's card, and the card's settings line."""
    found = page.evaluate(f"""(() => {{
      const card = document.querySelector('#states .card[data-optimizer="{label}"]');
      const rows = Array.from(card.querySelectorAll('tbody tr')).map(row =>
        [row.dataset.quantity, Array.from(row.querySelectorAll('td')).map(cell => cell.textContent)]);
      return {{rows: Object.fromEntries(rows), settings: card.querySelector('.settings').textContent,
               step: Number(card.dataset.step)}}; }})()""")
    found["rows"] = {key: [None if text == "–" else float(text.replace("−", "-")) for text in texts]
                     for key, texts in found["rows"].items()}
    return found


def printed_equal(printed, exact, digits=4):
    """A number printed to `digits` significant digits equals the exact one to within half its last digit."""
    for shown, value in zip(printed, np.ravel(exact), strict=True):
        last_digit = 10.0 ** (math.floor(math.log10(abs(value))) - digits + 1) if value != 0 else 0.0
        assert abs(shown - value) <= 0.51 * last_digit, (shown, value)


def select_function(page, name):
    options = "Array.from(document.getElementById('function').options)"
    index = page.evaluate(f"{options}.findIndex(option => option.text === '{name}')")
    current = page.evaluate("document.getElementById('function').selectedIndex")
    press_on(page, "#function", "ArrowDown" if index > current else "ArrowUp", abs(index - current))
    assert page.evaluate("document.getElementById('function').selectedIndex") == index


def test_the_page_opens_without_errors_and_reads_at_1400_and_900_px(browser, default_page, shots):
    path, _ = default_page
    for width in (1400, 900):
        page = browser.open(path, width=width, height=1000)
        layout = page.evaluate("""({scroll: document.documentElement.scrollWidth,
          figures: Array.from(document.querySelectorAll('figure svg')).map(svg => svg.getBoundingClientRect().width),
          smallest: Math.min(...Array.from(document.querySelectorAll('svg text'))
                                 .map(text => text.getBoundingClientRect().height).filter(h => h > 0))})""")
        assert layout["scroll"] <= width, layout  # nothing sticks out sideways
        assert min(layout["figures"]) >= 300 and layout["smallest"] >= 10, layout  # pictures and labels readable
        assert page.evaluate("document.querySelectorAll('#states .card').length") == 4 and page.errors == []
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=page.evaluate(
            "document.documentElement.scrollHeight"), deviceScaleFactor=1, mobile=False)
        page.screenshot(shots / f"playground-page-{width}.png")


def test_every_control_redraws_by_keyboard_mouse_and_touch(browser, default_page):
    path, _ = default_page
    page = browser.open(path, width=1400, height=1000)
    before = drawing(page)
    for selector, key in [("#lr", "ArrowLeft"), ("#beta1", "ArrowLeft"), ("#beta2", "ArrowLeft"),
                          ("#step", "ArrowLeft")]:
        press_on(page, selector, key)
        after = drawing(page)
        assert after["paths"] != before["paths"] and after["cards"] != before["cards"], selector
        before = after
    mouse_click(page, '#optimizer-list input[value="nesterov"]')
    after = drawing(page)
    assert len(after["paths"]) > len(before["paths"]) and "nesterov" in after["cards"]
    touch_slide(page, "#step", 0.0)
    touched = drawing(page)
    assert touched["step"] == "0" and touched["paths"] != after["paths"]
    select_function(page, "beale")
    assert drawing(page)["background"] != touched["background"]
    press_on(page, "#target", "ArrowDown", 2)  # "momentum": now the sliders move it alone
    assert page.evaluate("document.getElementById('target').value") == "momentum"
    cards = card_numbers(page, "gd")["settings"], card_numbers(page, "momentum")["settings"]
    press_on(page, "#lr", "ArrowRight")
    assert card_numbers(page, "gd")["settings"] == cards[0] and card_numbers(page, "momentum")["settings"] != cards[1]
    assert page.errors == []


def test_play_runs_the_steps_and_pauses(browser, default_page):
    path, data = default_page
    page = browser.open(path, width=1400, height=1000)
    press_on(page, "#step", "Home")
    mouse_click(page, "#play")
    deadline = time.monotonic() + 30  # a generous bound on how long the page may take to move at all
    while page.evaluate("Number(document.getElementById('step').value)") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    mouse_click(page, "#play")
    paused = page.evaluate("Number(document.getElementById('step').value)")
    assert 3 <= paused <= data["steps"] and page.evaluate("document.getElementById('play').textContent") == "▶ play"
    assert page.errors == []


@pytest.mark.parametrize("moves", [[], [("#lr", "ArrowLeft"), ("#beta1", "ArrowLeft"), ("#beta2", "ArrowLeft")]])
def test_the_numbers_printed_are_those_of_the_same_run_in_python(browser, default_page, moves):
    """Adam on Rosenbrock after 50 steps, at the η and β the page prints, against lab.playground's run."""
    path, data = default_page
    page = browser.open(path, width=1400, height=1000)
    select_function(page, "rosenbrock")
    press_on(page, "#target", "ArrowDown", [o["label"] for o in data["optimizers"]].index("adam") + 1)
    for selector, key in moves:
        press_on(page, selector, key)
    press_on(page, "#step", "End")
    shown = card_numbers(page, "adam")
    settings = dict(re.findall(r"(η|β₁|β₂) = ([0-9.e−-]+)", shown["settings"].replace("−", "-")))
    lr, betas = float(settings["η"]), (float(settings["β₁"]), float(settings["β₂"]))
    (run,) = lab.playground([("adam", {"lr": lr, "betas": betas})], function="rosenbrock",
                            steps=data["steps"]).runs.values()
    t = shown["step"]
    assert t == min(data["steps"], len(run) - 1)
    printed_equal(shown["rows"]["theta"], run.points[t])
    printed_equal(shown["rows"]["grad"], run.grads[t])
    printed_equal(shown["rows"]["loss"], run.losses[t])
    for symbol in ("m", "v", "m̂", "v̂"):
        printed_equal(shown["rows"][f"state:{symbol}"], run.states[symbol][t])
    assert page.errors == []


def test_the_page_loads_nothing_but_itself(browser, default_page):
    path, _ = default_page
    page = browser.open(path, width=900, height=1000)
    page.call("Network.enable")
    page.load(path)  # again, watched from the first request on
    select_function(page, "saddle")
    mouse_click(page, '#optimizer-list input[value="newton(damping=0.001)"]')
    press_on(page, "#step", "Home")
    assert requested_urls(page) == [path.resolve().as_uri()] and page.errors == []


def test_the_page_works_inside_a_notebook_frame(browser, default_page, tmp_path):
    path, _ = default_page
    frame = page_module.ShownFile(os.fspath(path))._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and html.unescape(frame).count('id="playground-data"') == 1
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<!DOCTYPE html><html><body><h1>a notebook cell</h1>{frame}</body></html>", encoding="utf-8")
    page = browser.open(notebook, width=1000, height=800)
    inside = "document.querySelector('iframe').contentDocument"
    deadline = time.monotonic() + 30
    while not page.evaluate(f"{inside}.querySelectorAll('#states .card').length") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert page.evaluate(f"{inside}.querySelectorAll('#states .card').length") == 4
    assert page.evaluate(f"{inside}.querySelectorAll('#trajectories path').length") == 8  # 4 paths, each twice
    assert page.errors == []
