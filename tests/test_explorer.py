"""explore(): the self-contained page, its numbers against the engine's, its layout, and the page in a real browser.

Browser tests drive headless Chromium over the DevTools protocol (tests/cdp.py), one browser for the module. They
write screenshots to pytest's tmp_path, or to $TINYGRAD_EDU_SCREENSHOTS when it names a folder.
"""
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import function, nn, viz
from tinygrad_edu.errors import GraphError, TinygradEduError
from tinygrad_edu.viz import graph_layout
from tinygrad_edu.viz.explorer_steps import IN_FULL, VALUES_CAP, numbers
from tinygrad_edu.viz.layout import crossings, layered_layout
from tinygrad_edu.viz.local_derivatives import ELEMENT_WISE, GRADIENT_FORMULAS, explain
from tinygrad_edu.viz.walk import format_number, walk

DOT = shutil.which("dot")


# ---- graphs to explore ---------------------------------------------------------------------------------------------
def mlp_loss(batch=3):
    """A 784-256-128-10 ReLU MLP's cross-entropy loss on a few rows, with names for every leaf."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    x, target = tg.randn(batch, 784), tg.tensor(np.arange(batch) % 10, dtype="int64")
    loss = nn.functional.cross_entropy(model(x), target)
    return loss, {**dict(model.named_parameters()), "x": x, "target": target, "loss": loss}


def lecture_network(x=0.5, y=1.0):
    """The lecture's three-layer scalar net ŷ = w3·σ(w2·σ(w1·x + b1) + b2) + b3 with L = (ŷ − y)², as on the slides:
    f1 = w1·x + b1, h1 = σ(f1), f2 = w2·h1 + b2, h2 = σ(f2), f3 = w3·h2 + b3."""
    weights = {name: tg.tensor(value, dtype="float64", requires_grad=True, name=name)
               for name, value in {"w1": 0.3, "b1": -0.2, "w2": 1.5, "b2": 0.1, "w3": -0.7, "b3": 0.4}.items()}
    x, y = tg.tensor(x, dtype="float64", name="x"), tg.tensor(y, dtype="float64", name="y")
    h = x
    for layer in (1, 2, 3):
        f = weights[f"w{layer}"] * h + weights[f"b{layer}"]
        f.name = f"f{layer}"
        h = f.sigmoid() if layer < 3 else f
        h.name = h.name or f"h{layer}"
    loss = (h - y) ** 2
    loss.name = "L"
    return loss, weights


def page_data(path):
    """The JSON the page draws from."""
    html = Path(path).read_text(encoding="utf-8")
    payload = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.DOTALL).group(1)
    return json.loads(payload)


def by_label(data):
    return {node["id"]: node["label"] for node in data["nodes"]}


def step_at(data, name):
    label = by_label(data)
    return next(step for step in data["backward"] if label[step["node"]] == name)


# ---- the page file -------------------------------------------------------------------------------------------------
def test_the_page_is_one_file_with_no_network_references(tmp_path):
    _, _, f = viz.lecture_example()
    html = Path(viz.explore(f, tmp_path / "f.html")).read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    # the only URL is the SVG namespace name, which browsers never fetch
    assert set(re.findall(r"https?://[^\s\"']+", html)) == {"http://www.w3.org/2000/svg"}
    assert "{{" not in html  # every template marker was filled


def test_the_page_holds_the_graph_and_both_passes(tmp_path):
    x, y, f = viz.lecture_example()
    data = page_data(viz.explore(f, tmp_path / "f.html"))
    assert len(data["nodes"]) == 16 and len(data["edges"]) == 18  # 10 tensors + 6 ops; as in to_dot
    assert [s["text"] for s in data["forward"]] == ["a = Pow(x, 2)", "b = Mul(x, y)", "c = Add(x, y)",
                                                    "d = Add(a, b)", "e = Pow(c, 2)", "f = Add(d, e)"]
    label, final = by_label(data), {}
    for step in data["backward"]:
        final.update({label[node]: lines for node, lines in step["labels"].items()})
    assert final == {name: [f"∂f/∂{name} = {value}"] for name, value in
                     {"f": 1, "d": 1, "e": 1, "a": 1, "b": 1, "c": 6, "x": 10, "y": 7}.items()}
    shapes = {node["label"]: node["shape"] for node in data["nodes"] if node["kind"] != "op"}
    assert set(shapes.values()) == {"scalar float64"}
    # exploring leaves no trace: no .grad filled, and the graph can still be backpropagated
    assert x.grad is None and y.grad is None
    f.backward()
    assert (x.grad.item(), y.grad.item()) == (10.0, 7.0)


@pytest.mark.parametrize("x_value, y_value", [(1.0, 2.0), (-1.5, 0.5), (0.25, 3.0)])
def test_the_step_at_e_writes_the_chain_rule_with_the_lectures_names_and_numbers(tmp_path, x_value, y_value):
    _, _, f = viz.lecture_example(x_value, y_value)
    step = step_at(page_data(viz.explore(f, tmp_path / "f.html")), "e")
    c = x_value + y_value
    number = format_number
    shown_c = f"({number(c)})" if c < 0 else number(c)
    assert f"{step['upstreamName']} = {step['upstream']['text']}" == "∂f/∂e = 1"
    to_c, to_two = step["inputs"]
    assert to_c["local"] == f"∂e/∂c = 2·c = 2·{shown_c} = {number(2 * c)}"
    assert to_c["chain"] == f"∂f/∂c += 1 × {number(2 * c)} = {number(2 * c)}"
    assert "local" not in to_two and to_two["none"].startswith("2 needs no derivative")  # the constant exponent


def test_a_step_with_two_inputs_gives_each_its_own_local_derivative(tmp_path):
    _, _, f = viz.lecture_example(1.0, 2.0)
    step = step_at(page_data(viz.explore(f, tmp_path / "f.html")), "b")  # b = x·y
    assert [i["local"] for i in step["inputs"]] == ["∂b/∂x = y = 2", "∂b/∂y = x = 1"]
    assert [i["chain"] for i in step["inputs"]] == ["∂f/∂x += 1 × 2 = 2", "∂f/∂y += 1 × 1 = 1"]


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


def test_the_default_max_nodes_takes_the_mlp_and_a_graph_of_two_hundred_tensors(tmp_path):
    loss, names = mlp_loss()
    viz.explore(loss, tmp_path / "mlp.html", names=names)
    y = tg.randn(3, requires_grad=True)
    for _ in range(99):  # 99 ops with a constant each: 1 + 99·2 = 199 tensors, and the sum: 200
        y = y * 1.01
    data = page_data(viz.explore(y.sum(), tmp_path / "chain.html"))
    assert len([n for n in data["nodes"] if n["kind"] != "op"]) == 200


# ---- numbers: what the page shows equals what the engine computes ----------------------------------------------------
def shown_array(shown):
    """The exact values the page carries for an array (every element up to VALUES_CAP) or its min/mean/max."""
    key = "data" if "data" in shown else "stats"
    return key, np.array([float(v) for v in shown[key]])


def assert_shows(shown, array):
    """The page's values equal the array's (its min/mean/max, each taken in the array's own dtype, for a big one)."""
    array = np.asarray(array)
    key, values = shown_array(shown)
    expected = array.ravel() if key == "data" else [array.min(), array.mean(), array.max()]
    scale = np.abs(array).max() if array.size else 0
    np.testing.assert_allclose(values, np.asarray(expected, dtype=np.float64), rtol=1e-5, atol=1e-6 * scale)


GRAPHS = {"lecture example": lambda: (viz.lecture_example()[2], None), "MLP": mlp_loss,
          "lecture network": lecture_network}


@pytest.mark.parametrize("graph", GRAPHS)
def test_every_number_in_the_panel_equals_the_engines_gradient(tmp_path, graph):
    root, names = GRAPHS[graph]()
    data = page_data(viz.explore(root, tmp_path / "page.html", names=names))
    view = walk(root, names=names)
    with tg.retain_grads():  # a separate backward that keeps ∂root/∂node on every node
        root.backward()
    tensors = {view.name(t): t for t in view.tensors}
    label, received = by_label(data), {}
    for step in data["backward"]:
        assert_shows(step["upstream"], tensors[label[step["node"]]].grad.data)
        for given in step["inputs"]:
            name = label[given["to"]]
            if "none" in given:
                assert not tensors[name].requires_grad
                continue
            sent = np.array([float(v) for v in given["sent"].get("data", [])])
            received.setdefault(name, []).append(given)
            if given.get("local") and sent.size == 1:  # scalars: upstream × local derivative = what was sent
                local = float(given["local"].rsplit(" = ", 1)[1])
                assert float(step["upstream"]["data"][0]) * local == pytest.approx(sent[0], rel=1e-3)
    for name, given in received.items():  # after the last contribution, the running sum is the engine's .grad
        assert_shows(given[-1]["total"], tensors[name].grad.data)
    assert set(received) == {name for name, t in tensors.items() if t.requires_grad and t is not root}


def test_explore_after_a_backward_under_retain_grads_replays_it_and_keeps_every_grad(tmp_path):
    _, _, f = viz.lecture_example()
    with tg.retain_grads():
        f.backward()
    view = walk(f)
    before = {view.name(t): t.grad for t in view.tensors if t.grad is not None}
    data = page_data(viz.explore(f, tmp_path / "after.html"))
    assert step_at(data, "e")["inputs"][0]["chain"] == "∂f/∂c += 1 × 6 = 6"
    assert {view.name(t): t.grad for t in view.tensors if t.grad is not None} == before  # the same objects
    assert (before["x"].item(), before["c"].item()) == (10.0, 6.0)


def test_explore_after_a_plain_backward_says_which_calls_work_instead(tmp_path):
    _, _, f = viz.lecture_example()
    f.backward()
    with pytest.raises(GraphError) as caught:
        viz.explore(f, tmp_path / "freed.html")
    message = str(caught.value)
    assert "explore(f)" in message and "tg.viz.explore(f) before f.backward()" in message
    assert "with tg.retain_grads(): f.backward()" in message
    assert not (tmp_path / "freed.html").exists()


@pytest.mark.parametrize("size, listed", [(1, False), (IN_FULL, False), (IN_FULL + 1, True), (VALUES_CAP + 1, True)])
def test_small_tensors_are_written_in_full_and_larger_ones_as_summary_with_their_values(size, listed):
    array = np.linspace(-1, 1, size)
    shown = numbers(array)
    assert ("listing" in shown) == listed
    if not listed:
        assert len(shown["text"].strip("[]").split()) == size  # every value
    else:
        assert shown["text"].startswith("min ") and shown["shape"] == f"({size},) float64"
        assert ("..." in shown["listing"]) == (size > VALUES_CAP)  # numpy's summary beyond the cap
    assert ("data" in shown) == (size <= VALUES_CAP) and ("stats" in shown) == (size > VALUES_CAP)
    assert numbers(np.float64(2.5))["shape"] == "scalar float64"


# ---- the table of local derivatives --------------------------------------------------------------------------------
def test_every_op_in_the_tables_exists():
    for name in list(ELEMENT_WISE) + list(GRADIENT_FORMULAS):
        assert issubclass(getattr(function, name), function.Function), name


OPS = sorted(name for name, value in vars(function).items() if isinstance(value, type)
             and issubclass(value, function.Function) and value is not function.Function)


@pytest.mark.parametrize("op", OPS)
def test_every_op_of_function_py_has_exactly_one_entry(op):
    """No op falls back to its generic rule: each is either element-wise or has its gradient written in names."""
    assert (op in ELEMENT_WISE) + (op in GRADIENT_FORMULAS) == 1, f"{op} needs an entry in exactly one table"


SCALAR_OPS = {  # op name -> a function of two float64 scalars (a, b) using that op once
    "Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mul": lambda a, b: a * b, "Div": lambda a, b: a / b,
    "Pow": lambda a, b: a ** b, "Neg": lambda a, b: -a, "Exp": lambda a, b: a.exp(), "Log": lambda a, b: a.log(),
    "Sqrt": lambda a, b: a.sqrt(), "Abs": lambda a, b: a.abs(), "Tanh": lambda a, b: a.tanh(),
    "Sigmoid": lambda a, b: a.sigmoid(), "ReLU": lambda a, b: a.relu(), "LeakyReLU": lambda a, b: a.leaky_relu(0.1),
    "Clip": lambda a, b: a.clip(-1.0, 1.0), "Cast": lambda a, b: a.float(),
    "Where": lambda a, b: tg.where(a > b, a, b),
}


def in_domain(op, a_value, b_value):
    """Log and Sqrt take a > 0, and a negative base takes only integer powers."""
    return not (op in ("Log", "Sqrt") and a_value < 0 or op == "Pow" and a_value < 0 and not b_value.is_integer())


@pytest.mark.parametrize("op, a_value, b_value", [(op, a, b) for op in sorted(SCALAR_OPS)
                                                  for a, b in [(0.7, 1.3), (-0.4, 2.0), (2.5, -0.5)]
                                                  if in_domain(op, a, b)])
def test_each_element_wise_ops_local_derivative_equals_the_engines(op, a_value, b_value):
    a = tg.tensor(a_value, dtype="float64", requires_grad=True, name="a")
    b = tg.tensor(b_value, dtype="float64", requires_grad=True, name="b")
    out = SCALAR_OPS[op](a, b)
    assert type(out.op).__name__ == op
    out.name = "out"
    explained = explain(out, lambda t: t.name, "out")
    out.backward()
    for parent, how in zip(out.op.parents, explained):
        assert how["value"] == pytest.approx(parent.grad.item(), rel=1e-6, nan_ok=True)  # upstream is 1 here
        assert how["local"].startswith(f"∂out/∂{parent.name} = ")


@pytest.mark.parametrize("a_value, b_value", [(0.7, 1.3), (2.5, -0.5)])
def test_where_writes_its_condition_as_true_or_false(a_value, b_value):
    a = tg.tensor(a_value, dtype="float64", requires_grad=True, name="a")
    b = tg.tensor(b_value, dtype="float64", requires_grad=True, name="b")
    out = tg.where(a > b, a, b)
    out.name = "y"
    holds = a_value > b_value
    to_a, to_b = explain(out, lambda t: t.name, "y")
    assert to_a["local"] == f"∂y/∂a = 1 if cond else 0 = 1 if {holds} else 0 = {int(holds)}"
    assert to_b["local"] == f"∂y/∂b = 0 if cond else 1 = 0 if {holds} else 1 = {int(not holds)}"


def test_a_constant_exponent_is_written_as_on_paper():
    c = tg.tensor(1.5, dtype="float64", requires_grad=True, name="c")
    for exponent, formula in [(2, "2·c = 2·1.5 = 3"), (3, "3·c² = 3·1.5² = 6.75"), (1, "1"), (0.5, None)]:
        out = c ** exponent
        out.name = "u"
        local = explain(out, lambda t: t.name, "u")[0]["local"]
        if formula is not None:
            assert local == f"∂u/∂c = {formula}"
        assert local.rsplit(" = ", 1)[1] == format_number(exponent * 1.5 ** (exponent - 1))


def test_tensor_ops_get_their_gradient_in_the_graphs_names():
    loss, names = mlp_loss()
    view = walk(loss, names=names)
    first_layer = next(t for t in view.tensors if t.op is not None)
    assert [how and how["formula"] for how in explain(first_layer, view.name, "loss")] == [
        None, "(∂loss/∂t0)ᵀ·x", "Σ over rows of ∂loss/∂t0"]  # x needs no gradient: None
    relu = next(t for t in view.tensors if type(t.op).__name__ == "ReLU")
    assert explain(relu, view.name, "loss")[0]["formula"] == "∂loss/∂t1 ⊙ (1 if t0 > 0 else 0)"
    rows = tg.tensor(np.ones((2, 3)), requires_grad=True, name="rows")
    shift = tg.tensor(np.ones(3), requires_grad=True, name="shift")
    out = rows * shift
    out.name = "out"
    assert [how["formula"] for how in explain(out, lambda t: t.name, "f")] == [
        "∂f/∂out ⊙ shift", "∂f/∂out ⊙ rows, summed back to its shape (3,)"]  # broadcasting made copies of shift


def named(value, name):
    return tg.tensor(value, dtype="float64", requires_grad=True, name=name)


def formula_and_engines_gradients(make, *leaves, upstream_seed=0):
    """The formula explain() writes for each leaf at out = make(*leaves), the upstream gradient fed in, and the
    gradients the engine sends to each leaf."""
    out = make(*leaves)
    out.name = "o"
    formulas = [how["formula"] for how in explain(out, lambda t: t.name, "f")]
    upstream = np.random.default_rng(upstream_seed).standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    return formulas, upstream, [leaf.grad.numpy() for leaf in leaves]


@pytest.mark.parametrize("op, values", [("max", [[1.0, 3, 3], [2, 0, 3]]), ("max", [[0.5, -1, 2], [7, 1, 4]]),
                                        ("min", [[-2.0, 4, -2], [1, 5, 6]]), ("min", [[3.0, 1, 2], [9, 8, 7]])])
def test_max_and_min_write_the_number_of_ties_that_share_the_gradient(op, values):
    (formula,), upstream, (grad,) = formula_and_engines_gradients(lambda x: getattr(x, op)(), named(values, "x"))
    extremes = {"max": "maxima", "min": "minima"}[op]
    ties = np.count_nonzero(grad)  # the engine's gradient is upstream/k at each of the k extremes
    assert formula == f"∂f/∂o × (1/k at the k {extremes} of x, 0 elsewhere), k = {ties}"
    np.testing.assert_allclose(grad[grad != 0], upstream / ties)
    (along_rows,), _, _ = formula_and_engines_gradients(lambda x: getattr(x, op)(axis=1), named(values, "x"))
    assert along_rows.endswith("0 elsewhere), k counted in each reduced slice")


@pytest.mark.parametrize("op, axis, correction", [("var", None, 1), ("var", 1, 0), ("std", 0, 1), ("std", None, 0)])
def test_var_and_std_write_n_and_the_correction_their_gradient_divides_by(op, axis, correction):
    values = np.array([[1.0, 4, 2, 8], [3, 0, 5, 5], [6, 1, 1, 2]])
    (formula,), upstream, (grad,) = formula_and_engines_gradients(
        lambda x: getattr(x, op)(axis=axis, correction=correction), named(values, "x"))
    n = values.size if axis is None else values.shape[axis]
    deviations = values - values.mean(axis=axis, keepdims=True)
    spread = getattr(np, op)(values, axis=axis, keepdims=True, ddof=correction)
    kept = np.reshape(upstream, spread.shape)
    if op == "var":
        assert formula == f"∂f/∂o × 2·(x − mean(x))/({n} − {correction})"
        np.testing.assert_allclose(grad, kept * 2 * deviations / (n - correction))
    else:
        assert formula == f"∂f/∂o × (x − mean(x))/(({n} − {correction})·o), 0 where o = 0"
        np.testing.assert_allclose(grad, kept * deviations / ((n - correction) * spread))


@pytest.mark.parametrize("index, written", [(slice(1, 3), "1:3"), ((0, slice(None, None, 2)), "0, ::2"),
                                           ([0, 0, 2], "[0, 0, 2]"), ([2, 1], "[2, 1]"), ((Ellipsis, 1), "..., 1")])
def test_get_item_names_the_selected_positions_and_says_when_repeats_add_up(index, written):
    x = named(np.arange(12.0).reshape(3, 4), "x")
    (formula,), upstream, (grad,) = formula_and_engines_gradients(lambda x: x[index], x)
    picked, scattered = np.zeros(x.shape), np.zeros(x.shape)
    np.add.at(picked, index, 1)
    np.add.at(scattered, index, upstream)  # what the formula says: upstream put back at the positions, repeats added
    np.testing.assert_array_equal(grad, scattered)
    repeats = ", a position picked more than once receiving the sum" if picked.max() > 1 else ""
    assert formula == f"∂f/∂o scattered back to the selected positions x[{written}], 0 elsewhere{repeats}"


@pytest.mark.parametrize("shapes, axis", [([(2,), (3,)], 0), ([(2, 3), (2, 1), (2, 2)], 1), ([(1, 2), (3, 2)], -2)])
def test_each_input_of_cat_receives_the_slice_its_formula_names(shapes, axis):
    leaves = [named(np.ones(shape), name) for shape, name in zip(shapes, "abc")]
    formulas, upstream, grads = formula_and_engines_gradients(lambda *xs: tg.cat(xs, axis=axis), *leaves)
    for formula, grad, leaf in zip(formulas, grads, leaves):
        written = re.fullmatch(rf"\(∂f/∂o\)\[((?::, )*)(\d+):(\d+)\], the slice {leaf.name} fills in o", formula)
        assert written, formula
        before, start, stop = written.group(1).count(":"), int(written.group(2)), int(written.group(3))
        assert before == axis % upstream.ndim
        np.testing.assert_array_equal(grad, upstream[(slice(None),) * before + (slice(start, stop),)])


# ---- layout --------------------------------------------------------------------------------------------------------
def boxes_overlap(nodes):
    boxes = [(n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2) for n in nodes]
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])]


