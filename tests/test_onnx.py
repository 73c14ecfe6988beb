"""tinygrad_edu.onnx.export: the files pass onnx's full check and compute in onnxruntime what our forward does."""
import itertools
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.onnx as tg_onnx
from tinygrad_edu import nn
from tinygrad_edu.errors import DTypeError, ShapeError

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-8}  # float64: LeakyRelu's alpha is a float32 attribute in ONNX


@pytest.fixture(scope="module")
def onnx():
    return pytest.importorskip("onnx", reason="onnx not installed: pip install 'tinygrad_edu[onnx]'")


@pytest.fixture(scope="module")
def ort():
    return pytest.importorskip("onnxruntime", reason="onnxruntime not installed (it is in the test extra)")


class Square(nn.Module):
    def forward(self, x):
        return x * x


class DoubledReLU(nn.ReLU):  # same class family, another forward: must not pass for a ReLU
    def forward(self, x):
        return super().forward(x) * 2


class WideLinear(nn.Linear):  # only __init__ differs: still a Linear
    def __init__(self, in_features):
        super().__init__(in_features, 16)


def randomized(model, seed=0):
    """The model with every parameter, biases included, drawn from N(0, 0.5²), so a wrong bias shows."""
    rng = np.random.default_rng(seed)
    model.load_state_dict({name: 0.5 * rng.standard_normal(value.shape) for name, value in model.state_dict().items()})
    return model


def eval_forward(model, x):
    model.eval()
    with tg.no_grad():
        return model(tg.Tensor(x)).data


def run_session(ort, path, feeds):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)[0]


# Every supported layer at least once, nested Sequentials, Reshape-based flattens, float32 and float64.
MODELS = {
    "mlp": (lambda: nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4), nn.LogSoftmax()), (6,)),
    "every-layer-nested": (lambda: nn.Sequential(
        nn.Flatten(), nn.Linear(12, 10), nn.LeakyReLU(0.2),
        nn.Sequential(nn.Linear(10, 8), nn.Sigmoid(), nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Identity())),
        nn.Dropout(0.3), nn.Linear(8, 5, bias=False), nn.Softmax(axis=1)), (3, 4)),
    "flatten-inner-axes": (lambda: nn.Sequential(
        nn.Flatten(start_dim=1, end_dim=2), nn.Softmax(axis=1), nn.Flatten(start_dim=-2), nn.Tanh()), (2, 3, 4)),
    "float64": (lambda: nn.Sequential(nn.Linear(5, 7, dtype="float64"), nn.LeakyReLU(), nn.Dropout(),
                                      nn.Linear(7, 3, dtype="float64"), nn.Softmax()), (5,)),
    "shared-layer-subclass": (lambda: nn.Sequential(WideLinear(4), nn.ReLU(), nn.Linear(16, 4), nn.ReLU(),
                                                    nn.Linear(4, 4), nn.Sigmoid(), nn.Linear(4, 4)), (4,)),
    # Linear over the last axis of (batch, seq, features): Transpose, MatMul and Add instead of Gemm
    "sequence": (lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(axis=-1)), (5, 4)),
    "sequence-float64": (lambda: nn.Sequential(nn.Linear(4, 8, dtype="float64"), nn.ReLU(),
                                               nn.Linear(8, 3, dtype="float64"), nn.Softmax(axis=-1)), (5, 4)),
    # every other layer on 4-D and 3-D values too, down to a 2-D Gemm at the end
    "four-axes-every-layer": (lambda: nn.Sequential(
        nn.Linear(4, 6, bias=False), nn.LeakyReLU(0.1), nn.Dropout(0.4), nn.Identity(), nn.LogSoftmax(axis=1),
        nn.Flatten(start_dim=2), nn.Linear(18, 5), nn.Tanh(), nn.Sigmoid(), nn.Softmax(axis=-1), nn.Flatten(),
        nn.Linear(10, 3)), (2, 3, 4)),
}


def build(name):
    make, features = MODELS[name]
    model = randomized(make())
    if name == "shared-layer-subclass":
        model.append(model[4])  # the same Linear twice: its weights are stored once, under its first name
    dtype = next(model.parameters()).dtype if model.num_parameters() else np.dtype(np.float32)
    return model, features, dtype.type


