"""viz: DOT text, rendering with Graphviz (and without it), the text tree, the model summary."""
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.viz import dot as dot_module
from tinygrad_edu.viz.walk import walk


def dot_nodes(text):
    """{node id: attribute text} of every node statement in DOT text."""
    statements = dict(re.findall(r"^\s*(\w+) \[(.*)\];$", text, flags=re.MULTILINE))
    return {node: attrs for node, attrs in statements.items() if node not in ("node", "edge")}


def dot_edges(text):
    return re.findall(r"^\s*(\w+) -> (\w+)", text, flags=re.MULTILINE)


def test_dot_has_a_node_per_tensor_and_op_and_edges_through_ops():
    _, _, f = viz.lecture_example()
    text = viz.to_dot(f)
    nodes, edges = dot_nodes(text), dot_edges(text)
    labels = {node: re.search(r'label="([^"]*)"', attrs).group(1) for node, attrs in nodes.items()}
    tensors = [n for n in nodes if n.startswith("t")]
    ops = [n for n in nodes if n.startswith("op")]
    assert len(tensors) == 10  # x, y, two constants 2, a..f
    assert sorted(labels[n] for n in ops) == ["Add", "Add", "Add", "Mul", "Pow", "Pow"]
    names = {labels[n].split("\\n")[0]: n for n in tensors}
    assert {"x", "y", "a", "b", "c", "d", "e", "f"} <= set(names)
    assert labels[names["f"]].split("\\n")[1:] == ["scalar float64", "value 12"]
    # each op has one arrow out (to its result) and arrows in from its distinct inputs: x -> Mul <- y
    mul = next(n for n in ops if labels[n] == "Mul")
    assert sorted(src for src, dst in edges if dst == mul) == sorted([names["x"], names["y"]])
    assert [dst for src, dst in edges if src == mul] == [names["b"]]
    assert len(edges) == 6 + 6 * 2  # op -> result, plus two inputs per op


def test_dot_styles_leaves_params_constants_and_output_apart():
    layer = nn.Linear(3, 2)
    out = layer(tg.randn(4, 3)).sum()
    nodes = dot_nodes(viz.to_dot(out, names=dict(layer.named_parameters())))
    by_name = {re.search(r'label="([^"\\]*)', attrs).group(1): attrs for attrs in nodes.values()}
    assert "bold" in by_name["weight (param)"] and "bold" in by_name["bias (param)"]
    constant = next(attrs for name, attrs in by_name.items() if "dashed" in attrs)
    assert "(4, 3) float32" in constant
    output = next(attrs for attrs in nodes.values() if "peripheries=2" in attrs)
    assert "scalar float32" in output
    fills = {re.search(r'fillcolor="([^"]*)"', attrs).group(1) for attrs in nodes.values()}
    assert len(fills) == 5  # param, const, intermediate, output and the op colour all differ


def test_values_and_grads_appear_only_when_asked():
    _, _, f = viz.lecture_example()
    assert "∂" not in viz.to_dot(f)
    f.backward(retain_graph=True)
    text = viz.to_dot(f)
    assert "x\\nscalar float64\\nvalue 1\\n∂f/∂x = 10" in text and "y\\nscalar float64\\nvalue 2\\n∂f/∂y = 7" in text
    assert "∂f/∂c" not in text  # a plain backward leaves gradients on the leaves only
    bare = viz.to_dot(f, show_data=False, show_grad=False)
    assert "value" not in bare and "∂" not in bare


def test_an_input_used_twice_by_one_op_draws_one_arrow():
    x = tg.tensor(3.0, requires_grad=True, name="x")
    edges = dot_edges(viz.to_dot(x * x))
    assert edges == [("op1", "t1"), ("t0", "op1")]


def test_large_tensors_are_shown_as_min_mean_max():
    w = tg.tensor(np.arange(12.0).reshape(3, 4), dtype="float32", requires_grad=True, name="w")
    text = viz.to_dot((w * 2).sum())
    assert "w\\n(3, 4) float32\\nvalue min 0 mean 5.5 max 11" in text


