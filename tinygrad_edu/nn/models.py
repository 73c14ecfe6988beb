"""Ready-made networks built from the layers: the multi-layer perceptron of the lectures."""
from .layers import Dropout, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from .module import Sequential


def build_mlp(sizes, activation="relu", init="auto", dropout=0.0):
    """Linear → activation (→ Dropout) for each hidden layer, then a final Linear to the class logits."""
    layer_for = {"relu": ReLU, "leaky_relu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid}
    if init == "auto":
        init = "he" if activation in ("relu", "leaky_relu") else "xavier"
    layers = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [Linear(fan_in, fan_out, init=init), layer_for[activation]()]
        if dropout > 0:
            layers.append(Dropout(dropout))
    layers.append(Linear(sizes[-2], sizes[-1], init=init))
    return Sequential(*layers)