@pytest.mark.parametrize("name", sorted(MODELS))
def test_export_passes_the_full_check_and_matches_our_forward_at_two_batch_sizes(name, onnx, ort, tmp_path):
    model, features, dtype = build(name)
    path = tmp_path / f"{name}.onnx"
    proto = tg_onnx.export(model, tg.randn(2, *features, dtype=dtype), path)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.SerializeToString() == proto.SerializeToString()
    rng = np.random.default_rng(1)
    for batch in (1, 7):
        x = rng.standard_normal((batch, *features)).astype(dtype)
        out = run_session(ort, path, {"input": x})
        expected = eval_forward(model, x)
        assert out.dtype == expected.dtype and out.shape == expected.shape
        np.testing.assert_allclose(out, expected, rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_weights_are_initializers_under_the_state_dict_names_and_nodes_under_the_module_paths(name, onnx, tmp_path):
    model, features, dtype = build(name)
    proto = tg_onnx.export(model, tg.randn(1, *features, dtype=dtype), tmp_path / "m.onnx")
    weights = {tensor.name: onnx.numpy_helper.to_array(tensor) for tensor in proto.graph.initializer
               if tensor.data_type != onnx.TensorProto.INT64}  # the int64 ones are Reshape's target shapes
    state = model.state_dict()
    assert list(weights) == list(state)
    for key, value in state.items():
        np.testing.assert_array_equal(weights[key], value)
    layer_paths = [path for path, module in model.named_modules() if not isinstance(module, nn.Sequential)]
    node_names = [node.name for node in proto.graph.node]
    assert len(set(node_names)) == len(node_names)
    nodes_of_each_layer = [(layer, list(names)) for layer, names in
                           itertools.groupby(node_names, key=lambda name: layer_of(name, layer_paths))]
    assert [layer for layer, _ in nodes_of_each_layer] == layer_paths
    assert all(names[-1] == layer for layer, names in nodes_of_each_layer)  # a layer's last node carries its path


def layer_of(node_name, layer_paths):
    """The layer a node belongs to: the one it is named after, "<path>" or "<path>.<step>"."""
    return node_name if node_name in layer_paths else node_name.rsplit(".", 1)[0]


@pytest.mark.parametrize("features", [(4,), (5, 4), (3, 5, 4)])
def test_linear_is_gemm_on_two_axes_and_transpose_matmul_add_on_more(features, tmp_path):
    model = randomized(nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2, bias=False)))
    proto = tg_onnx.export(model, tg.randn(2, *features), tmp_path / "m.onnx")
    nodes = proto.graph.node
    if len(features) == 1:
        assert [(node.op_type, list(node.input)[1:]) for node in nodes] == [
            ("Gemm", ["0.weight", "0.bias"]), ("Gemm", ["1.weight"])]
        return
    assert [node.op_type for node in nodes] == ["Transpose", "MatMul", "Add", "Transpose", "MatMul"]
    transposes = [node for node in nodes if node.op_type == "Transpose"]
    assert [list(node.input) for node in transposes] == [["0.weight"], ["1.weight"]]  # the stored weight itself
    assert all(list(node.attribute[0].ints) == [1, 0] for node in transposes)
    assert [node.input[1] for node in nodes if node.op_type == "MatMul"] == [node.output[0] for node in transposes]
    assert list(nodes[2].input) == ["0.matmul.output", "0.bias"]
    output_dims = proto.graph.output[0].type.tensor_type.shape.dim
    assert [dim.dim_param or dim.dim_value for dim in output_dims] == ["batch", *features[:-1], 2]


def test_flatten_is_onnx_flatten_for_the_usual_range_and_a_reshape_otherwise(tmp_path):
    model, features, _ = build("flatten-inner-axes")
    proto = tg_onnx.export(model, tg.randn(1, *features), tmp_path / "m.onnx")
    assert [node.op_type for node in proto.graph.node] == ["Reshape", "Softmax", "Flatten", "Tanh"]
    assert proto.graph.node[2].attribute[0].i == 1


def test_shared_layer_reads_the_weights_stored_under_its_first_name(tmp_path):
    model, _, _ = build("shared-layer-subclass")
    proto = tg_onnx.export(model, tg.randn(1, 4), tmp_path / "m.onnx")
    gemm_weights = {node.name: node.input[1] for node in proto.graph.node if node.op_type == "Gemm"}
    assert gemm_weights["7"] == gemm_weights["4"] == "4.weight"


def test_batch_axis_is_dynamic_unless_asked_otherwise(ort, tmp_path):
    model = randomized(nn.Sequential(nn.Linear(3, 2), nn.Tanh()))
    dynamic = tg_onnx.export(model, tg.randn(5, 3), tmp_path / "dynamic.onnx")
    fixed = tg_onnx.export(model, tg.randn(5, 3), tmp_path / "fixed.onnx", dynamic_batch=False)
    for value in (dynamic.graph.input[0], dynamic.graph.output[0]):
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch"
    for value in (fixed.graph.input[0], fixed.graph.output[0]):
        assert value.type.tensor_type.shape.dim[0].dim_value == 5
    x = np.ones((2, 3), np.float32)
    assert run_session(ort, tmp_path / "dynamic.onnx", {"input": x}).shape == (2, 2)
    with pytest.raises(Exception, match="input"):  # onnxruntime's own error type: a fixed batch of 5 refuses 2
        run_session(ort, tmp_path / "fixed.onnx", {"input": x})


def test_model_in_train_mode_exports_dropout_as_eval_and_stays_in_train_mode(ort, tmp_path):
    model = randomized(nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))).train()
    proto = tg_onnx.export(model, tg.randn(3, 4), tmp_path / "m.onnx")
    assert all(module.training for module in model.modules())
    assert [node.op_type for node in proto.graph.node] == ["Gemm", "Relu", "Identity", "Gemm"]
    assert "eval mode" in proto.graph.node[2].doc_string
    x = np.random.default_rng(2).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(run_session(ort, tmp_path / "m.onnx", {"input": x}), eval_forward(model, x),
                               rtol=0, atol=1e-5)


