"""lab.training_page: its numbers against a plain fit() run, its options, and the page in a real browser.

Browser tests drive headless Chromium over the DevTools protocol (tests/cdp.py), one browser for the module. They
write screenshots to pytest's tmp_path, or to $TINYGRAD_EDU_SCREENSHOTS when it names a folder.
"""
import argparse
import html
import importlib
import json
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import data, lab, nn, optim
from tinygrad_edu.train import fit
from tinygrad_edu.train.callbacks import ParameterNorms
from tinygrad_edu.train.command import OPTIMIZERS

page_module = importlib.import_module("tinygrad_edu.lab.training_page")  # lab.training_page is the function

# A page small enough to build in about a second: three runs of a few epochs on a few spiral points.
PAGE_OPTIONS = {"dataset": "spirals", "samples": 150, "hidden": [8, 8], "epochs": 4, "batch_size": 16, "grid": 20,
                "seed": 3}
RUNS = [{"activation": "relu"}, {"activation": "tanh"}, {"optimizer": "sgd", "lr": 1e8}]  # the last one diverges


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("training-page") / "page.html"
    with np.errstate(over="ignore", invalid="ignore"):  # the numpy backend's warnings of the run that diverges
        return path, lab.training_page(path, runs=RUNS, **PAGE_OPTIONS)


def page_data(text):
    """The JSON the page draws from; NaN or Infinity in it would break the page's JSON.parse."""
    payload = re.search(r'<script type="application/json" id="training-data">(.*?)</script>', text, re.DOTALL)
    return json.loads(payload.group(1), parse_constant=lambda name: pytest.fail(f"{name} in the page's data"))


def plain_run(activation="relu", optimizer="adam", lr=None, dataset="spirals", samples=150, hidden=(8, 8), epochs=4,
              batch_size=16, seed=3):
    """The run as a learner would write it with the library: data, split, MLP, loader, optimizer, fit()."""
    X, y = data.datasets.GENERATED[dataset](n_samples=samples, seed=seed)
    train, val = data.train_val_split(X, y, val_fraction=0.2, seed=seed)
    tg.manual_seed(seed)
    model = nn.build_mlp([2, *hidden, int(y.max()) + 1], activation)
    class_name, options, default_lr = OPTIMIZERS[optimizer]
    chosen = getattr(optim, class_name)(model.parameters(), lr=lr or default_lr, **options)
    norms = ParameterNorms(nn.CrossEntropyLoss(), data=train)
    history = fit(model, nn.CrossEntropyLoss(), chosen, data.DataLoader(train, batch_size, shuffle=True, seed=seed),
                  epochs, val_loader=data.DataLoader(val, 1024), callbacks=[norms], progress=False)
    return model, history, norms, (X, y)


# ---- the numbers -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [0, 1])
def test_every_curve_and_norm_is_the_one_a_plain_fit_run_records(page_file, index):
    _, page = page_file
    run = page.runs[index]
    _, history, norms, _ = plain_run(activation=RUNS[index]["activation"])
    assert run["settings"]["lr"] == OPTIMIZERS["adam"][2]  # train's default rate for adam
    assert run["epochs"] == [0, *history.epochs]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert run[key][1:] == pytest.approx(history[key], rel=1e-9)
    layers = [layer["name"] for layer in run["layers"]]
    assert layers == ["0.weight", "2.weight", "4.weight"]
    assert run["weights"] == [pytest.approx(norms.weights[name], rel=1e-9) for name in layers]
    assert run["gradients"] == [pytest.approx(norms.gradients[name], rel=1e-9) for name in layers]


