"""trace_backward: the chain rule step by step on the lecture example, .grad as with backward(), JSON."""
import json

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import function as F
from tinygrad_edu import nn, viz
from tinygrad_edu.errors import GraphError


def received(trace):
    """{name: ∂f/∂name} as the trace shows it arriving at each op node."""
    return {step.name: step.upstream.item() for step in trace}


def sent_to(trace, name):
    """Every gradient contribution the walk sent to `name`, in order."""
    return [grad.item() for step in trace for parent, grad in step.sent if parent == name and grad is not None]


@pytest.mark.parametrize("x_value, y_value", [(1.0, 2.0), (-1.5, 0.5)])
def test_the_trace_follows_the_lecture_chain_rule(x_value, y_value):
    x, y, f = viz.lecture_example(x_value, y_value)
    trace = viz.trace_backward(f)
    c = x_value + y_value
    # the slides: ∂f/∂d = ∂f/∂e = 1; ∂f/∂a = ∂f/∂b = 1; ∂f/∂c = 2c
    assert received(trace) == {"f": 1.0, "d": 1.0, "e": 1.0, "a": 1.0, "b": 1.0, "c": pytest.approx(2 * c)}
    # one term per path: ∂f/∂x = ∂f/∂a·2x + ∂f/∂b·y + ∂f/∂c, ∂f/∂y = ∂f/∂b·x + ∂f/∂c
    assert sorted(sent_to(trace, "x")) == pytest.approx(sorted([2 * x_value, y_value, 2 * c]))
    assert sorted(sent_to(trace, "y")) == pytest.approx(sorted([x_value, 2 * c]))
    assert sent_to(trace, "2") == []  # the constant exponent gets no gradient
    assert trace.leaf_grads["x"].item() == pytest.approx(2 * x_value + y_value + 2 * c)
    assert trace.leaf_grads["y"].item() == pytest.approx(x_value + 2 * c)


def test_steps_come_in_reverse_topological_order_with_each_ops_rule():
    _, _, f = viz.lecture_example(1.0, 2.0)
    trace = viz.trace_backward(f)
    assert trace[0].name == "f" and len(trace) == 6
    position = {step.name: number for number, step in enumerate(trace)}
    for step in trace:  # a node is visited only after every node that uses it
        for parent, _ in step.sent:
            if parent in position:
                assert position[parent] > position[step.name]
    rules = {step.op: step.rule for step in trace}
    assert rules == {"Add": F.Add.rule(), "Mul": F.Mul.rule(), "Pow": F.Pow.rule()}
    assert trace[0].node is f


def test_gradients_land_in_grad_as_with_backward():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    inputs, targets = tg.randn(5, 3), tg.tensor([0, 1, 1, 0, 1], dtype="int64")
    nn.functional.cross_entropy(model(inputs), targets).backward()
    expected = [p.grad.data.copy() for p in model.parameters()]
    model.zero_grad()
    trace = viz.trace_backward(nn.functional.cross_entropy(model(inputs), targets),
                               names=dict(model.named_parameters()))
    for param, grad in zip(model.parameters(), expected):
        np.testing.assert_allclose(param.grad.data, grad, rtol=1e-6)
    # a parameter used once receives exactly its final gradient in one step
    assert [name for name, _ in trace[-1].sent] == ["t0", "0.weight", "0.bias"]
    np.testing.assert_allclose(trace[-1].sent[1][1], model[0].weight.grad.data, rtol=1e-6)
    np.testing.assert_allclose(trace.leaf_grads["2.bias"], model[2].bias.grad.data)


def test_the_graph_is_freed_unless_retained():
    _, _, f = viz.lecture_example(1.0, 2.0)
    viz.trace_backward(f, retain_graph=True)
    viz.trace_backward(f)
    with pytest.raises(GraphError, match="retain_graph=True"):
        viz.trace_backward(f)


def test_the_table_reads_like_the_slides():
    _, _, f = viz.lecture_example(1.0, 2.0)
    lines = str(viz.trace_backward(f)).splitlines()
    assert lines[0].split() == ["step", "node", "op", "∂f/∂node", "local", "rule", "adds", "to", "∂f/∂input"]
    row = next(line for line in lines if line.split()[1:3] == ["c", "Add"])
    assert row.split()[3] == "6" and row.endswith("x += 6, y += 6")
    assert lines[-1] == "leaves: x.grad = 10, y.grad = 7"


def test_json_round_trip(tmp_path):
    tg.manual_seed(1)
    w = tg.randn(2, 3, requires_grad=True)
    w.name = "w"
    loss = (w.tanh() * tg.randn(2, 3)).sum()
    trace = viz.trace_backward(loss)
    text = trace.to_json(tmp_path / "trace.json")
    assert (tmp_path / "trace.json").read_text(encoding="utf-8") == text
    assert json.loads(text)["steps"][0]["op"] == "Sum"
    again = viz.BackwardTrace.from_json(text)
    assert str(again) == str(trace) and len(again) == len(trace)
    for before, after in zip(trace, again):
        assert (after.name, after.op, after.shape, after.rule, after.node) == \
               (before.name, before.op, before.shape, before.rule, None)
        np.testing.assert_array_equal(after.upstream, before.upstream)
        assert after.upstream.dtype == before.upstream.dtype
        for (name, grad), (name_again, grad_again) in zip(before.sent, after.sent):
            assert name == name_again and (grad is None) == (grad_again is None)
            if grad is not None:
                np.testing.assert_array_equal(grad, grad_again)
    np.testing.assert_array_equal(again.leaf_grads["w"], w.grad.data)