@pytest.mark.parametrize("engine", ["builtin", pytest.param("dot", marks=pytest.mark.skipif(
    DOT is None, reason="Graphviz dot is not installed"))])
@pytest.mark.parametrize("graph", GRAPHS)
def test_layout_follows_the_edges_without_overlaps(tmp_path, engine, graph):
    root, names = GRAPHS[graph]()
    data = page_data(viz.explore(root, tmp_path / "page.html", names=names, layout=engine))
    nodes = {n["id"]: n for n in data["nodes"]}
    axis = "x" if data["direction"] == "LR" else "y"
    for edge in data["edges"]:  # every edge goes forward and starts and ends at its boxes
        assert nodes[edge["from"]][axis] < nodes[edge["to"]][axis]
        start, end = edge["path"][0], edge["path"][-1]
        assert len(edge["path"]) % 3 == 1
        for point, node in [(start, nodes[edge["from"]]), (end, nodes[edge["to"]])]:
            assert abs(point[0] - node["x"]) <= node["w"] / 2 + 1 and abs(point[1] - node["y"]) <= node["h"] / 2 + 1
    assert boxes_overlap(nodes.values()) == []
    left, top, width, height = data["viewBox"]
    assert all(left <= n["x"] - n["w"] / 2 and n["x"] + n["w"] / 2 <= left + width for n in nodes.values())
    assert all(top <= n["y"] - n["h"] / 2 and n["y"] + n["h"] / 2 <= top + height for n in nodes.values())