def test_the_regions_are_the_trained_nets_predictions_on_the_lattice(page_file):
    path, _ = page_file
    model, _, _, (X, _) = plain_run(activation="tanh")
    saved = page_data(path.read_text(encoding="utf-8"))
    run = saved["runs"][1]
    assert run["regionEpochs"] == list(range(PAGE_OPTIONS["epochs"] + 1))
    lattice = page_module.Lattice(X, saved["grid"])
    assert saved["extent"] == pytest.approx(lattice.extent, rel=1e-5)
    probabilities = page_module.predict_probabilities(model, lattice.points)
    symbols = [saved["symbols"].index(symbol) for symbol in run["regions"][-1]]
    assert [symbol // saved["levels"] for symbol in symbols] == list(probabilities.argmax(axis=1))
    levels = np.array([symbol % saved["levels"] for symbol in symbols])
    sure = probabilities.max(axis=1)
    assert sure[levels == saved["levels"] - 1].min() > sure[levels == 0].max()  # the surer, the higher the level


def test_a_diverged_run_is_stored_as_gaps_not_nan(page_file):
    path, page = page_file
    assert not np.isfinite(page.runs[2]["loss"][-1])  # lr 1e8 blew up
    saved = page_data(path.read_text(encoding="utf-8"))
    assert saved["runs"][2]["loss"][-1] is None


def test_the_page_is_one_file_under_the_size_limit_with_no_network_references(page_file):
    path, page = page_file
    text = path.read_text(encoding="utf-8")
    assert text == page.html and len(text.encode("utf-8")) <= page_module.MAX_BYTES
    assert "<script src" not in text and "<link" not in text and "@import" not in text and "{{" not in text
    assert set(re.findall(r"https?://[^\s\"'`]+", text)) == {"http://www.w3.org/2000/svg"}  # a namespace name


@pytest.mark.parametrize("runs, epochs, grid", [(1, 60, 60), (8, 60, 60), (8, 1000, 60), (3, 5000, 200)])
def test_the_regions_are_thinned_to_stay_within_their_budget(runs, epochs, grid):
    stride = page_module.region_stride(runs, epochs, grid)
    kept = len(range(0, epochs + 1, stride)) + (epochs % stride != 0)  # every stride-th epoch and the last
    assert runs * kept * grid * grid <= page_module.REGION_BUDGET
    closer = len(range(0, epochs + 1, stride - 1)) + (epochs % (stride - 1) != 0) if stride > 1 else 0
    assert stride == 1 or runs * closer * grid * grid > page_module.REGION_BUDGET  # the smallest stride that fits


def test_a_page_over_the_size_limit_is_refused_naming_its_size(monkeypatch, tmp_path):
    monkeypatch.setattr(page_module, "MAX_BYTES", 10_000)
    with pytest.raises(lab.LabError, match=r"MB, over the .* limit"):
        lab.training_page(tmp_path / "big.html", **{**PAGE_OPTIONS, "epochs": 1})
    assert not (tmp_path / "big.html").exists()


def test_jupyter_shows_the_whole_page_in_a_frame(page_file):
    _, page = page_file
    shown = page._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)".*</iframe>', shown, re.DOTALL)
    assert srcdoc and html.unescape(srcdoc.group(1)) == page.html
    assert "spirals" in repr(page) and "3 run(s)" in repr(page)
    assert [line.split()[0] for line in page.table().splitlines()[2:]] == ["activation=relu", "activation=tanh",
                                                                           "optimizer=sgd,"]


# ---- the options -----------------------------------------------------------------------------------------------
def test_a_dict_of_runs_makes_every_combination_in_order():
    variations = page_module.run_variations({"activation": ["relu", "tanh"], "lr": [0.1, 0.01]})
    assert variations == [{"activation": a, "lr": lr} for a in ("relu", "tanh") for lr in (0.1, 0.01)]
    assert page_module.run_variations(None) == [{}]
    assert page_module.run_variations([{"init": "zero"}, {}]) == [{"init": "zero"}, {}]


