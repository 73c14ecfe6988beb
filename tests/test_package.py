"""The package surface: sub-packages as attributes, checkpoint functions at the top, light start-up."""
import subprocess
import sys

import tinygrad_edu as tg


def test_subpackages_are_attributes_of_the_package():
    for name in ("nn", "optim", "data", "train"):
        assert getattr(tg, name).__name__ == f"tinygrad_edu.{name}"
    assert tg.save is tg.train.save and tg.load is tg.train.load


def test_lazy_subpackages_load_on_first_use_without_plotting():
    code = ("import sys, tinygrad_edu as tg; tg.viz, tg.lab; "
            "print(tg.viz.__name__, tg.lab.__name__, 'matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["tinygrad_edu.viz", "tinygrad_edu.lab", "False"]


def test_second_order_tools_at_the_top():
    x = tg.tensor([1.0, 2.0], dtype="float64")
    hessian = tg.hessian(lambda t: (t * t * t).sum(), x)  # diag(6x)
    assert abs(hessian[0, 0] - 6.0) < 1e-6 and abs(hessian[1, 1] - 12.0) < 1e-6 and abs(hessian[0, 1]) < 1e-6


def test_unknown_attribute_is_an_attribute_error():
    try:
        tg.no_such_thing
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:
        raise AssertionError("expected AttributeError")


def test_import_does_not_pull_in_optional_dependencies():
    code = ("import sys, tinygrad_edu; "
            "print(sorted(m for m in ('matplotlib', 'tqdm', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