def test_a_long_chain_is_drawn_downwards_and_the_small_lecture_graph_left_to_right(tmp_path):
    loss, names = mlp_loss()
    assert page_data(viz.explore(loss, tmp_path / "mlp.html", names=names))["direction"] == "TB"
    _, _, f = viz.lecture_example()
    assert page_data(viz.explore(f, tmp_path / "f.html"))["direction"] == "LR"


def test_layout_option_errors_and_fallback(tmp_path, monkeypatch):
    _, _, f = viz.lecture_example()
    with pytest.raises(TinygradEduError, match="layout='circular'.*'auto', 'dot', 'builtin'"):
        viz.explore(f, tmp_path / "f.html", layout="circular")
    monkeypatch.setattr(graph_layout.shutil, "which", lambda name: None)
    with pytest.raises(graph_layout.LayoutError, match="Graphviz `dot`.*layout='builtin'"):
        viz.explore(f, tmp_path / "f.html", layout="dot")
    assert page_data(viz.explore(f, tmp_path / "f.html"))["nodes"]  # auto: the built-in layout, silently


def test_auto_layout_falls_back_with_a_warning_when_dot_fails(tmp_path, monkeypatch):
    def failing_dot(*args):
        raise graph_layout.LayoutError("dot failed (exit 1): broken")
    monkeypatch.setattr(graph_layout.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graph_layout, "dot_layout", failing_dot)
    _, _, f = viz.lecture_example()
    with pytest.warns(UserWarning, match="dot failed.*built-in layout"):
        data = page_data(viz.explore(f, tmp_path / "f.html"))
    assert boxes_overlap(data["nodes"]) == []


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


