"""Module, Parameter, Sequential: the containers that hold weights and compose layers.

Assigning a `Parameter` or a `Module` to an attribute registers it (that is all `__setattr__` does), so
`parameters()`, `state_dict()` and `train()/eval()` find everything without being told. State-dict keys
are the attribute paths joined by dots (`0.weight`, `encoder.fc.bias`), the same names PyTorch gives the
same architecture, so weights move between the two one to one.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from .. import backend
from ..errors import ShapeError, TinygradEduError
from ..dtypes import as_dtype
from ..tensor import Tensor


class StateDictError(TinygradEduError, KeyError):
    """load_state_dict got keys that do not match the model's parameters."""

    def __str__(self):  # KeyError would print the message with quotes around it
        return str(self.args[0])


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Parameter(Tensor):
    """A Tensor that is a weight of a Module: requires grad by default and is registered on assignment."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter(" + super().__repr__() + ")"


class Module:
    """Base class of every layer and model: subclass it, assign Parameters/Modules in __init__, write forward()."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration -----------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.__init__ must call super().__init__() "
                                 f"before assigning attribute {name!r}")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        # Registered values are plain attributes too: a layer reads its weights on every call, and a lookup
        # that fell through to __getattr__ would run Python code each time (see docs/performance.md, Module).
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register `param` under `name`; None removes it (e.g. a Linear built with bias=False)."""
        setattr(self, name, param if param is None or isinstance(param, Parameter) else Parameter(param))

    def add_module(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}, ...) expects a Module, got {type(module).__name__}")
        setattr(self, name, module)

    # ---- traversal --------------------------------------------------------------------------------------
    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def named_modules(self, prefix=""):
        """This module and every module inside it, with dotted names ("" for self)."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_parameters(self):
        """(dotted name, Parameter) for every parameter; a parameter shared by two layers appears once."""
        seen = set()
        for prefix, module in self.named_modules():
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{prefix}.{name}" if prefix else name), param

    def parameters(self):
        return (param for _, param in self.named_parameters())

    def num_parameters(self):
        return sum(p.size for p in self.parameters())

    # ---- modes, gradients, dtype --------------------------------------------------------------------------
    def train(self, mode=True):
        """Training mode (Dropout active) for this module and all inside it; returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: Dropout off. Does not stop gradients (use no_grad() for that)."""
        return self.train(False)

    def zero_grad(self):
        """Forget accumulated gradients (grad = None, so the next backward starts fresh)."""
        for param in self.parameters():
            param.grad = None

    def to(self, dtype):
        """Cast every parameter to `dtype` in place (the Parameter objects stay, so optimizers keep working)."""
        dtype = as_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: parameters must be floating point, got {dtype}")
        for param in self.parameters():
            cast = backend.empty_aligned(param.shape, dtype)  # aligned like a new layer's weights
            cast[...] = param.data
            param.data = cast
            param.grad = None
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # ---- state dicts --------------------------------------------------------------------------------------
    def state_dict(self):
        """OrderedDict of dotted name -> numpy array (a copy: a snapshot that later training does not change)."""
        return OrderedDict((name, param.data.copy()) for name, param in self.named_parameters())

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (numpy arrays, Tensors, or anything np.asarray takes) into the parameters, in place.

        strict=True: the keys must match exactly, else StateDictError lists the missing and unexpected ones.
        Shapes must always match (ShapeError). Values are cast to each parameter's dtype.
        Returns (missing_keys, unexpected_keys).
        """
        own = dict(self.named_parameters())
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        if strict and (missing or unexpected):
            raise StateDictError(f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                                 f"unexpected keys {unexpected} (the model has {list(own)})")
        values = {}
        for key, param in own.items():
            if key in state_dict:
                value = state_dict[key]
                value = value.data if isinstance(value, Tensor) else np.asarray(value)
                if value.shape != param.shape:
                    raise ShapeError(f"load_state_dict: {key!r} has shape {value.shape} in the state dict "
                                     f"but {param.shape} in the model")
                values[key] = value
        for key, value in values.items():  # copy only once everything is checked: all or nothing
            np.copyto(own[key].data, value, casting="unsafe")
            own[key].mark_modified()
        return IncompatibleKeys(missing, unexpected)

    # ---- calling and printing -----------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def extra_repr(self):
        """The part inside the parentheses of this module's repr line (e.g. in_features=2, out_features=3)."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        extra = self.extra_repr()
        return f"{type(self).__name__}(" + (extra + "," if extra else "") + \
            "".join("\n  " + line for line in lines) + "\n)"


class Sequential(Module):
    """Layers applied in order: Sequential(a, b, c)(x) = c(b(a(x))); children are named "0", "1", ..."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        if isinstance(index, slice):  # keeps the original names, so state-dict keys still match
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[index]

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x
