"""Generated datasets, the IDX reader (on small files written here), the MNIST-family loaders, DataLoader and splits."""
import gzip
import os

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import data
from tinygrad_edu.data import DataLoader, DatasetNotFoundError, IDXError, TensorDataset


# ---- generated datasets --------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, n_classes", [(data.spirals, 3), (data.moons, 2), (data.circles, 2),
                                             (data.blobs, 3), (data.xor, 2)])
def test_generated_classification_sets(make, n_classes):
    X, y = make(n_samples=301, seed=7)
    assert X.shape == (301, 2) and X.dtype == np.float32
    assert y.shape == (301,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(n_classes))
    if make is not data.xor:  # xor's classes come from the draw, the others are split evenly
        assert np.bincount(y).max() - np.bincount(y).min() <= 1
    X2, y2 = make(n_samples=301, seed=7)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make(n_samples=301, seed=8)[0], X)


def test_generated_sets_follow_their_geometry():
    X, y = data.circles(n_samples=400, noise=0.0, factor=0.3, seed=0)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.3), rtol=1e-6)
    X, y = data.xor(n_samples=400, seed=0)
    np.testing.assert_array_equal(y, X[:, 0] * X[:, 1] < 0)
    X, y = data.spirals(n_samples=300, n_classes=5, seed=0)
    assert np.linalg.norm(X, axis=1).max() <= 1.0 + 1e-6 and len(np.unique(y)) == 5


def test_generated_sets_use_the_library_rng_without_a_seed():
    tg.manual_seed(5)
    first = data.moons(n_samples=50)[0]
    tg.manual_seed(5)
    np.testing.assert_array_equal(data.moons(n_samples=50)[0], first)


def test_linear_regression_recovers_its_coefficients():
    X, y, coef = data.linear_regression(n_samples=500, n_features=3, noise=0.01, bias=2.0, return_coef=True, seed=0)
    assert X.shape == (500, 3) and y.shape == (500, 1) and y.dtype == np.float32
    solution = np.linalg.lstsq(np.c_[X, np.ones(500)], y[:, 0], rcond=None)[0]
    np.testing.assert_allclose(solution, [*coef, 2.0], atol=0.01)


# ---- DataLoader and splits -----------------------------------------------------------------------------------------
def arrays(n=10):
    return np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n)


def test_dataloader_batches_in_order_as_tensors():
    X, y = arrays()
    batches = list(DataLoader((X, y), batch_size=4))
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    xb, yb = batches[0]
    assert isinstance(xb, tg.Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), y)
    assert len(DataLoader((X, y), batch_size=4, drop_last=True)) == 2
    assert [len(b[0]) for b in DataLoader((X, y), batch_size=4, drop_last=True)] == [4, 4]


def test_dataloader_shuffles_every_epoch_reproducibly():
    X, y = arrays(50)
    loader = DataLoader((X, y), batch_size=50, shuffle=True, seed=3)
    epoch1, epoch2 = (next(iter(loader))[1].data for _ in range(2))
    assert sorted(epoch1) == list(range(50)) and not np.array_equal(epoch1, epoch2)
    again = DataLoader((X, y), batch_size=50, shuffle=True, seed=3)
    np.testing.assert_array_equal(next(iter(again))[1].data, epoch1)
    xb, yb = next(iter(loader))
    np.testing.assert_array_equal(xb.data[:, 0], 2 * yb.data)  # rows stay paired
    tg.manual_seed(1)
    unseeded = next(iter(DataLoader((X, y), batch_size=50, shuffle=True)))[1].data
    tg.manual_seed(1)
    np.testing.assert_array_equal(next(iter(DataLoader((X, y), batch_size=50, shuffle=True)))[1].data, unseeded)


