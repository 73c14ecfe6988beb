"""nn.Module bookkeeping, state dicts (also to and from PyTorch), and the layers against their formulas."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.errors import DTypeError, ShapeError


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


class TwoBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
        self.head = nn.Linear(5, 2, bias=False)
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
        self.note = "plain attributes are not registered"

    def forward(self, x):
        return self.head(self.encoder(x)) * self.scale


# ---- Module bookkeeping -----------------------------------------------------------------------------------------
def test_parameters_and_submodules_register_with_pytorch_names():
    model = TwoBranch()
    assert [name for name, _ in model.named_parameters()] == ["scale", "encoder.0.weight", "encoder.0.bias",
                                                              "head.weight"]
    assert [type(child).__name__ for child in model.children()] == ["Sequential", "Linear"]
    assert model.head.bias is None
    assert model.num_parameters() == 1 + 15 + 5 + 10
    assert all(p.requires_grad for p in model.parameters())


def test_shared_parameter_is_listed_once_and_reassignment_replaces():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    layer.weight = nn.Parameter(np.zeros((2, 2), dtype=np.float32))
    assert np.all(model[0].weight.data == 0)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_plain_value_or_del_unregisters_and_the_attribute_follows_the_registry():
    model = TwoBranch()
    model.scale = np.ones(1)  # a plain array over a Parameter: no longer a parameter
    assert "scale" not in dict(model.named_parameters()) and isinstance(model.scale, np.ndarray)
    model.scale = nn.Parameter(np.zeros(1, dtype=np.float32))
    assert dict(model.named_parameters())["scale"] is model.scale
    del model.head
    assert [name for name, _ in model.named_children()] == ["encoder"]
    with pytest.raises(AttributeError, match="'TwoBranch' object has no attribute 'head'"):
        model.head
    del model.note
    with pytest.raises(AttributeError):
        del model.missing


def test_module_without_super_init_gets_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Broken()


def test_train_eval_recurse_and_zero_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert model.eval() is model and not model[1].training
    assert model.train()[1].training
    model(tg.randn(3, 2)).sum().backward()
    assert model[0].weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_dtype_keeps_parameter_objects():
    model = mlp()
    weights = list(model.parameters())
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert [id(p) for p in model.parameters()] == [id(p) for p in weights]
    assert model(tg.randn(2, 4, dtype=tg.float64)).dtype == np.float64
    assert model.float()[0].weight.dtype == np.float32
    with pytest.raises(TypeError, match="floating point"):
        model.to("int64")


def address(array):
    return array.__array_interface__["data"][0]


def test_weights_start_on_a_cache_line_also_after_a_cast():
    """The C core reads weights in place at small batches; 64-byte aligned rows keep its vector loads in one line."""
    model = nn.Sequential(nn.Linear(784, 256), nn.Linear(256, 10))
    values = [p.data.copy() for p in model.parameters()]
    assert all(address(layer.weight.data) % 64 == 0 for layer in model)
    model.double()
    assert all(address(p.data) % 64 == 0 and p.data.flags.c_contiguous for p in model.parameters())
    assert all(np.array_equal(p.data, v) for p, v in zip(model.parameters(), values))


def test_repr_is_readable():
    text = repr(nn.Sequential(nn.Linear(2, 4), nn.LeakyReLU(0.2), nn.Dropout(0.1), nn.Linear(4, 1, bias=False)))
    assert text == ("Sequential(\n"
                    "  (0): Linear(in_features=2, out_features=4, bias=True)\n"
                    "  (1): LeakyReLU(negative_slope=0.2)\n"
                    "  (2): Dropout(p=0.1)\n"
                    "  (3): Linear(in_features=4, out_features=1, bias=False)\n)")


def test_sequential_indexing_slicing_and_append():
    model = mlp()
    assert isinstance(model[-1], nn.Linear) and len(model) == 3
    head = model[1:]
    assert list(head.state_dict()) == ["2.weight", "2.bias"]  # slices keep the original names
    model.append(nn.Softmax())
    assert list(dict(model.named_children())) == ["0", "1", "2", "3"]


# ---- state dicts --------------------------------------------------------------------------------------------------
def test_state_dict_is_a_snapshot_and_round_trips():
    tg.manual_seed(0)
    source, target = mlp(), mlp()
    state = source.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert state["0.weight"].shape == (8, 4)  # (out_features, in_features) as in PyTorch
    source[0].weight.data += 1
    assert not np.allclose(state["0.weight"], source[0].weight.data)
    target.load_state_dict({key: tg.tensor(value) for key, value in state.items()})  # Tensors accepted too
    x = tg.randn(5, 4)
    source.load_state_dict(state)
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_load_state_dict_reports_missing_unexpected_and_shape_errors():
    model = mlp()
    state = model.state_dict()
    del state["2.bias"]
    state["3.weight"] = np.zeros(1)
    with pytest.raises(nn.StateDictError, match=r"missing keys \['2.bias'\].*unexpected keys \['3.weight'\]"):
        model.load_state_dict(state)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert (missing, unexpected) == (["2.bias"], ["3.weight"])
    bad = model.state_dict()
    bad["0.weight"] = np.zeros((4, 8))
    before = model[2].weight.data.copy()
    with pytest.raises(ShapeError, match=r"'0.weight' has shape \(4, 8\).*\(8, 4\)"):
        model.load_state_dict(bad)
    np.testing.assert_array_equal(model[2].weight.data, before)  # nothing copied when anything is wrong


def test_state_dict_moves_to_pytorch_and_back_with_identical_outputs():
    torch = pytest.importorskip("torch")
    tg.manual_seed(1)
    ours = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    theirs.load_state_dict({key: torch.from_numpy(value) for key, value in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(), ours(tg.tensor(x)).data, rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(0.5)
    ours.load_state_dict(theirs.state_dict())  # torch tensors convert through np.asarray
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(), ours(tg.tensor(x)).data, rtol=1e-5, atol=1e-6)


# ---- layers -----------------------------------------------------------------------------------------------------
def test_linear_computes_x_w_transpose_plus_b_and_its_gradients():
    layer = nn.Linear(3, 2).double()
    x = tg.randn(4, 3, dtype=tg.float64, requires_grad=True)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data)
    assert tg.gradcheck(lambda x, w, b: nn.functional.linear(x, w, b), x, layer.weight, layer.bias)


def test_linear_rejects_mismatched_input():
    layer = nn.Linear(3, 2)
    with pytest.raises(ShapeError, match=r"\(4, 5\)"):
        layer(tg.randn(4, 5))
    with pytest.raises(DTypeError, match="float64.*float32"):
        layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="init must be one of"):
        nn.Linear(3, 2, init="bogus")


def test_linear_init_choices():
    tg.manual_seed(0)
    assert np.all(nn.Linear(3, 2, init=nn.init.ones_).weight.data == 1)
    bound = np.sqrt(3 / 400)
    weight = nn.Linear(400, 300, init="lecun").weight.data
    assert np.abs(weight).max() <= bound and weight.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    assert nn.Linear(400, 300).weight.data.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)  # "he" by default
    assert np.all(nn.Linear(400, 300).bias.data == 0)


@pytest.mark.parametrize("layer, formula", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(), lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    (nn.LogSoftmax(), lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
    (nn.Identity(), lambda x: x),
])
def test_activation_layers_match_their_formulas(layer, formula):
    x = np.random.default_rng(0).standard_normal((4, 5))
    np.testing.assert_allclose(layer(tg.tensor(x, dtype=tg.float64)).data, formula(x), rtol=1e-12)


def test_flatten():
    x = tg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(start_dim=1, end_dim=2)(x).shape == (2, 12, 5)


def test_dropout_is_inverted_off_in_eval_and_reproducible():
    layer = nn.Dropout(0.25)
    x = tg.ones(200, 500)
    tg.manual_seed(3)
    y = layer(x).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert (y == 0).mean() == pytest.approx(0.25, abs=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.01)  # E[y] = x
    tg.manual_seed(3)
    np.testing.assert_array_equal(layer(x).data, y)
    assert layer.eval()(x) is x
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    x = tg.randn(50, 40, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, (y.data != 0) * 2.0)