@pytest.mark.parametrize("options, named", [
    ({"dataset": "mnist"}, "mnist"),
    ({"activation": "swish"}, "swish"),
    ({"colour": "red"}, "colour"),
    ({"lr": -0.1}, "-0.1"),
    ({"lr": float("nan")}, "nan"),
    ({"dropout": 1.0}, "1.0"),
    ({"epochs": 0}, "epochs"),
    ({"hidden": [8, 0]}, "[8, 0]"),
    ({"hidden": 8}, "8"),
    ({"grid": 5}, "grid"),
    ({"runs": {"activation": ["relu", "tanh", "sigmoid"], "lr": [0.1, 0.01, 0.001]}}, "9"),
    ({"runs": "activation=relu"}, "activation=relu"),
    ({"runs": [{"optimizer": "adamax"}]}, "adamax"),
])
def test_bad_options_are_refused_before_training_naming_the_value(options, named):
    with pytest.raises(lab.LabError) as refused:
        lab.training_page(None, **options)
    assert named in str(refused.value)


def test_the_runs_option_reads_one_setting_and_its_values():
    assert page_module.runs_option("activation=relu,tanh") == ("activation", ["relu", "tanh"])
    assert page_module.runs_option("lr=0.1, 0.01") == ("lr", [0.1, 0.01])
    assert page_module.runs_option("weight-decay=0,1e-3") == ("weight_decay", [0.0, 1e-3])
    for text, named in [("activation", "SETTING=VALUE"), ("lr=0.1,fast", "'fast'"), ("colour=red", "colour"),
                        ("optimizer=adam,newton", "newton")]:
        with pytest.raises(argparse.ArgumentTypeError, match=named):
            page_module.runs_option(text)


def train_arguments(*argv):
    """The namespace `tinygrad-edu train` parses (no --html yet: the command adds it), with the page's options."""
    from tinygrad_edu import cli
    args = cli.build_parser().parse_args(["train", *argv])
    args.html, args.html_runs = None, []
    return args


def test_from_args_writes_the_page_of_the_train_options_and_prints_the_runs(tmp_path, capsys):
    args = train_arguments("--dataset", "moons", "--samples", "80", "--hidden", "6", "--epochs", "2",
                           "--schedule", "none", "--no-progress")
    args.html, args.html_runs = tmp_path / "moons.html", [page_module.runs_option("optimizer=sgd,adam")]
    assert page_module.from_args(args) == 0
    saved = page_data(args.html.read_text(encoding="utf-8"))
    assert [run["label"] for run in saved["runs"]] == ["optimizer=sgd", "optimizer=adam"]
    assert [run["settings"]["lr"] for run in saved["runs"]] == [OPTIMIZERS["sgd"][2], OPTIMIZERS["adam"][2]]
    assert "moons: 64 training / 16 validation points, MLP 2-6-2" in saved["description"]
    printed = capsys.readouterr().out
    assert "optimizer=adam" in printed and f"page written to {args.html}" in printed


def test_from_args_refuses_an_image_dataset_a_setting_given_twice_and_save(tmp_path):
    for argv, runs, named in [(["--dataset", "mnist"], [], "2-D dataset"),
                              ([], ["lr=0.1", "lr=0.01"], "twice"),
                              (["--save", str(tmp_path / "model.npz")], [], "--save")]:
        args = train_arguments(*argv)
        args.html, args.html_runs = tmp_path / "page.html", [page_module.runs_option(text) for text in runs]
        with pytest.raises(lab.LabError, match=named):
            page_module.from_args(args)
    assert not (tmp_path / "page.html").exists()


