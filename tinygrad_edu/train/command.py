"""Train an MLP classifier on a generated 2-D dataset (spirals by default) or on Fashion-MNIST/MNIST,
print train/validation (and test) accuracy, and optionally save the checkpoint and the learning curves."""
import argparse
import time

from ..optim.schedules import SCHEDULES

HELP = "train an MLP on spirals (default), moons, circles, blobs, xor, fashion-mnist or mnist"

GENERATED = ("spirals", "moons", "circles", "blobs", "xor")
IDX_DATASETS = ("fashion-mnist", "mnist")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
# name -> (optim class, extra keyword arguments, default learning rate)
OPTIMIZERS = {
    "sgd": ("SGD", {}, 0.1),
    "momentum": ("SGD", {"momentum": 0.9}, 0.05),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, 0.05),
    "adagrad": ("Adagrad", {}, 0.05),
    "rmsprop": ("RMSprop", {}, 1e-3),
    "adam": ("Adam", {}, 1e-2),
    "adamw": ("AdamW", {}, 1e-2),
    "nadam": ("NAdam", {}, 1e-2),
    "radam": ("RAdam", {}, 1e-2),
}
# settings that differ between the small 2-D problems and the 784-pixel image datasets
DATASET_DEFAULTS = {
    "generated": {"hidden": [64, 64], "epochs": 60, "batch_size": 32, "lr_scale": 1.0},
    "idx": {"hidden": [256, 128], "epochs": 10, "batch_size": 128, "lr_scale": 0.1},
}


def add_arguments(parser):
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=GENERATED + IDX_DATASETS, default="spirals")
    data.add_argument("--data-root", default=None,
                      help="directory of the IDX files (default: /usr/share/datasets/<dataset>)")
    data.add_argument("--samples", type=int, default=1500, help="size of a generated dataset")
    data.add_argument("--noise", type=float, default=None, help="noise of a generated dataset (its own default if unset)")
    data.add_argument("--val-fraction", type=float, default=0.2, help="share of the training data held out for validation")
    model = parser.add_argument_group("model")
    model.add_argument("--hidden", type=layer_sizes, default=None,
                       help="hidden layer sizes, comma separated (default 64,64; 256,128 for the image datasets)")
    model.add_argument("--activation", choices=ACTIVATIONS, default="relu")
    model.add_argument("--init", choices=("auto", "lecun", "xavier", "he"), default="auto",
                       help="weight initialisation; auto = he for relu-like, xavier for tanh/sigmoid")
    model.add_argument("--dropout", type=float, default=0.0, help="dropout probability after each hidden layer")
    optimization = parser.add_argument_group("optimization")
    optimization.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    optimization.add_argument("--lr", type=float, default=None, help="learning rate (default depends on the optimizer)")
    optimization.add_argument("--weight-decay", type=float, default=0.0)
    optimization.add_argument("--schedule", choices=["none", *SCHEDULES, "plateau"], default="cosine",
                              help="learning-rate schedule over the run (see `tinygrad-edu schedule`); "
                                   f"stepped per batch: {', '.join(_per_batch_schedules())}; plateau halves the "
                                   "rate after 3 epochs without a better validation loss")
    optimization.add_argument("--epochs", type=positive_int, default=None,
                              help="default 60 (10 for the image datasets)")
    optimization.add_argument("--batch-size", type=positive_int, default=None,
                              help="default 32 (128 for the image datasets)")
    optimization.add_argument("--patience", type=int, default=None,
                              help="stop early after this many epochs without a better validation loss")
    output = parser.add_argument_group("output")
    output.add_argument("--seed", type=int, default=0)
    output.add_argument("--save", default=None, metavar="PATH", help="write the checkpoint (.npz) here")
    output.add_argument("--plot", default=None, metavar="PATH", help="write the loss/accuracy curves (.png) here")
    output.add_argument("--no-progress", action="store_true", help="no progress bar or per-epoch lines")


def _per_batch_schedules():
    return [name for name, schedule in SCHEDULES.items() if schedule.unit == "batch"]