def test_a_huge_graph_is_summarised():
    x = tg.randn(3, requires_grad=True)
    y = x
    for _ in range(400):
        y = y * 1.01 + 0.1
    text = viz.to_dot(y.sum(), max_nodes=30)
    nodes = dot_nodes(text)
    assert len([n for n in nodes if n.startswith("t")]) == 30
    hidden = nodes["hidden"]
    total = 1 + 400 * 4 + 1  # x, then per step two constants and two results, then the sum
    assert f"… {total - 30} more tensors" in hidden and "Mul ×" in hidden and "Add ×" in hidden
    assert any(src == "hidden" for src, _ in dot_edges(text))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_draw_renders_svg_and_png_with_dot(tmp_path):
    _, _, f = viz.lecture_example()
    svg_path = viz.draw(f, tmp_path / "f.svg")
    svg = Path(svg_path).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and ">Mul<" in svg
    png_path = viz.draw(f, tmp_path / "f.png")
    assert Path(png_path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = viz.graph(f)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and bundle["text/plain"].startswith("digraph")


def test_without_dot_the_dot_file_is_written_with_a_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dot_module.shutil, "which", lambda name: None)
    _, _, f = viz.lecture_example()
    written = viz.draw(f, tmp_path / "f.svg")
    assert written == str(tmp_path / "f.dot") and not (tmp_path / "f.svg").exists()
    assert Path(written).read_text(encoding="utf-8") == viz.to_dot(f)
    hint = capsys.readouterr().err
    assert "dot -Tsvg" in hint and "graphviz" in hint.lower()
    shown = viz.graph(f)
    assert shown._repr_svg_() is None
    assert shown._repr_mimebundle_() == {"text/plain": viz.to_dot(f)}


def test_print_graph_prints_shared_subgraphs_once(capsys):
    _, _, f = viz.lecture_example()
    f.backward(retain_graph=True)
    viz.print_graph(f)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "f = Add(d, e)  scalar float64  value 12"
    assert "├─ d = Add(a, b)  scalar float64  value 3" in lines
    assert any(line.endswith("x  scalar float64  [input]  value 1  ∂f/∂x = 10") for line in lines)
    assert sum("x  (see above)" in line for line in lines) == 2  # x feeds a, b and c: shown once, named twice
    assert sum(line.lstrip("│├└─ ").startswith("x  ") for line in lines) == 3
    assert "2  scalar float64  [const]  value 2" in "\n".join(lines)


def test_print_graph_stops_at_max_nodes_lines():
    y = tg.randn(2, requires_grad=True)
    for _ in range(50):
        y = y.tanh()
    lines = viz.format_graph(y, max_nodes=10).splitlines()
    assert len(lines) == 11 and "max_nodes=10" in lines[-1]
    assert len(viz.format_graph(y, max_nodes=None).splitlines()) == 51


def test_summary_lists_layers_shapes_and_parameter_counts(capsys):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    result = viz.summary(model, (5, 4))
    assert [(r.name, r.layer, r.output_shape, r.params) for r in result.rows] == [
        ("0", "Linear", (5, 8), 4 * 8 + 8), ("1", "ReLU", (5, 8), 0), ("2", "Linear", (5, 3), 8 * 3 + 3)]
    assert result.total_params == result.trainable_params == 67 == model.num_parameters()
    assert capsys.readouterr().out == ""  # returned, not printed: a REPL shows the table once, as its repr
    assert repr(result) == str(result) and "total params: 67" in repr(result) and "(5, 3)" in repr(result)
    assert "forward" not in model[0].__dict__  # the recording wrapper is gone again


def test_summary_counts_own_parameters_of_a_custom_module_and_frozen_ones():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(2, 2)
            self.scale = nn.Parameter(np.ones(2, dtype=np.float32), requires_grad=False)

        def forward(self, x):
            return self.body(x) * self.scale

    result = viz.summary(Scaled(), (1, 2))
    assert [(r.name, r.layer, r.params) for r in result.rows] == [("Scaled", "Scaled", 2), ("body", "Linear", 6)]
    assert (result.total_params, result.trainable_params) == (8, 6)


# ---- gradients on every node ------------------------------------------------------------------------------
def lecture_gradients(x, y):
    """∂f/∂node of the lecture's f = x² + xy + (x + y)², derived by hand: every node's value in one dict."""
    c = x + y
    return {"f": 1.0, "d": 1.0, "e": 1.0, "a": 1.0, "b": 1.0, "c": 2 * c, "x": 2 * x + y + 2 * c, "y": x + 2 * c}


