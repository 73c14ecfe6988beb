"""Export an `nn.Sequential` model to ONNX, the file other runtimes (onnxruntime, browsers, phones) run and
Netron draws.

    import tinygrad_edu as tg
    from tinygrad_edu import nn
    import tinygrad_edu.onnx

    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    tinygrad_edu.onnx.export(model, tg.randn(1, 1, 28, 28), "mlp.onnx")

    import onnxruntime                                       # elsewhere: any batch size, no tinygrad_edu needed
    session = onnxruntime.InferenceSession("mlp.onnx")
    logits = session.run(None, {"input": images.astype("float32")})[0]

Like `torch.onnx.export`, `export` runs the model once on `example_input`: that checks the input fits and
gives every intermediate shape. Axis 0 of the input and the output is the batch axis, left dynamic (named
"batch") unless `dynamic_batch=False`; the other axes keep the example's sizes. Each layer becomes an ONNX node
named by its path in the model ("0", "2.1", ...), and the weights are stored as initializers under their
state-dict names ("1.weight", "1.bias"), the names PyTorch gives the same architecture. Dropout is exported as
in eval mode (the identity), whatever mode the model is in; the model itself is left as it was.

Linear works on the last axis of inputs with any number of leading axes, as our forward does: on a 2-D input
(batch, features) it is one Gemm node; on (batch, seq, features) and more axes, where Gemm does not apply, it
is three nodes, Transpose of the weight, MatMul and Add of the bias, named "<path>.weight_transposed",
"<path>.matmul" and "<path>" (a layer's last node always carries its path and writes "<path>.output").

Supported: Sequential (nested too) of Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Flatten,
Identity and Dropout, in float32 or float64. The file is written with the `onnx` package, an optional extra:
`pip install 'tinygrad_edu[onnx]'`. It is imported only when `export` runs, so `import tinygrad_edu` stays free
of it.
"""

import numpy as np

from tinygrad_edu import __version__
from tinygrad_edu.autograd_mode import no_grad
from tinygrad_edu.checkpoint import write_atomically
from tinygrad_edu.errors import DTypeError, ShapeError, TinygradEduError
from tinygrad_edu.nn import layers
from tinygrad_edu.nn.module import Sequential
from tinygrad_edu.tensor import Tensor

DEFAULT_OPSET = 17
MIN_OPSET = 13  # from opset 13 on, Softmax/LogSoftmax normalise along one axis; before, over all axes from `axis` on
BATCH_AXIS_NAME = "batch"


class UnsupportedModuleError(TinygradEduError, TypeError):
    """The model holds a module that has no ONNX translation here."""


def _import_onnx():
    try:
        import onnx
    except ImportError as err:
        raise ImportError("tinygrad_edu.onnx.export writes the file with the onnx package, which is not installed: "
                          "pip install 'tinygrad_edu[onnx]'") from err
    return onnx


# ---- each layer's ONNX nodes -------------------------------------------------------------------------------------
def _linear(graph, layer, shape):
    """y = x·Wᵀ + b over the last axis of x, with W (out, in) and b stored as the state dict holds them.

    A 2-D x (batch, in) is one Gemm, Y = A·B' + C with A = x, B' = Bᵀ (transB=1), B = W, C = b. Gemm takes 2-D
    inputs only, so an x of 3 or more axes (batch, ..., in) takes three nodes: Transpose(W) = Wᵀ (in, out), then
    MatMul(x, Wᵀ), which like numpy's matmul multiplies the last two axes and keeps the leading ones (the batch
    axis among them), then Add(·, b), which broadcasts b over every leading axis. Transposing inside the graph
    keeps W itself as the initializer, so the file's weights are still the state dict's arrays."""
    if len(shape) < 2:
        raise ShapeError(f"Linear gets an input of shape {shape}: the one axis would be both the batch axis and the "
                         f"features; ONNX export needs (batch, ..., features)")
    weight = graph.param_names[id(layer.weight)]
    bias = [graph.param_names[id(layer.bias)]] if layer.bias is not None else []
    if len(shape) == 2:
        graph.node("Gemm", [weight, *bias], transB=1)
        return
    weight_transposed = graph.side_node("Transpose", [weight], "weight_transposed", perm=[1, 0])
    graph.node("MatMul", [weight_transposed], step="matmul" if bias else None)
    if bias:
        graph.node("Add", bias)


def _leaky_relu(graph, layer, shape):
    """LeakyRelu: y = x if x ≥ 0 else alpha·x, with alpha = negative_slope."""
    graph.node("LeakyRelu", alpha=float(layer.negative_slope))


def _softmax(graph, layer, shape):
    """Softmax / LogSoftmax along `axis`, as the layer computes it (opset ≥ 13 reads axis as that one axis)."""
    graph.node(type(layer).__name__, axis=int(layer.axis))