def positive_int(text):
    """argparse type of a count (epochs, steps, batch size): an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def layer_sizes(text):
    """"256,128" -> [256, 128] (argparse type of --hidden)."""
    try:
        sizes = [int(size) for size in text.split(",") if size.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive layer sizes like 64,64, got {text!r}")
    return sizes


def load_dataset(args):
    """((X_train, y_train), (X_val, y_val), test or None) for the chosen dataset."""
    from .. import data
    if args.dataset in GENERATED:
        noise = {} if args.noise is None else {"noise": args.noise}
        X, y = data.datasets.GENERATED[args.dataset](n_samples=args.samples, seed=args.seed, **noise)
        test = None
    else:
        loader = data.fashion_mnist if args.dataset == "fashion-mnist" else data.mnist
        (X, y), test = loader(args.data_root)
    train, val = data.train_val_split(X, y, val_fraction=args.val_fraction, seed=args.seed)
    return train, val, test


def build_optimizer(args, parameters, steps_per_epoch, epochs):
    """The optimizer, its learning-rate scheduler (None for --schedule none) and when to step it: after every
    "epoch" or every "batch", as the schedule's registry entry says (plateau: per epoch, given the val loss)."""
    from .. import optim
    from ..optim import schedules
    class_name, options, default_lr = OPTIMIZERS[args.optimizer]
    lr = args.lr if args.lr is not None else default_lr * DATASET_DEFAULTS[_kind(args)]["lr_scale"]
    optimizer = getattr(optim, class_name)(parameters, lr=lr, weight_decay=args.weight_decay, **options)
    if args.schedule == "none":
        return optimizer, None, "epoch"
    if args.schedule == "plateau":
        return optimizer, optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3), "epoch"
    steps = schedules.steps_in_run(args.schedule, epochs, steps_per_epoch)
    scheduler = schedules.make_scheduler(args.schedule, optimizer, steps)
    return optimizer, scheduler, schedules.SCHEDULES[args.schedule].unit


def _kind(args):
    return "generated" if args.dataset in GENERATED else "idx"


def _settings(args):
    defaults = DATASET_DEFAULTS[_kind(args)]
    hidden_sizes = args.hidden if args.hidden is not None else defaults["hidden"]
    epochs = args.epochs if args.epochs is not None else defaults["epochs"]
    batch_size = args.batch_size if args.batch_size is not None else defaults["batch_size"]
    return hidden_sizes, epochs, batch_size


def run(args):
    from .. import checkpoint, data, nn, random
    from . import EarlyStopping, evaluate, fit
    hidden_sizes, epochs, batch_size = _settings(args)
    random.manual_seed(args.seed)
    (X_train, y_train), (X_val, y_val), test = load_dataset(args)
    n_classes = int(max(y_train.max(), y_val.max())) + 1
    model = nn.build_mlp([X_train.shape[1], *hidden_sizes, n_classes], args.activation, args.init, args.dropout)
    train_loader = data.DataLoader((X_train, y_train), batch_size, shuffle=True, seed=args.seed)
    val_loader = data.DataLoader((X_val, y_val), 1024)
    optimizer, scheduler, scheduler_step = build_optimizer(args, model.parameters(), len(train_loader), epochs)
    loss_fn = nn.CrossEntropyLoss()
    architecture = "-".join(str(n) for n in [X_train.shape[1], *hidden_sizes, n_classes])
    print(f"{args.dataset}: {len(X_train)} train / {len(X_val)} val samples; MLP {architecture} {args.activation}, "
          f"{model.num_parameters():,} parameters; {args.optimizer}, {args.schedule} schedule, {epochs} epochs")

    callbacks = [EarlyStopping(patience=args.patience)] if args.patience else []
    start = time.perf_counter()
    history = fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=val_loader, scheduler=scheduler,
                  callbacks=callbacks, progress=not args.no_progress, scheduler_step=scheduler_step)
    seconds = time.perf_counter() - start

    results = {"train": evaluate(model, loss_fn, data.DataLoader((X_train, y_train), 1024)),
               "val": evaluate(model, loss_fn, val_loader)}
    if test is not None:
        results["test"] = evaluate(model, loss_fn, data.DataLoader(test, 1024))
    print(f"trained {len(history)} epochs in {seconds:.1f}s")
    print("  ".join(f"{split} accuracy {scores['accuracy']:.4f}" for split, scores in results.items()))

    if args.save:
        config = {key: value for key, value in vars(args).items() if key != "run"}
        checkpoint.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": config,
                         "history": history.to_dict(), "results": results}, args.save)
        print(f"checkpoint written to {args.save}")
    if args.plot:
        history.plot(args.plot)
        print(f"curves written to {args.plot}")
    return 0