# ---- in a real browser ---------------------------------------------------------------------------------------------
CHECK_STEP = """(() => {
  const marked = document.querySelectorAll('[aria-current="step"]');
  const canvas = document.getElementById('canvas').getBoundingClientRect();
  const panel = document.getElementById('panel').getBoundingClientRect();
  const state = JSON.parse(document.getElementById('state').textContent);
  if (marked.length !== 1) return {count: marked.length, state: state};
  const box = marked[0].getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return {count: 1, state: state, hit: marked[0].contains(hit), window: [innerWidth, innerHeight],
          box: [box.left, box.top, box.right, box.bottom],
          canvas: [canvas.left, canvas.top, canvas.right, canvas.bottom],
          panel: [panel.left, panel.top, panel.right, panel.bottom], text: document.getElementById('panel').innerText};
})()"""

TEXT_OVERFLOW = """Array.from(document.querySelectorAll('#graph .node')).filter(group => {
  const shape = group.querySelector('rect, ellipse').getBBox();
  return Array.from(group.querySelectorAll('text')).some(text => text.getBBox().width > shape.width - 4);
}).map(group => group.id)"""


def inside(box, frame, slack=0.5):
    return (box[0] >= frame[0] - slack and box[1] >= frame[1] - slack and box[2] <= frame[2] + slack
            and box[3] <= frame[3] + slack)