def _flatten(graph, layer, shape):
    """Merge axes start..end. ONNX's Flatten(axis=1) gives (batch, everything else), the usual case; any other
    range becomes a Reshape to [0, …, 0, −1, trailing sizes]: 0 keeps that input axis (the batch axis among them,
    so it stays dynamic) and −1 takes whatever size is left, the product of the merged axes."""
    ndim = max(len(shape), 1)
    start, end = layer.start_dim % ndim, layer.end_dim % ndim
    if start == 0 < end and graph.dynamic_batch:
        raise ShapeError(f"Flatten(start_dim={layer.start_dim}, end_dim={layer.end_dim}) merges the batch axis of "
                         f"its input of shape {shape} into others, so the output has no batch axis left to keep "
                         f"dynamic: use start_dim=1, or export with dynamic_batch=False")
    if (start, end) == (1, ndim - 1):
        graph.node("Flatten", axis=1)
    else:
        target = [0] * start + [-1] + list(shape[end + 1:])
        graph.node("Reshape", [graph.constant("shape", np.array(target, dtype=np.int64))])


def _elementwise(op_type):
    """A converter for a layer that is one ONNX op applied to each element, with no attributes."""
    def convert(graph, layer, shape):
        graph.node(op_type)
    return convert


_CONVERTERS = {
    layers.Linear: _linear,
    layers.ReLU: _elementwise("Relu"),
    layers.LeakyReLU: _leaky_relu,
    layers.Sigmoid: _elementwise("Sigmoid"),
    layers.Tanh: _elementwise("Tanh"),
    layers.Softmax: _softmax,
    layers.LogSoftmax: _softmax,
    layers.Flatten: _flatten,
    layers.Identity: _elementwise("Identity"),
    layers.Dropout: _elementwise("Identity"),  # eval mode: y = x
}
SUPPORTED = ("Sequential",) + tuple(cls.__name__ for cls in _CONVERTERS)


def _supported_class(module, classes):
    """The class in `classes` whose forward `module` runs (a subclass that only changes __init__ counts), or None."""
    for cls in type(module).__mro__:
        if cls in classes:
            return cls if type(module).forward is cls.forward else None
    return None


def _layers_in_order(module, path=""):
    """(path, layer) for every layer the model applies, in order, looking inside (nested) Sequentials."""
    if _supported_class(module, (Sequential,)):
        for name, child in module.named_children():
            yield from _layers_in_order(child, f"{path}.{name}" if path else name)
    elif _supported_class(module, _CONVERTERS):
        yield path, module
    else:
        where = f"module {path!r}" if path else "the model"
        raise UnsupportedModuleError(f"export: {where} is a {type(module).__name__}, which has no ONNX export; "
                                     f"supported: {', '.join(SUPPORTED)}")


# ---- building the graph ------------------------------------------------------------------------------------------
class _GraphBuilder:
    """Collects the nodes and initializers; `value` is the name of the tensor the next layer reads."""

    def __init__(self, onnx, model, input_name, dynamic_batch):
        self.onnx, self.dynamic_batch = onnx, dynamic_batch
        self.param_names = {id(param): name for name, param in model.named_parameters()}
        self.initializers = [onnx.numpy_helper.from_array(np.ascontiguousarray(param.data), name)
                             for name, param in model.named_parameters()]
        self.nodes, self.value, self.path = [], input_name, ""

    def _qualified(self, suffix):
        """`<path>.<suffix>`, the name of something that belongs to the current layer."""
        return f"{self.path}.{suffix}" if self.path else suffix

    def constant(self, suffix, array):
        """A constant input of the current layer's node (e.g. a Reshape's target shape), named `<path>.<suffix>`."""
        name = self._qualified(suffix)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def _append(self, op_type, inputs, name, output, attributes):
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [output], name=name, **attributes))
        return output

    def node(self, op_type, extra_inputs=(), step=None, **attributes):
        """Append `op_type` applied to the current value (and `extra_inputs`); its output becomes the value.
        A layer's last node is named by the layer's path and writes `<path>.output`; a node before it names its
        `step` within the layer: node `<path>.<step>`, output `<path>.<step>.output`."""
        name = self._qualified(step) if step else self.path or op_type
        output = self._qualified(f"{step}.output" if step else "output")
        self.value = self._append(op_type, [self.value, *extra_inputs], name, output, attributes)

    def side_node(self, op_type, inputs, step, **attributes):
        """Append `op_type` applied to `inputs` only (e.g. a weight), named `<path>.<step>`; returns its output's
        name, `<path>.<step>.output`, and leaves the current value as it was."""
        return self._append(op_type, inputs, self._qualified(step), self._qualified(f"{step}.output"), attributes)

    def add_layer(self, path, layer, x):
        """The layer's nodes (its repr as the last one's doc string); returns the layer's eval-mode output on `x`."""
        self.path = path
        kind = _supported_class(layer, _CONVERTERS)
        _CONVERTERS[kind](self, layer, x.shape)
        dropout = kind is layers.Dropout  # run as in eval mode even when the model is training
        self.nodes[-1].doc_string = repr(layer) + (": the identity in eval mode" if dropout else "")
        return x if dropout else layer(x)

    def names_taken(self):
        """Every name in the graph but the final output's: the weights, constants and intermediate values."""
        return {tensor.name for tensor in self.initializers} | {node.output[0] for node in self.nodes[:-1]}


