# Source of 04_fashion_mnist_mlp.ipynb (python examples/notebooks/build.py writes the notebook from it).

# %% [markdown]
# # Training an MLP on Fashion-MNIST
#
# Everything from the lectures in one run: a multilayer perceptron with ReLU and He initialisation, the
# cross-entropy loss on softmax probabilities ($\partial\ell/\partial z = \hat p - p$), Adam, a learning rate chosen
# with the LR range test, a one-cycle schedule, learning curves on held-out data, a look at the trained model's
# graph, and saving and reloading the weights.
#
# To stay quick (well under two minutes on two cores), it trains on 15 000 of the 60 000 training images for
# four epochs; `examples/fashion_mnist_mlp.py` trains on all of them for longer (about 0.89 test accuracy).

# %%
# %matplotlib inline
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import data, lab, nn, optim, train, viz
from tinygrad_edu.optim.schedules import SCHEDULES, make_scheduler, steps_in_run

# %% [markdown]
# ## 1. The data
#
# Fashion-MNIST: 28×28 grey images of ten kinds of clothing, as rows of 784 values in $[0, 1]$. On Debian and
# Ubuntu `apt-get install dataset-fashion-mnist` puts the four IDX files in `/usr/share/datasets/fashion-mnist`;
# set `DATA_DIR` to another folder holding them. Without the files the notebook still runs, on a generated
# stand-in of the same shape (ten Gaussian clusters in 784 dimensions), and says so.

# %% tags=["data"]
DATA_DIR = None  # the folder of the four IDX files; None: /usr/share/datasets/fashion-mnist
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
try:
    (X, y), (X_test, y_test) = data.fashion_mnist(DATA_DIR)
    dataset = "Fashion-MNIST"
except data.DatasetNotFoundError as missing:
    print(f"{missing}\n-> using a generated stand-in instead: ten Gaussian clusters in 784 dimensions")
    X, y = data.blobs(n_samples=30_000, centers=10, n_features=784, cluster_std=1.0, center_box=(0.0, 1.0), seed=0)
    (X, y), (X_test, y_test) = data.train_val_split(X, y, val_fraction=1 / 6, seed=0)
    dataset = "generated stand-in"

# 15 000 images to train on and 3 000 to validate (the curves, the choice of rate); the test set is used once
(X_train, y_train), (X_val, y_val) = data.train_val_split(X[:18_000], y[:18_000], val_fraction=1 / 6, seed=0)
X_test, y_test = X_test[:5_000], y_test[:5_000]
print(f"{dataset}: {len(X_train)} train, {len(X_val)} validation, {len(X_test)} test images of {X.shape[1]} values")

# %% [markdown]
# ## 2. The model
#
# 784 → 128 → 64 → 10 with ReLU between the layers. `nn.Linear` starts from He initialisation,
# $W \sim N(0, 2/n_{in})$, right for ReLU (see the initialisation notebook). The last layer gives the logits $z$;
# `CrossEntropyLoss` applies the softmax itself.

# %%
def make_model():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


tg.manual_seed(0)  # the same initial weights and batches on every run
model = make_model()
loss_fn = nn.CrossEntropyLoss()
train_loader = data.DataLoader((X_train, y_train), batch_size=128, shuffle=True, seed=0)
val_loader = data.DataLoader((X_val, y_val), batch_size=1000)
viz.summary(model, (1, 784))  # the last line of the cell: the notebook shows the table

# %% [markdown]
# ## 3. Choosing the learning rate: the LR range test
#
# Train for a moment while the learning rate grows exponentially, from $10^{-5}$ to 1, one batch per rate, and
# record the loss. Too small a rate and the loss does not move; too large and it blows up; in between it falls
# fastest. `optim.lr_finder` suggests the rate of steepest descent and puts the weights and the optimizer back
# as they were afterwards.

# %%
optimizer = optim.Adam(model.parameters(), lr=1e-3)
finder = optim.lr_finder(model, loss_fn, optimizer, train_loader, start_lr=1e-5, end_lr=1.0, num_steps=60)
peak_lr = float(f"{finder.suggested_lr:.1g}")
print(f"suggested rate {finder.suggested_lr:.3g}; the schedule below peaks at {peak_lr:g}")
lab.plot_lr_finder(finder)