def test_dataloader_takes_any_indexable_dataset():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i], dtype=np.float32), i * i

    (xb, yb), = list(DataLoader(Squares(), batch_size=5))
    assert xb.shape == (5, 1) and yb.data.tolist() == [0, 1, 4, 9, 16]


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match=r"same first dimension.*\(10, 2\), \(9,\)"):
        TensorDataset(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(arrays(), batch_size=0)
    with pytest.raises(ValueError, match="add up"):
        data.random_split(TensorDataset(*arrays()), [3, 3])


def test_random_split_and_train_val_split_partition_the_data():
    X, y = arrays(10)
    parts = data.random_split(TensorDataset(X, y), [0.7, 0.3], seed=0)
    assert [len(p) for p in parts] == [7, 3]
    seen = np.concatenate([p[np.arange(len(p))][1] for p in parts])
    assert sorted(seen) == list(range(10))
    assert len(list(DataLoader(parts[0], batch_size=3))) == 3
    (X_tr, y_tr), (X_val, y_val) = data.train_val_split(X, y, val_fraction=0.2, seed=0)
    assert len(X_tr) == 8 and len(X_val) == 2
    assert sorted(np.concatenate([y_tr, y_val])) == list(range(10))
    np.testing.assert_array_equal(X_val[:, 0], 2 * y_val)


# ---- IDX files -------------------------------------------------------------------------------------------------------
def idx_bytes(array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype, code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C),
                                         (np.float32, 0x0D), (np.float64, 0x0E)])
@pytest.mark.parametrize("compress", [False, True])
def test_load_idx_reads_every_type_raw_and_gzipped(tmp_path, dtype, code, compress):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    content = idx_bytes(array, code)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    loaded = data.load_idx(path)
    assert loaded.dtype == dtype and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


@pytest.mark.parametrize("mangle, message", [
    (lambda b: b[:-3], "truncated: shape"),
    (lambda b: b + b"\x00", "trailing bytes"),
    (lambda b: b"\x01" + b[1:], "not an IDX file"),
    (lambda b: b[:2] + b"\x07" + b[3:], "unknown IDX type code 0x07"),
    (lambda b: b[:6], "truncated header"),
    (lambda b: gzip.compress(b)[:-10], "corrupt or truncated gzip"),
    (lambda b: gzip.compress(b)[:-8] + bytes(8), "corrupt or truncated gzip.*incorrect data check"),
    (lambda b: gzip.compress(b) + b"garbage", "corrupt or truncated gzip"),
    # damage inside the deflate data inflates to bytes that are no IDX header (or to a broken stream)
    (lambda b: gzip.compress(b)[:12] + b"garbage" * 5, "not an IDX file|corrupt or truncated gzip"),
])
def test_load_idx_rejects_damaged_files(tmp_path, mangle, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(mangle(idx_bytes(np.zeros((3, 4), dtype=np.uint8))))
    with pytest.raises(IDXError, match=message):
        data.load_idx(path)


def write_mnist_like(root, n_train=6, n_test=4, compress=True):
    rng = np.random.default_rng(0)
    os.makedirs(root, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        files = {f"{prefix}-images-idx3-ubyte": rng.integers(0, 256, (n, 28, 28)).astype(np.uint8),
                 f"{prefix}-labels-idx1-ubyte": rng.integers(0, 10, n).astype(np.uint8)}
        for name, array in files.items():
            content = idx_bytes(array)
            with open(os.path.join(root, name + (".gz" if compress else "")), "wb") as f:
                f.write(gzip.compress(content) if compress else content)


@pytest.mark.parametrize("compress", [True, False])
def test_fashion_mnist_and_mnist_load_the_four_files(tmp_path, compress):
    write_mnist_like(tmp_path, compress=compress)
    for loader in (data.fashion_mnist, data.mnist):
        (X_train, y_train), (X_test, y_test) = loader(root=tmp_path)
        assert X_train.shape == (6, 784) and X_test.shape == (4, 784) and X_train.dtype == np.float32
        assert 0.0 <= X_train.min() and X_train.max() <= 1.0
        assert y_train.dtype == np.int64 and y_test.shape == (4,)


def test_missing_or_broken_dataset_says_what_is_expected(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist.*apt-get install dataset-fashion-mnist"):
        data.fashion_mnist(root=tmp_path / "nowhere")
    write_mnist_like(tmp_path)
    os.remove(tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(DatasetNotFoundError, match=r"t10k-labels-idx1-ubyte\[.gz\] not found"):
        data.mnist(root=tmp_path)
    write_mnist_like(tmp_path, n_test=3)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(2, dtype=np.uint8))))
    with pytest.raises(IDXError, match="expected 3 labels"):
        data.mnist(root=tmp_path)


@pytest.mark.skipif(not os.path.isdir(data.idx.FASHION_MNIST_ROOT), reason="dataset-fashion-mnist not installed")
def test_installed_fashion_mnist_has_the_standard_shapes():
    (X_train, y_train), (X_test, y_test) = data.fashion_mnist()
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