def step_through(page, path, shots, stem, snap_at):
    """Press → through every step; at each, the current node is in the canvas, uncovered, and nothing failed."""
    data, seen = page_data(path), {}
    first = page.evaluate(CHECK_STEP)
    assert first["count"] == 0 and first["state"]["phase"] == "start"
    page.screenshot(shots / f"{stem}-start.png")
    for step in range(1, len(data["forward"]) + len(data["backward"]) + 1):
        page.press("ArrowRight", key_code=39)
        now = page.evaluate(CHECK_STEP)
        assert now["count"] == 1 and now["state"]["step"] == step, now
        assert inside(now["box"], now["canvas"]) and now["hit"], (step, now)
        assert inside(now["canvas"], [0, 0] + now["window"]), now  # the canvas itself is in the window
        assert page.errors == []
        seen[(now["state"]["phase"], now["state"]["node"])] = now
        if snap_at(now["state"]):
            page.screenshot(shots / f"{stem}-{step:02d}-{now['state']['phase']}-{now['state']['node']}.png")
    assert page.evaluate(TEXT_OVERFLOW) == []  # at the last step every gradient line is written in its box
    return seen


def test_the_mlp_steps_through_in_a_wide_window(browser, tmp_path, shots):
    loss, names = mlp_loss()
    path = tmp_path / "mlp.html"
    viz.explore(loss, path, names=names)
    page = browser.open(path, width=1400, height=900)
    seen = step_through(page, path, shots, "mlp-1400x900", lambda state: state["index"] in (3, 6))
    now = seen[("backward", "t0")]
    assert now["panel"][0] >= now["canvas"][2]  # the panel is beside the graph
    assert "∂loss/∂0.weight += (∂loss/∂t0)ᵀ·x" in now["text"] and "values" in now["text"]


