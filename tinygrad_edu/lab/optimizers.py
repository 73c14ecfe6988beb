"""Optimizers by name for the labs: "adam", ("sgd", {"lr": 0.1}), "momentum:lr=0.05", "lookahead:inner=adam", ...

A name is matched case-insensitively against the optimizer classes `tinygrad_edu.optim` exports, so a new
class there is available here with no change. Three teaching names are spelled out as SGD settings, and
"lookahead" wraps any of them.
"""
import ast

from .. import optim
from .choices import LabError, choose

# Lecture names that are SGD with particular settings rather than classes of their own. Momentum takes the
# lectures' form h ← μh + ηg, θ ← θ − h, so the optimizer's state is the lecture's h (the same path as
# PyTorch's form while η is constant; see optim.SGD).
ALIASES = {
    "gd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9, "momentum_style": "lecture"}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True, "momentum_style": "lecture"}),
}
DEFAULT_LOOKAHEAD_INNER = "adam"


def lookahead(params, inner=DEFAULT_LOOKAHEAD_INNER, k=5, alpha=0.5, **inner_settings):
    """optim.Lookahead around the optimizer named `inner` ("adam", "momentum", any name resolve knows),
    made with inner_settings (e.g. lr): k steps with it, then φ ← φ + α(θ − φ), θ ← φ.

    As text: "lookahead", "lookahead:inner=momentum,lr=0.01,k=10,alpha=0.8".
    """
    _, make_inner, preset = resolve(inner)
    return optim.Lookahead(make_inner(params, **{**preset, **inner_settings}), k=k, alpha=alpha)


def optimizer_classes():
    """{lower-case name: class} for every Optimizer subclass in tinygrad_edu.optim."""
    return {name.lower(): value for name, value in vars(optim).items()
            if isinstance(value, type) and issubclass(value, optim.Optimizer) and value is not optim.Optimizer}


def resolve(spec):
    """(label, make, keyword arguments) for a name, a "name:key=value,..." string or a (name, kwargs) pair;
    make(params, **kwargs) builds the optimizer (an optim class, or `lookahead` for "lookahead")."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    name, kwargs = (spec, {}) if isinstance(spec, str) else _pair(spec)
    classes = optimizer_classes()
    table = {key: (cls, {}) for key, cls in classes.items()}
    table.update({alias: (classes[class_name.lower()], preset) for alias, (class_name, preset) in ALIASES.items()})
    table["lookahead"] = (lookahead, {})
    make, preset = choose("optimizer", name, table)
    return _label(name, kwargs), make, {**preset, **kwargs}


def _label(name, settings):
    """"adam" for a bare name, "adam(lr=0.1)" when settings were given: the legend entry of a run."""
    return name if not settings else f"{name}({', '.join(f'{k}={v}' for k, v in settings.items())})"


def spec_list(value):
    """A list of optimizer specs from one spec ("adam", ("adam", {...})) or from a list of them."""
    one = isinstance(value, str) or (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict))
    return [value] if one else list(value)


def unique_labels(specs):
    """The label of each spec, numbered ("adam", "adam #2") where two specs would share one."""
    labels, seen = [], {}
    for spec in specs:
        text = resolve(spec)[0]
        seen[text] = seen.get(text, 0) + 1
        labels.append(text if seen[text] == 1 else f"{text} #{seen[text]}")
    return labels


def parse_spec(text):
    """The command line's form: "adam" -> "adam", "adam:lr=0.1,amsgrad=True" -> ("adam", {"lr": 0.1, "amsgrad": True}).

    A bare word is text: "lookahead:inner=adam" -> ("lookahead", {"inner": "adam"}).
    """
    name, _, settings = text.partition(":")
    if not settings:
        return name
    try:
        call = ast.parse(f"f({settings})", mode="eval").body
        if call.args or any(keyword.arg is None for keyword in call.keywords):
            raise ValueError("only name=value settings")
        return name, {keyword.arg: _setting(keyword.value) for keyword in call.keywords}
    except (SyntaxError, ValueError) as exc:
        raise LabError(f"cannot read the optimizer settings in {text!r} ({exc}); "
                       "write them as name:key=value,key=value, e.g. adam:lr=0.1,betas=(0.9,0.99)") from None


def _setting(node):
    """The value of one setting: a Python literal (0.1, True, (0.9, 0.99)), or a bare word as its text."""
    return node.id if isinstance(node, ast.Name) else ast.literal_eval(node)


def _pair(spec):
    try:
        name, kwargs = spec
    except (TypeError, ValueError):
        raise LabError(f"an optimizer is a name like 'adam' or a pair like ('adam', {{'lr': 0.1}}), "
                       f"got {spec!r}") from None
    if not isinstance(name, str) or not isinstance(kwargs, dict):
        raise LabError(f"an optimizer pair is (name, dict of settings), got {spec!r}")
    return name, kwargs
