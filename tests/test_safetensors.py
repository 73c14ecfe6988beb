"""tg.save / tg.load choose .safetensors by the suffix: PyTorch's keys and shapes, refusals with CheckpointError."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.checkpoint import CheckpointError

pytest.importorskip("safetensors", reason="the safetensors package is not installed (pip install safetensors)")


def small_model():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_a_state_dict_round_trips_with_names_shapes_and_dtypes(tmp_path):
    model = small_model()
    path = tmp_path / "model.safetensors"
    tg.save(model.state_dict(), path)
    loaded = tg.load(path)
    assert set(loaded) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype and np.array_equal(loaded[key], value.data)
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    other.load_state_dict(loaded)
    x = tg.randn(5, 4)
    assert np.array_equal(other(x).data, model(x).data)
    state = {"w64": np.arange(6.0).reshape(2, 3), "steps": np.array([3, 4], np.int64), "mask": np.array([True])}
    tg.save(state, tmp_path / "mixed.safetensors")
    back = tg.load(tmp_path / "mixed.safetensors")
    assert all(back[k].dtype == v.dtype and np.array_equal(back[k], v) for k, v in state.items())


def test_pytorch_reads_the_file_into_the_same_model(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    from safetensors.torch import load_file
    model = small_model()
    path = tmp_path / "model.safetensors"
    tg.save(model.state_dict(), path)
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    torch_model.load_state_dict(load_file(str(path)))
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(tg.tensor(x)).data, theirs, rtol=1e-5, atol=1e-6)


def test_a_file_pytorch_wrote_loads_here(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    from safetensors.torch import save_file
    torch.manual_seed(0)
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    save_file(torch_model.state_dict(), str(tmp_path / "torch.safetensors"))
    model = small_model()
    model.load_state_dict(tg.load(tmp_path / "torch.safetensors"))
    x = np.ones((2, 4), np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(model(tg.tensor(x)).data, torch_model(torch.from_numpy(x)).numpy(), rtol=1e-5)


@pytest.mark.parametrize("state, message", [
    ({"model": {"0.weight": np.ones(2)}}, "only arrays"),
    ({"lr": 0.1}, "only arrays"),
    ({1: np.ones(2)}, "strings"),
    ([np.ones(2)], "flat dict"),
    ({"z": np.ones(2, np.complex64)}, "dtype complex64"),
])
def test_what_the_format_cannot_hold_is_refused_before_writing(tmp_path, state, message):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(CheckpointError, match=message):
        tg.save(state, path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"\x08\x00\x00\x00\x00\x00\x00\x00not json", b"\xff" * 8 + b"{}",
                                     b"PK\x03\x04 not safetensors at all"])
def test_a_malformed_file_is_a_checkpoint_error_naming_it(tmp_path, content):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="broken.safetensors"):
        tg.load(path)


def test_a_truncated_file_is_refused(tmp_path):
    path = tmp_path / "model.safetensors"
    tg.save(small_model().state_dict(), path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match="model.safetensors"):
        tg.load(path)


def test_without_the_package_the_error_names_the_extra(tmp_path, hide_package):
    hide_package("safetensors")
    with pytest.raises(ImportError, match=r"tinygrad_edu\[safetensors\]"):
        tg.save(small_model().state_dict(), tmp_path / "m.safetensors")