def test_the_lecture_example_steps_through_in_a_narrow_window(browser, tmp_path, shots):
    _, _, f = viz.lecture_example()
    path = tmp_path / "f.html"
    viz.explore(f, path)
    page = browser.open(path, width=900, height=700)
    seen = step_through(page, path, shots, "lecture-900x700", lambda state: state["node"] in ("b", "e", "c"))
    at_e = seen[("backward", "e")]
    for part in ("∂e/∂c = 2·c = 2·3 = 6", "upstream ∂f/∂e = 1", "∂f/∂c += 1 × 6 = 6"):
        assert part in at_e["text"]
    assert at_e["state"]["grads"]["c"] == "∂f/∂c = 6"
    assert at_e["panel"][1] >= at_e["canvas"][3]  # the panel is below the graph


def test_zoom_and_pan_keys_change_the_view_and_0_fits_again(browser, tmp_path, shots):
    _, _, f = viz.lecture_example()
    path = tmp_path / "f.html"
    viz.explore(f, path)
    page = browser.open(path, width=1400, height=900)

    def view():
        return page.evaluate("JSON.parse(document.getElementById('state').textContent).view")
    fitted = view()
    page.press("+", code="Equal", key_code=187)
    assert view()["scale"] == pytest.approx(fitted["scale"] * 1.25)
    page.press("-", code="Minus", key_code=189)
    page.press("-", code="Minus", key_code=189)
    assert view()["scale"] == pytest.approx(fitted["scale"] / 1.25)
    before = view()
    page.press("ArrowRight", key_code=39, shift=True)
    page.press("ArrowDown", key_code=40)
    assert (view()["x"], view()["y"]) == (pytest.approx(before["x"] - 80), pytest.approx(before["y"] - 80))
    assert page.evaluate("JSON.parse(document.getElementById('state').textContent).step") == 0  # Shift: no step
    page.screenshot(shots / "lecture-1400x900-zoomed-out-and-panned.png")
    page.press("0", code="Digit0", key_code=48)
    assert view() == pytest.approx(fitted)
    page.drag((300, 400), (350, 430))  # the mouse: drag pans, the wheel zooms about the pointer
    assert (view()["x"], view()["y"]) == (pytest.approx(fitted["x"] + 50), pytest.approx(fitted["y"] + 30))
    page.wheel((300, 400), -200)
    assert view()["scale"] > fitted["scale"]
    assert page.errors == []


