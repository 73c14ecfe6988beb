"""Checkpoints: nested state round trips, atomic writes, and clear errors for files that are not checkpoints."""
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import checkpoint, nn, optim, train
from tinygrad_edu.checkpoint import CheckpointError


def nested_state():
    return {
        "model": {"0.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "0.bias": tg.tensor([1.0, 2.0])},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.zeros(3)}, 1: {"step": 3, "exp_avg": np.ones(2)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False,
                                        "maximize": None}]},
        "epoch": 7, "best": float("inf"), "name": "run/1", "scalar": np.float64(0.5),
    }


def test_nested_state_round_trips_with_int_keys_tuples_and_dtypes(tmp_path):
    path = tmp_path / "ckpt.npz"
    checkpoint.save(nested_state(), path)
    loaded = checkpoint.load(path)
    assert loaded["epoch"] == 7 and loaded["best"] == float("inf") and loaded["name"] == "run/1"
    assert loaded["scalar"] == 0.5 and loaded["scalar"].dtype == np.float64
    assert list(loaded["optimizer"]["state"]) == [0, 1]
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert loaded["optimizer"]["param_groups"][0]["maximize"] is None
    assert loaded["model"]["0.weight"].dtype == np.float32
    np.testing.assert_array_equal(loaded["model"]["0.bias"], [1.0, 2.0])
    # the documented layout: one npz entry per array, named by its key path
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["__checkpoint__", "model/0.bias", "model/0.weight", "optimizer/state/0/exp_avg",
                                     "optimizer/state/1/exp_avg", "scalar"]


def test_model_and_optimizer_resume_exactly(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, y = tg.randn(8, 3), np.arange(8) % 2

    def step(model, opt):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    step(model, opt)
    train.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "a.npz")
    resumed = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    resumed_opt = optim.Adam(resumed.parameters(), lr=0.5)
    state = train.load(tmp_path / "a.npz")
    resumed.load_state_dict(state["model"])
    resumed_opt.load_state_dict(state["optimizer"])
    step(model, opt)
    step(resumed, resumed_opt)
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_crash_mid_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    checkpoint.save({"epoch": 1, "w": np.ones(3)}, path)

    def crash(member, array, **options):
        member.write(b"\x93NUMPY half an array")
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save({"epoch": 2, "w": np.zeros(3)}, path)
    assert checkpoint.load(path)["epoch"] == 1
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_unstorable_values_are_rejected_before_writing(tmp_path):
    with pytest.raises(CheckpointError, match="cannot store set at extra"):
        checkpoint.save({"extra": {1, 2}}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="keys must be str or int"):
        checkpoint.save({(1, 2): 3}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


def write_pickled_npz(path):
    header = {"format": checkpoint.FORMAT, "version": checkpoint.VERSION, "tree": {"array": "obj"}}
    np.savez(path, __checkpoint__=np.array(json.dumps(header)), obj=np.array([{"a": 1}], dtype=object))


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("hello, not a checkpoint"), "wrong magic b'hello,'"),
    (lambda p: p.write_bytes(pickle.dumps({"a": 1})), "wrong magic"),
    (lambda p: np.save(p.open("wb"), np.ones(3)), "single .npy array"),
    (lambda p: np.savez(p, weights=np.ones(3)), "no entry '__checkpoint__'"),
    (write_pickled_npz, "entry 'obj' holds dtype object.*read without pickle"),
    (lambda p: np.savez(p, __checkpoint__=np.array('{"format": "other"}')), "not a tinygrad_edu checkpoint header"),
    (lambda p: np.savez(p, __checkpoint__=np.array("{broken json")), "not a readable checkpoint"),
])
def test_files_that_are_not_checkpoints_raise_checkpoint_error(tmp_path, make, message):
    path = tmp_path / "bad.npz"
    make(path)
    with pytest.raises(CheckpointError, match=message):
        checkpoint.load(path)


def test_truncated_checkpoint_raises_checkpoint_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    checkpoint.save({"w": np.ones((100, 100))}, path)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(CheckpointError, match="ckpt.npz: not a complete zip archive, truncated or damaged"):
        checkpoint.load(path)
    assert isinstance(CheckpointError("x"), ValueError)


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        checkpoint.load(tmp_path / "absent.npz")


def test_checkpoint_is_a_plain_zip_of_npy_files(tmp_path):
    path = tmp_path / "c.npz"
    checkpoint.save({"w": np.ones(2)}, path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["__checkpoint__.npy", "w.npy"]
