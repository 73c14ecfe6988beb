"""explore(): the self-contained HTML page, its layout, and the page itself stepping in a headless browser."""
import json
import re
import shutil
import subprocess

import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.errors import TinygradEduError
from tinygrad_edu.viz.layout import crossings, layered_layout

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def page_data(path):
    """The JSON the page draws from."""
    html = open(path, encoding="utf-8").read()
    payload = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(payload)


def test_the_page_is_one_file_with_no_network_references(tmp_path):
    _, _, f = viz.lecture_example()
    html = open(viz.explore(f, tmp_path / "f.html"), encoding="utf-8").read()
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    # the only URL is the SVG namespace name, which browsers never fetch
    assert set(re.findall(r"https?://[^\s\"']+", html)) == {"http://www.w3.org/2000/svg"}
    assert "{{" not in html  # every template marker was filled


def test_the_page_holds_the_graph_and_both_passes(tmp_path):
    x, y, f = viz.lecture_example()
    data = page_data(viz.explore(f, tmp_path / "f.html"))
    assert len(data["nodes"]) == 16 and len(data["edges"]) == 18  # 10 tensors + 6 ops; as in to_dot
    # the order in which the ops ran, which is the slides' order a, b, c, d, e, f
    assert [s["text"] for s in data["forward"]] == ["a = Pow(x, 2)", "b = Mul(x, y)", "c = Add(x, y)",
                                                    "d = Add(a, b)", "e = Pow(c, 2)", "f = Add(d, e)"]
    label = {n["id"]: n["label"] for n in data["nodes"]}
    final = {}
    for step in data["backward"]:
        final.update({label[node]: value for node, value in step["totals"].items()})
    assert final == {"f": "1", "d": "1", "e": "1", "a": "1", "b": "1", "c": "6", "x": "10", "y": "7"}
    rules = {n["label"]: n["rule"] for n in data["nodes"] if n["kind"] == "op"}
    assert rules["Mul"] == "∂(a·b)/∂a = b, ∂(a·b)/∂b = a"
    # exploring leaves no trace: no .grad filled, and the graph can still be backpropagated
    assert x.grad is None and y.grad is None
    f.backward()
    assert (x.grad.item(), y.grad.item()) == (10.0, 7.0)


def test_a_graph_without_grad_gets_only_the_forward_pass(tmp_path):
    with tg.no_grad():
        out = tg.tensor([1.0, 2.0]) * 3
    data = page_data(viz.explore(out, tmp_path / "plain.html"))
    assert data["forward"] == [] and data["backward"] == [] and len(data["nodes"]) == 1


def test_big_graphs_are_refused_with_a_pointer_to_draw(tmp_path):
    y = tg.randn(2, requires_grad=True)
    for _ in range(30):
        y = y * 2
    with pytest.raises(TinygradEduError, match="max_nodes=20.*viz.draw"):
        viz.explore(y.sum(), tmp_path / "big.html", max_nodes=20)


def test_layout_goes_left_to_right_without_overlaps_or_crossings(tmp_path):
    _, _, f = viz.lecture_example()
    data = page_data(viz.explore(f, tmp_path / "f.html"))
    nodes = {n["id"]: n for n in data["nodes"]}
    for edge in data["edges"]:
        xs = [point[0] for point in edge["points"]]
        assert xs == sorted(xs) and nodes[edge["from"]]["x"] < nodes[edge["to"]]["x"]
    boxes = sorted((n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2)
                   for n in nodes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_barycenter_ordering_removes_avoidable_crossings():
    # two inputs wired crosswise to two ops: the first order crosses, the sweeps untangle it
    nodes = ["p", "q", "op_q", "op_p"]
    edges = [("p", "op_p"), ("q", "op_q")]
    sizes = {n: 10 for n in nodes}
    centres, routes = layered_layout(nodes, edges, sizes, sizes)
    assert (centres["p"][1] < centres["q"][1]) == (centres["op_p"][1] < centres["op_q"][1])
    layers = [["p", "q"], ["op_q", "op_p"]]
    assert crossings(layers, {"p": ([], ["op_p"]), "q": ([], ["op_q"])}) == 1
    assert [len(route) for route in routes] == [2, 2]


def test_a_long_edge_bends_through_one_point_per_layer():
    nodes = ["a", "b", "c", "d"]
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")]
    sizes = {n: 10 for n in nodes}
    _, routes = layered_layout(nodes, edges, sizes, sizes)
    assert [len(route) for route in routes] == [2, 2, 2, 4]


def run_page(path, steps):
    """Load the page in headless Chromium, let it press next `steps` times; return (state, errors, stderr)."""
    profile = path.parent / f"chromium-profile-{steps}"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           "--virtual-time-budget=3000", "--dump-dom", f"{path.as_uri()}#autostep={steps}"],
                          capture_output=True, text=True, timeout=60)
    dom = done.stdout
    state = re.search(r'<pre id="state"[^>]*>(.*?)</pre>', dom, re.S).group(1)
    errors = re.search(r'<pre id="errors"[^>]*>(.*?)</pre>', dom, re.S).group(1)
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return json.loads(state.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")), errors, console


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_the_page_steps_through_forward_and_backward_in_a_browser(tmp_path):
    _, _, f = viz.lecture_example()
    path = tmp_path / "f.html"
    viz.explore(f, path)
    forward = len(page_data(path)["forward"])

    state, errors, console = run_page(path, 2)
    assert (errors, console) == ("", [])
    assert state["drawn"] == 16
    assert (state["phase"], state["index"], state["node"], state["grads"]) == ("forward", 2, "b", {})

    state, errors, console = run_page(path, forward + 4)  # the fourth chain-rule step: at c = x + y
    assert (errors, console) == ("", [])
    assert (state["phase"], state["node"], state["upstream"]) == ("backward", "c", "6")
    assert state["rule"] == "∂(a + b)/∂a = 1, ∂(a + b)/∂b = 1"
    assert state["grads"] == {"f": "1", "d": "1", "e": "1", "c": "6", "a": "1", "b": "1", "x": "6", "y": "6"}

    state, errors, console = run_page(path, 100)  # past the end: stops at the last step
    assert (errors, console) == ("", [])
    assert state["step"] == forward + 6 and state["grads"]["x"] == "10" and state["grads"]["y"] == "7"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_a_model_graph_renders_in_a_browser(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = nn.functional.cross_entropy(model(tg.randn(5, 3)), tg.tensor([0, 1, 1, 0, 1], dtype="int64"))
    path = tmp_path / "mlp.html"
    viz.explore(loss, path, names=dict(model.named_parameters()))
    state, errors, console = run_page(path, 100)
    assert (errors, console) == ("", [])
    assert state["drawn"] == len(page_data(path)["nodes"]) == 10 + 4  # x, 4 params, 3 results, target, loss
    assert set(state["grads"]) >= {"0.weight", "0.bias", "2.weight", "2.bias"}