# ---- the callback ----------------------------------------------------------------------------------------------
def test_parameter_norms_leave_training_alone_and_measure_the_final_weights():
    X, y = data.datasets.moons(n_samples=60, seed=1)
    histories, norms = [], [None, ParameterNorms(), ParameterNorms(nn.CrossEntropyLoss(), data=(X, y))]
    for callback in norms:
        tg.manual_seed(1)
        model = nn.build_mlp([2, 5, 2], dropout=0.3)  # dropout: measuring must not draw from the RNG
        histories.append(fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01),
                             data.DataLoader((X, y), 16, shuffle=True, seed=1), 3,
                             callbacks=[callback] if callback else [], progress=False)["loss"])
    assert histories[0] == histories[1] == histories[2]
    last_batch, over_data = norms[1], norms[2]
    weight = model.named_parameters().__next__()[1]
    assert over_data.weights["0.weight"][-1] == pytest.approx(np.linalg.norm(weight.data))
    assert last_batch.gradients["0.weight"][-1] == pytest.approx(np.linalg.norm(weight.grad.data))  # as fit left it
    assert len(last_batch.gradients["0.weight"]) == 3 and len(over_data.gradients["0.weight"]) == 4
    model.eval()
    model.zero_grad()
    nn.CrossEntropyLoss()(model(tg.Tensor(X)), tg.Tensor(y)).backward()
    assert over_data.gradients["0.weight"][-1] == pytest.approx(np.linalg.norm(weight.grad.data), rel=1e-6)


def test_parameter_norms_want_both_the_loss_and_the_data_or_neither():
    with pytest.raises(ValueError, match="both loss_fn and data"):
        ParameterNorms(nn.CrossEntropyLoss())


# ---- in a real browser -----------------------------------------------------------------------------------------
PICTURE = """JSON.stringify({regions: document.getElementById('regions').toDataURL(),
  loss: Array.from(document.querySelectorAll('#loss-chart path')).map(p => p.getAttribute('d')),
  marker: Array.from(document.querySelectorAll('#loss-chart .marker, #loss-chart circle'))
    .map(e => e.getAttribute('x1') || e.getAttribute('cy')),
  gradients: Array.from(document.querySelectorAll('#gradients-chart path, #gradients-chart circle'))
    .map(p => p.getAttribute('d') || p.getAttribute('cy')),
  epoch: document.getElementById('epoch-value').textContent, run: window.trainingPage.state.run})"""


def picture(page):
    return json.loads(page.evaluate(PICTURE))