def _run_layers(graph, layer_list, x):
    """Feed `x` through every layer while its node is added; a layer that rejects its input says which it is."""
    for path, layer in layer_list:
        try:
            x = graph.add_layer(path, layer, x)
        except (ShapeError, DTypeError) as err:
            where = f"layer {path!r}" if path else "the model"
            raise type(err)(f"export: example_input does not fit {where} ({layer!r}): {err}") from err
    return x


# ---- checking the arguments --------------------------------------------------------------------------------------
def _example_tensor(example_input):
    """example_input as a Tensor of float32 or float64 with a batch axis first."""
    if not isinstance(example_input, (Tensor, np.ndarray)):
        raise TypeError(f"export: example_input must be a Tensor or a numpy array, "
                        f"got {type(example_input).__name__}")
    data = example_input.data if isinstance(example_input, Tensor) else example_input
    if data.dtype not in (np.float32, np.float64):
        raise DTypeError(f"export: example_input must be float32 or float64 (ONNX gets the model's dtype), "
                         f"got {data.dtype}")
    if data.ndim == 0 or data.shape[0] == 0:
        raise ShapeError(f"export: example_input needs a batch axis first, of at least one example: "
                         f"shape (batch, ...), got {data.shape}")
    return Tensor(data)


def _one_name(names, default, what):
    if names is None:
        return default
    if isinstance(names, str) or len(names) != 1 or not isinstance(names[0], str) or not names[0]:
        raise ValueError(f"export: {what} must be a list of one non-empty name, got {names!r}")
    return names[0]


def _check_names_free(graph, names):
    clashes = sorted(graph.names_taken() & set(names)) + ([names[0]] if names[0] == names[1] else [])
    if clashes:
        raise ValueError(f"export: input and output names must differ from each other and from the names inside "
                         f"the graph (weights such as '0.weight', values such as '0.output'): {clashes} clash")


def _check_opset(onnx, opset_version):
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= newest:
        raise ValueError(f"export: opset_version must be an int from {MIN_OPSET} to {newest} (the installed onnx "
                         f"package's newest), got {opset_version!r}")


# ---- assembling the file -----------------------------------------------------------------------------------------
def _value_info(onnx, name, dtype, shape, dynamic_batch):
    dims = [BATCH_AXIS_NAME if dynamic_batch and axis == 0 else size for axis, size in enumerate(shape)]
    element_type = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return onnx.helper.make_tensor_value_info(name, element_type, dims)


def _model_proto(onnx, graph, model, names, shapes, dtype, opset_version):
    """The ModelProto: the graph's nodes between the named input and output, with the lowest IR version that
    knows the opset, so older runtimes open it too."""
    (input_name, output_name), (input_shape, output_shape) = names, shapes
    graph.nodes[-1].output[0] = output_name
    graph_proto = onnx.helper.make_graph(
        graph.nodes, type(model).__name__,
        [_value_info(onnx, input_name, dtype, input_shape, graph.dynamic_batch)],
        [_value_info(onnx, output_name, dtype, output_shape, graph.dynamic_batch)],
        initializer=graph.initializers)
    opsets = [onnx.helper.make_opsetid("", opset_version)]
    proto = onnx.helper.make_model(graph_proto, opset_imports=opsets, producer_name="tinygrad_edu",
                                   producer_version=__version__)
    proto.ir_version = onnx.helper.find_min_ir_version_for(opsets)
    return proto


def export(model, example_input, path, *, input_names=None, output_names=None, dynamic_batch=True,
           opset_version=DEFAULT_OPSET):
    """Write `model` to `path` as an ONNX file and return the checked `onnx.ModelProto`.

    model: a Sequential (nested ones too) of the supported layers, or one such layer.
    example_input: a Tensor or numpy array of shape (batch, ...) in the model's dtype; the model is run on it
        (without recording a graph) to check it fits and to learn every shape.
    input_names, output_names: lists of one name each, as in torch.onnx.export; default ["input"], ["output"].
    dynamic_batch: axis 0 of the input and the output takes any size (named "batch"); torch.onnx.export says the
        same with dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}. False fixes the example's size.
    opset_version: the ONNX operator set the file declares, 13 or newer (default 17).
    The result passes `onnx.checker.check_model(..., full_check=True)`, which also infers each node's output
    shape and compares it with the shapes found here.
    """
    onnx = _import_onnx()
    _check_opset(onnx, opset_version)
    names = (_one_name(input_names, "input", "input_names"), _one_name(output_names, "output", "output_names"))
    x = _example_tensor(example_input)
    layer_list = list(_layers_in_order(model))
    if not layer_list:
        raise ValueError("export: the model has no layers to export")
    graph = _GraphBuilder(onnx, model, names[0], dynamic_batch)
    with no_grad():
        y = _run_layers(graph, layer_list, x)
    _check_names_free(graph, names)
    proto = _model_proto(onnx, graph, model, names, (x.shape, y.shape), x.dtype, opset_version)
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    write_atomically(path, lambda file: file.write(data))
    return proto