# %% [markdown]
# ## 4. A schedule: one cycle
#
# The one-cycle schedule warms up from $\eta_0/25$ to the peak rate $\eta_0$ over the first 30% of the steps, then
# anneals to almost 0: large steps while the loss is high, small ones to settle at the end. It changes the rate
# after every batch. Drawn on a throw-away optimizer (drawing steps the scheduler):

# %%
EPOCHS = 4
steps = steps_in_run("onecycle", EPOCHS, len(train_loader))
print(f"onecycle: {SCHEDULES['onecycle'].formula}, stepped per {SCHEDULES['onecycle'].unit}, {steps} steps")
lab.plot_schedule({"onecycle": lab.make_schedule("onecycle", lr=peak_lr, steps=steps)}, steps)

# %% [markdown]
# ## 5. Training and the learning curves
#
# `train.fit` runs the epochs (forward, loss, backward, `optimizer.step()` per batch) and returns a `History`
# of the per-epoch loss and accuracy on the training batches and on the validation set. A History shows its
# curves when it is the last line of a cell.

# %%
for group in optimizer.param_groups:
    group["lr"] = peak_lr
scheduler = make_scheduler("onecycle", optimizer, steps)
history = train.fit(model, loss_fn, optimizer, train_loader, EPOCHS, val_loader=val_loader, scheduler=scheduler,
                    scheduler_step=SCHEDULES["onecycle"].unit, progress=False)
test = train.evaluate(model, loss_fn, data.DataLoader((X_test, y_test), batch_size=1000))
print(history)
print(f"test accuracy {test['accuracy']:.4f} after {EPOCHS} epochs on {len(X_train)} images")
history

# %% [markdown]
# A few test images with what the model says about them (red: wrong):

# %%
model.eval()
with tg.no_grad():
    predicted = model(tg.tensor(X_test[:12])).numpy().argmax(axis=1)
figure, panels = lab.plotting.new_grid(12, columns=6, width=1.8, height=2.1)
for panel, image, guess, truth in zip(panels, X_test[:12], predicted, y_test[:12]):
    panel.imshow(image.reshape(28, 28), cmap="gray_r")
    panel.set_title(f"{CLASSES[guess]}\n(is {CLASSES[truth]})", fontsize="small",
                    color="black" if guess == truth else "#d62728")
    panel.axis("off")
figure

# %% [markdown]
# ## 6. The trained model's graph
#
# The loss of a batch of four images, drawn top to bottom: each box is a tensor with its shape, each ellipse an
# op. `Linear` and `CrossEntropy` are single ops whose rules are the matrix forms of the chain rule, e.g.
# $\partial\ell/\partial W = (\partial\ell/\partial y)^\top x$ and $\partial\ell/\partial z = \hat p - p$
# per example.

# %%
batch_loss = loss_fn(model(tg.tensor(X_test[:4], name="images")), tg.tensor(y_test[:4], name="labels"))
batch_loss.name = "loss"
parameter_names = dict(model.named_parameters())
viz.graph(batch_loss, names=parameter_names, show_data=False, show_grad=False, direction="TB")

# %% [markdown]
# The numbers are easier to follow one step at a time: the explorer replays this loss's forward and backward
# pass (its backward runs on a copy of the gradients, so the model is left as it was). Tensors this large show
# as shape and min/mean/max, with every value one click away.

# %%
viz.explore(batch_loss, "fashion_mnist_loss.html", names=parameter_names)

# %% [markdown]
# ## 7. Saving and reloading
#
# `tg.save` writes nested dicts of arrays and plain values to one `.npz` file, atomically, and `tg.load` reads
# it back without pickle. A state dict has PyTorch's keys (`0.weight`, `0.bias`, ...), so the weights also move
# to a PyTorch model built the same way. Saved here: the weights, the optimizer's state (Adam's moments, to
# continue training) and the history.

# %%
tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history.to_dict()},
        "fashion_mnist_mlp.npz")
checkpoint = tg.load("fashion_mnist_mlp.npz")
print(sorted(checkpoint), sorted(checkpoint["model"]))

restored = make_model()
restored.load_state_dict(checkpoint["model"])
restored.eval()
with tg.no_grad():
    same = np.array_equal(model(tg.tensor(X_test)).numpy(), restored(tg.tensor(X_test)).numpy())
print(f"the reloaded model gives the same outputs on all {len(X_test)} test images: {same}")
assert same