def shown_numbers(page):
    """The numbers the page prints at its epoch: loss, accuracy (training and validation), ‖W‖ and ‖∂L/∂W‖."""
    return page.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('[data-quantity]'))
      .map(cell => [cell.dataset.quantity + (cell.dataset.layer === undefined ? '' : cell.dataset.layer),
                    cell.textContent]))""")


def center_of(page, selector):
    box = page.evaluate(f"(() => {{ const b = document.querySelector('{selector}').getBoundingClientRect();"
                        " return [b.left + b.width / 2, b.top + b.height / 2]; })()")
    return box


def click(page, at):
    for kind in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", type=kind, x=at[0], y=at[1], button="left", buttons=1, clickCount=1)


def tap(page, at):
    page.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=1)
    page.call("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": at[0], "y": at[1]}])
    page.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])


def test_keys_on_the_slider_scrub_the_epochs_and_the_numbers_are_pythons(browser, page_file, shots):
    path, _ = page_file
    page = browser.open(path, width=1400, height=900)
    start = picture(page)
    assert start["epoch"] == "0" and page.errors == []
    page.evaluate("document.getElementById('epoch').focus()")
    for _ in range(3):
        page.press("ArrowRight", key_code=39)
    now = picture(page)
    assert now["epoch"] == "3"
    assert now["regions"] != start["regions"] and now["marker"] != start["marker"]
    assert now["gradients"] != start["gradients"] and now["loss"] == start["loss"]  # the curves stay, the marker moves
    _, history, norms, _ = plain_run()
    shown = shown_numbers(page)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert float(shown[key]) == pytest.approx(history[key][2], abs=5e-5), key  # epoch 3, printed to 4 places
    for layer, name in enumerate(["0.weight", "2.weight", "4.weight"]):
        assert float(shown[f"weight{layer}"]) == pytest.approx(norms.weights[name][3], rel=1e-3)
        assert float(shown[f"gradient{layer}"]) == pytest.approx(norms.gradients[name][3], rel=1e-3)
    page.screenshot(shots / "training-page-1400x900.png")
    page.press("End", key_code=35)
    assert picture(page)["epoch"] == str(PAGE_OPTIONS["epochs"]) and page.errors == []


def test_the_run_switch_and_the_points_box_redraw_by_mouse_touch_and_keyboard(browser, page_file):
    path, _ = page_file
    page = browser.open(path, width=1400, height=900)
    first = picture(page)
    click(page, center_of(page, "#runs label:nth-child(2)"))
    second = picture(page)
    assert second["run"] == 1 and second["regions"] != first["regions"] and second["loss"] != first["loss"]
    page.evaluate("document.activeElement.blur()")
    page.press("3", code="Digit3", key_code=51)  # the diverged run: drawn with gaps, no error
    assert picture(page)["run"] == 2
    tap(page, center_of(page, "#runs label:nth-child(1)"))
    tapped = picture(page)
    assert tapped["run"] == 0 and page.evaluate("document.querySelector('#runs input').checked")
    click(page, center_of(page, "#show-val"))
    assert picture(page)["regions"] != tapped["regions"]  # the validation points drawn over the regions
    assert page.errors == []


def test_the_page_loads_nothing_but_itself(browser, page_file):
    path, _ = page_file
    page = browser.open(path, width=1400, height=900)
    page.call("Network.enable")
    page.load(path)
    page.evaluate("window.trainingPage.setEpoch(2)")
    requested = [event["params"]["request"]["url"] for event in page.browser.events
                 if event.get("sessionId") == page.session and event.get("method") == "Network.requestWillBeSent"]
    assert requested == [path.resolve().as_uri()]
    assert page.errors == []


def test_at_900_px_everything_fits_the_width(browser, page_file, shots):
    path, _ = page_file
    page = browser.open(path, width=900, height=1500)
    page.evaluate("window.trainingPage.setEpoch(2)")
    sizes = page.evaluate("""(() => {
      const boxes = Array.from(document.querySelectorAll('main section, #controls'))
        .map(e => e.getBoundingClientRect());
      return {scroll: document.documentElement.scrollWidth, right: Math.max(...boxes.map(b => b.right)),
              narrowest: Math.min(...boxes.map(b => b.width)), window: innerWidth};
    })()""")
    assert sizes["scroll"] <= sizes["window"] and sizes["right"] <= sizes["window"]
    assert sizes["narrowest"] >= 300  # two columns of readable panels, not squeezed ones
    page.screenshot(shots / "training-page-900x1500.png")
    assert page.errors == []


def test_inline_in_a_notebook_frame_the_page_runs(browser, page_file, tmp_path):
    _, page_result = page_file
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<!DOCTYPE html><html><body>{page_result._repr_html_()}</body></html>", encoding="utf-8")
    page = browser.open(notebook, width=1000, height=1000)
    state = page.evaluate("""(() => { const inner = document.querySelector('iframe').contentWindow;
      inner.trainingPage.setEpoch(2); return inner.trainingPage.state; })()""")
    assert state["epoch"] == 2 and page.errors == []


def test_train_html_on_the_command_line_writes_the_page_instead_of_one_run(tmp_path, capsys):
    from tinygrad_edu import cli
    page = tmp_path / "runs.html"
    status = cli.main(["train", "--html", str(page), "--html-runs", "activation=relu,tanh", "--epochs", "2",
                       "--samples", "200", "--hidden", "8", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0 and page.exists() and "activation=tanh" in out and "page written to" in out
    assert [run["label"] for run in page_data(page.read_text(encoding="utf-8"))["runs"]] == ["activation=relu",
                                                                                              "activation=tanh"]
    assert cli.main(["train", "--html-runs", "activation=relu"]) == 2
    assert "give --html PAGE too" in capsys.readouterr().err