def dot_grad_labels(text):
    """{tensor name: the number after "∂out/∂name = "} for every DOT tensor label that carries a gradient."""
    found = re.findall(r'label="([^"\\]+)\\n[^"]*?∂(\w+)/∂(\w+) = ([-\d.e]+)"', text)
    assert all(name == wrt for name, _, wrt, _ in found)
    return {name: float(value) for name, _, _, value in found}


@pytest.mark.parametrize("point", [(1.0, 2.0), (-0.5, 3.25)])
def test_after_a_retain_grads_backward_every_node_shows_its_gradient(point):
    _, _, f = viz.lecture_example(*point)
    with tg.retain_grads():
        f.backward()
    expected = lecture_gradients(*point)
    shown = dot_grad_labels(viz.to_dot(f))
    assert set(shown) == set(expected)  # every node but the two constant exponents
    for name, value in expected.items():
        assert shown[name] == pytest.approx(value, rel=1e-3)
    lines = viz.format_graph(f).splitlines()
    for name, value in expected.items():
        line = next(line for line in lines if f"∂f/∂{name} = " in line)
        assert float(line.rsplit("= ", 1)[1]) == pytest.approx(value, rel=1e-3)


def test_the_lecture_example_shows_df_dc_equals_6_on_c():
    _, _, f = viz.lecture_example(1.0, 2.0)
    text = viz.to_dot(f, backward=True)
    assert "c\\nscalar float64\\nvalue 3\\n∂f/∂c = 6" in text
    assert "c = Add(x, y)  scalar float64  value 3  ∂f/∂c = 6" in viz.format_graph(f)


def test_backward_option_runs_the_pass_once_and_matches_retain_grads():
    x, _, f = viz.lecture_example(0.5, -1.5)
    drawn = viz.to_dot(f, backward=True)
    again = viz.to_dot(f, backward=True)  # f.grad is set now: no second pass adding to every gradient
    assert drawn == again
    _, _, f2 = viz.lecture_example(0.5, -1.5)
    with tg.retain_grads():
        f2.backward()
    assert drawn == viz.to_dot(f2)
    assert x.grad.item() == pytest.approx(lecture_gradients(0.5, -1.5)["x"])
    assert viz.format_graph(viz.lecture_example(0.5, -1.5)[2], backward=True) == viz.format_graph(f2)


def test_backward_option_after_a_plain_backward_says_what_to_do_and_changes_nothing():
    x, y, f = viz.lecture_example()
    f.backward()
    before = x.grad.item(), y.grad.item()
    for call in (viz.to_dot, viz.format_graph):
        with pytest.raises(tg.errors.GraphError, match=r"x, y already hold gradients.*tg.retain_grads\(\)"):
            call(f, backward=True)
    assert (x.grad.item(), y.grad.item()) == before and f.grad is None


def test_backward_option_on_a_freed_graph_without_gradients_puts_everything_back():
    x, y, f = viz.lecture_example()
    f.backward()
    x.grad = y.grad = None
    with pytest.raises(tg.errors.GraphError, match="already freed.*retain_grads"):
        viz.to_dot(f, backward=True)
    assert f.grad is None and x.grad is None


def test_an_mlp_graph_shows_a_gradient_on_every_tensor_that_requires_one():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    loss = nn.functional.cross_entropy(model(tg.randn(5, 3)), tg.tensor([0, 1, 1, 0, 1], dtype="int64"))
    loss.name = "loss"
    text = viz.to_dot(loss, names=dict(model.named_parameters()), backward=True)
    labels = [attrs for node, attrs in dot_nodes(text).items() if node.startswith("t")]
    with_grad = [label for label in labels if "∂loss/∂" in label]
    needing = walk(loss).tensors
    assert len(with_grad) == sum(t.requires_grad for t in needing) and len(with_grad) < len(labels)
    weight = next(label for label in with_grad if label.startswith('label="0.weight'))
    grad = model[0].weight.grad.data
    assert "(4, 3) float32" in weight and f"∂loss/∂0.weight min {grad.min():.4g} " in weight
    assert "∂loss/∂loss = 1" in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_gradients_are_drawn_into_the_svg(tmp_path):
    _, _, f = viz.lecture_example()
    svg = Path(viz.draw(f, tmp_path / "f.svg", backward=True)).read_text(encoding="utf-8")
    assert ">∂f/∂c = 6<" in svg and ">∂f/∂x = 10<" in svg and ">scalar float64<" in svg
    assert "∂f/∂c = 6" in viz.graph(f)._repr_svg_()