def test_a_large_graphs_first_step_comes_close_enough_to_read(browser, tmp_path):
    y = tg.randn(3, requires_grad=True)
    for _ in range(60):
        y = y * 1.01
    path = tmp_path / "chain.html"
    viz.explore(y.sum(), path)
    page = browser.open(path, width=1400, height=900)

    def state():
        return page.evaluate("JSON.parse(document.getElementById('state').textContent)")
    overview = state()["view"]["scale"]
    assert overview < 0.75  # the whole chain fits only at a scale too small to read
    page.press("ArrowRight", key_code=39)
    assert state()["view"]["scale"] == pytest.approx(0.75)
    page.press("0", code="Digit0", key_code=48)  # the learner asks for the overview: stepping keeps it
    page.press("ArrowRight", key_code=39)
    assert (state()["step"], state()["view"]["scale"]) == (2, pytest.approx(overview))
    now = page.evaluate(CHECK_STEP)
    assert inside(now["box"], now["canvas"]) and now["hit"] and page.errors == []


def max_of_where_and_cat():
    """f = where(m > 4, m, n), n = −m, m = max(c), c = cat(w, b), w = where(a > b, a, b): a Max with two tied maxima,
    a Where on vectors and on scalars, and a Cat."""
    a, b = named([1.0, 4, 2], "a"), named([3.0, 0, 5], "b")
    w = tg.where(a > b, a, b)
    c = tg.cat([w, b])
    m = c.max()
    n = -m
    f = tg.where(m > 4, m, n)
    for tensor, name in [(w, "w"), (c, "c"), (m, "m"), (n, "n"), (f, "f")]:
        tensor.name = name
    return f