def test_names_and_opset_are_the_callers(onnx, ort, tmp_path):
    model = randomized(nn.Sequential(nn.Linear(3, 2), nn.LogSoftmax()))
    proto = tg_onnx.export(model, tg.randn(1, 3), tmp_path / "m.onnx", input_names=["images"],
                           output_names=["log_probs"], opset_version=13)
    assert (proto.graph.input[0].name, proto.graph.output[0].name) == ("images", "log_probs")
    assert [(opset.domain, opset.version) for opset in proto.opset_import] == [("", 13)]
    assert proto.ir_version == onnx.helper.find_min_ir_version_for(proto.opset_import)
    x = np.ones((4, 3), np.float32)
    np.testing.assert_allclose(run_session(ort, tmp_path / "m.onnx", {"images": x}), eval_forward(model, x),
                               rtol=0, atol=1e-5)


def test_unsupported_module_is_named_by_path_and_class_with_the_supported_list(onnx, tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.Sequential(nn.ReLU(), Square()))
    with pytest.raises(tg_onnx.UnsupportedModuleError, match=r"module '1\.1' is a Square") as error:
        tg_onnx.export(model, tg.randn(2, 4), tmp_path / "m.onnx")
    assert all(name in str(error.value) for name in ("Sequential", "Linear", "LogSoftmax", "Dropout", "Flatten"))
    with pytest.raises(tg_onnx.UnsupportedModuleError, match="'0' is a DoubledReLU"):
        tg_onnx.export(nn.Sequential(DoubledReLU()), tg.randn(2, 4), tmp_path / "m.onnx")
    with pytest.raises(tg_onnx.UnsupportedModuleError, match="the model is a Square"):
        tg_onnx.export(Square(), tg.randn(2, 4), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


BAD_INPUTS = [
    (tg.randn(2, 5), ShapeError, r"layer '0' \(Linear.*\(2, 5\).*\(3, 4\)"),
    (tg.randn(2, 4, dtype="float64"), DTypeError, "layer '0'.*float64.*float32"),
    (np.ones((2, 4), np.int64), DTypeError, "float32 or float64.*int64"),
    (np.ones((4,), np.float32), ShapeError, r"\(4,\).*both the batch axis and the features"),
    (np.ones((0, 4), np.float32), ShapeError, r"batch axis.*\(0, 4\)"),
    ([[1.0, 2.0, 3.0, 4.0]], TypeError, "Tensor or a numpy array, got list"),
]


@pytest.mark.parametrize("example_input, error, message", BAD_INPUTS)
def test_example_input_that_does_not_fit_gets_a_clear_error_and_no_file(example_input, error, message, onnx,
                                                                       tmp_path):
    with pytest.raises(error, match=message):
        tg_onnx.export(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), example_input, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_flatten_into_the_batch_axis_needs_a_fixed_batch(ort, tmp_path):
    model = nn.Sequential(nn.Flatten(start_dim=0), nn.Softmax(axis=0))
    with pytest.raises(ShapeError, match="start_dim=0.*batch axis.*dynamic_batch=False"):
        tg_onnx.export(model, tg.randn(2, 3), tmp_path / "m.onnx")
    tg_onnx.export(model, tg.randn(2, 3), tmp_path / "m.onnx", dynamic_batch=False)
    x = np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(run_session(ort, tmp_path / "m.onnx", {"input": x}), eval_forward(model, x),
                               rtol=0, atol=1e-5)


@pytest.mark.parametrize("options, message", [
    ({"opset_version": 11}, "opset_version must be an int from 13.*got 11"),
    ({"input_names": "x"}, "input_names must be a list of one non-empty name, got 'x'"),
    ({"output_names": ["a", "b"]}, "output_names must be a list of one"),
    ({"input_names": ["0.weight"]}, r"\['0\.weight'\] clash"),
    ({"input_names": ["same"], "output_names": ["same"]}, r"\['same'\] clash"),
])
def test_bad_options_are_refused_naming_the_value(options, message, onnx, tmp_path):
    with pytest.raises(ValueError, match=message):
        tg_onnx.export(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), tg.randn(2, 4), tmp_path / "m.onnx", **options)


def test_empty_model_is_refused(onnx, tmp_path):
    with pytest.raises(ValueError, match="no layers"):
        tg_onnx.export(nn.Sequential(), tg.randn(2, 4), tmp_path / "m.onnx")


def test_without_onnx_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` fail as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'tinygrad_edu\[onnx\]'"):
        tg_onnx.export(nn.Sequential(nn.ReLU()), tg.randn(2, 4), tmp_path / "m.onnx")


def test_importing_the_package_and_the_module_leaves_onnx_unimported():
    code = "import sys, tinygrad_edu, tinygrad_edu.onnx; print('onnx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