def test_a_page_with_max_where_and_cat_writes_each_gradient_in_the_graphs_names(browser, tmp_path, shots):
    path = tmp_path / "max-where-cat.html"
    viz.explore(max_of_where_and_cat(), path)
    page = browser.open(path, width=1400, height=900)
    seen = step_through(page, path, shots, "max-where-cat-1400x900",
                        lambda state: state["phase"] == "backward" and state["node"] in ("f", "m", "c", "w"))
    expected = {"f": ["∂f/∂m = 1 if cond else 0 = 1 if True else 0 = 1", "∂f/∂m += 1 × 1 = 1",
                      "∂f/∂n = 0 if cond else 1 = 0 if True else 1 = 0", "∂f/∂n += 1 × 0 = 0"],
                "m": ["∂f/∂c += ∂f/∂m × (1/k at the k maxima of c, 0 elsewhere), k = 2"],
                "c": ["∂f/∂w += (∂f/∂c)[0:3], the slice w fills in c", "∂f/∂b += (∂f/∂c)[3:6], the slice b fills in c"],
                "w": ["∂f/∂a += ∂f/∂w ⊙ (1 if cond else 0)", "∂f/∂b += ∂f/∂w ⊙ (0 if cond else 1)"]}
    for node, parts in expected.items():
        text = seen[("backward", node)]["text"]
        assert [part for part in parts if part not in text] == [], text


VISIBLE_VALUES = """Array.from(document.querySelectorAll('#graph .node text.value'))
  .filter(text => getComputedStyle(text).visibility === 'visible').map(text => text.parentNode.id.slice(5))"""


def test_a_results_value_appears_only_once_forward_has_computed_it(browser, tmp_path):
    _, _, f = viz.lecture_example()
    path = tmp_path / "f.html"
    viz.explore(f, path)
    data = page_data(path)
    label = {node["id"]: node["label"] for node in data["nodes"]}
    made_by_ops = {step["node"] for step in data["forward"]}
    leaves = {node["id"] for node in data["nodes"] if node["kind"] != "op"} - made_by_ops
    page = browser.open(path, width=900, height=700)
    assert set(page.evaluate(VISIBLE_VALUES)) == leaves  # x, y and the two constants 2
    for _ in range(3):
        page.press("ArrowRight", key_code=39)
    assert {label[node] for node in set(page.evaluate(VISIBLE_VALUES)) - leaves} == {"a", "b", "c"}
    assert page.errors == []
