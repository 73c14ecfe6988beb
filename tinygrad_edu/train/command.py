"""Train an MLP classifier on a generated 2-D dataset (spirals by default) or on Fashion-MNIST/MNIST,
print train/validation (and test) accuracy, and optionally save the checkpoint and the learning curves."""
import inspect
import time

from .. import cli_args
from ..optim.schedules import SCHEDULES

HELP = "train an MLP on spirals (default), moons, circles, blobs, xor, fashion-mnist or mnist"

GENERATED = ("spirals", "moons", "circles", "blobs", "xor")
IDX_DATASETS = ("fashion-mnist", "mnist")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
MIN_SAMPLES = 10  # a generated dataset split 80/20 keeps a few points of every class on both sides
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
    _add_data_arguments(parser.add_argument_group("data"))
    _add_model_arguments(parser.add_argument_group("model"))
    _add_optimization_arguments(parser.add_argument_group("optimization"))
    _add_output_arguments(parser.add_argument_group("output"))


def _add_data_arguments(data):
    data.add_argument("--dataset", choices=GENERATED + IDX_DATASETS, default="spirals", help="what to learn")
    data.add_argument("--data-root", type=cli_args.existing_directory, default=None, metavar="DIR",
                      help="directory of the IDX files (default: /usr/share/datasets/<dataset>)")
    data.add_argument("--samples", type=cli_args.at_least(MIN_SAMPLES), default=1500, metavar="N",
                      help="size of a generated dataset")
    data.add_argument("--noise", type=cli_args.non_negative_float, default=None,
                      help="noise of a generated dataset (default: the dataset's own, e.g. 0.2 for spirals)")
    data.add_argument("--val-fraction", type=cli_args.fraction, default=0.2,
                      help="share of the training data held out for validation")


def _add_model_arguments(model):
    model.add_argument("--hidden", type=cli_args.layer_sizes, default=None, metavar="N1,N2,...",
                       help="hidden layer sizes (default: 64,64; 256,128 for the image datasets)")
    model.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="activation of the hidden layers")
    model.add_argument("--init", choices=("auto", "lecun", "xavier", "he"), default="auto",
                       help="weight initialisation; auto = he for relu-like, xavier for tanh/sigmoid")
    model.add_argument("--dropout", type=cli_args.probability, default=0.0,
                       help="dropout probability after each hidden layer")


def _add_optimization_arguments(optimization):
    optimization.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam", help="the update rule")
    optimization.add_argument("--lr", type=cli_args.positive_float, default=None,
                              help="learning rate (default: the optimizer's, e.g. 0.01 for adam; a tenth of it "
                                   "for the image datasets)")
    optimization.add_argument("--weight-decay", type=cli_args.non_negative_float, default=0.0,
                              help="weight decay λ of the optimizer")
    optimization.add_argument("--schedule", choices=["none", *SCHEDULES, "plateau"], default="cosine",
                              help="learning-rate schedule over the run (see `tinygrad-edu schedule`); "
                                   f"stepped per batch: {', '.join(_per_batch_schedules())}; plateau halves the "
                                   "rate after 3 epochs without a better validation loss")
    optimization.add_argument("--epochs", type=cli_args.positive_int, default=None,
                              help="passes over the training data (default: 60; 10 for the image datasets)")
    optimization.add_argument("--batch-size", type=cli_args.positive_int, default=None,
                              help="samples per update (default: 32; 128 for the image datasets)")
    optimization.add_argument("--patience", type=cli_args.positive_int, default=None,
                              help="stop early after this many epochs without a better validation loss "
                                   "(default: never)")


def _add_output_arguments(output):
    output.add_argument("--seed", type=cli_args.non_negative_int, default=0,
                        help="seed of the data, the initial weights and the batch order")
    output.add_argument("--save", type=cli_args.output_file, default=None, metavar="PATH",
                        help="write the checkpoint (.npz) here: weights, optimizer state, the settings used, history")
    output.add_argument("--plot", type=cli_args.figure_file, default=None, metavar="PATH",
                        help="write the loss/accuracy curves (.png) here (needs matplotlib)")
    output.add_argument("--no-progress", action="store_true", help="no progress bar or per-epoch lines")
    output.add_argument("--html", type=cli_args.output_file, default=None, metavar="PAGE",
                        help="instead of one run, write an interactive page of the runs (2-D datasets): an epoch "
                             "slider over the decision regions, loss and accuracy curves, per-layer norms")
    output.add_argument("--html-runs", type=_html_runs, action="append", default=None, metavar="SETTING=V1,V2",
                        help="with --html: a run per value of one setting (activation, init, optimizer, schedule, "
                             "lr, weight_decay, dropout), e.g. activation=relu,tanh; repeated: every combination")


def _html_runs(text):
    """argparse type of --html-runs; lab.training_page is imported only when the option is given."""
    from ..lab.training_page import runs_option
    return runs_option(text)


def _per_batch_schedules():
    return [name for name, schedule in SCHEDULES.items() if schedule.unit == "batch"]


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


def check_arguments(args):
    """What the types cannot see alone: --noise only for the generated datasets that have noise, and matplotlib
    for --plot, both before any data is loaded."""
    if args.noise is not None and "noise" not in _generator_defaults(args.dataset):
        noisy = [name for name in GENERATED if "noise" in _generator_defaults(name)]
        raise cli_args.UsageError(f"--noise applies to {', '.join(noisy)}; {args.dataset} has no noise setting")
    if args.plot is not None:
        cli_args.require_matplotlib("--plot")


def _generator_defaults(dataset):
    """{parameter: default} of a generated dataset's function ({} for an image dataset)."""
    from ..data.datasets import GENERATED as GENERATORS
    if dataset not in GENERATORS:
        return {}
    return {name: parameter.default for name, parameter in inspect.signature(GENERATORS[dataset]).parameters.items()}


def run_config(args, n_features, n_classes, n_samples):
    """The settings the run uses, every default resolved: what --save records as "config", from which
    nn.build_mlp(config["sizes"], config["activation"], config["init"], config["dropout"]) rebuilds the model."""
    defaults = DATASET_DEFAULTS[_kind(args)]
    hidden = args.hidden if args.hidden is not None else defaults["hidden"]
    noise = args.noise if args.noise is not None else _generator_defaults(args.dataset).get("noise")
    return {"dataset": args.dataset, "data_root": _data_root(args), "samples": n_samples, "noise": noise,
            "val_fraction": args.val_fraction, "sizes": [n_features, *hidden, n_classes],
            "activation": args.activation, "init": args.init, "dropout": args.dropout, "optimizer": args.optimizer,
            "lr": args.lr if args.lr is not None else OPTIMIZERS[args.optimizer][2] * defaults["lr_scale"],
            "weight_decay": args.weight_decay, "schedule": args.schedule,
            "epochs": args.epochs if args.epochs is not None else defaults["epochs"],
            "batch_size": args.batch_size if args.batch_size is not None else defaults["batch_size"],
            "patience": args.patience, "seed": args.seed}


def _data_root(args):
    """The directory the image dataset was read from (None for a generated one)."""
    from ..data import idx
    if args.dataset in GENERATED:
        return None
    default = idx.FASHION_MNIST_ROOT if args.dataset == "fashion-mnist" else idx.MNIST_ROOT
    return args.data_root if args.data_root is not None else default


def build_optimizer(config, parameters, steps_per_epoch):
    """The optimizer of config["optimizer"] with config["lr"] and config["weight_decay"], its learning-rate
    scheduler (None for schedule "none") over config["epochs"], and when to step it: after every "epoch" or every
    "batch", as the schedule's registry entry says (plateau: per epoch, given the validation loss)."""
    from .. import optim
    from ..optim import schedules
    class_name, options, _ = OPTIMIZERS[config["optimizer"]]
    optimizer = getattr(optim, class_name)(parameters, lr=config["lr"], weight_decay=config["weight_decay"],
                                           **options)
    schedule = config["schedule"]
    if schedule == "none":
        return optimizer, None, "epoch"
    if schedule == "plateau":
        return optimizer, optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3), "epoch"
    steps = schedules.steps_in_run(schedule, config["epochs"], steps_per_epoch)
    return optimizer, schedules.make_scheduler(schedule, optimizer, steps), schedules.SCHEDULES[schedule].unit


def _kind(args):
    return "generated" if args.dataset in GENERATED else "idx"


def run(args):
    from .. import data, nn, random
    check_arguments(args)
    if args.html_runs and not args.html:
        raise cli_args.UsageError("--html-runs sets the runs of the --html page; give --html PAGE too")
    if args.html:
        from ..lab.training_page import from_args
        return from_args(args)
    random.manual_seed(args.seed)
    (X_train, y_train), (X_val, y_val), test = load_dataset(args)
    n_classes = int(max(y_train.max(), y_val.max())) + 1
    config = run_config(args, X_train.shape[1], n_classes, len(X_train) + len(X_val))
    cli_args.check_network_fits(config["sizes"], config["batch_size"], f"the MLP {_architecture(config)}",
                                "choose smaller --hidden sizes")
    model = nn.build_mlp(config["sizes"], config["activation"], config["init"], config["dropout"])
    train_loader = data.DataLoader((X_train, y_train), config["batch_size"], shuffle=True, seed=args.seed)
    val_loader = data.DataLoader((X_val, y_val), 1024)
    print(f"{args.dataset}: {len(X_train)} train / {len(X_val)} val samples; MLP {_architecture(config)} "
          f"{args.activation}, {model.num_parameters():,} parameters; {args.optimizer}, {args.schedule} schedule, "
          f"{config['epochs']} epochs")
    optimizer, history, seconds = _train(model, config, train_loader, val_loader, progress=not args.no_progress)
    results = _evaluate(model, {"train": (X_train, y_train), "val": (X_val, y_val), "test": test})
    print(f"trained {len(history)} epochs in {seconds:.1f}s")
    print("  ".join(f"{split} accuracy {scores['accuracy']:.4f}" for split, scores in results.items()))
    _write_outputs(args, model, optimizer, config, history, results)
    return 0


def _architecture(config):
    return "-".join(map(str, config["sizes"]))


def _train(model, config, train_loader, val_loader, progress):
    """fit() as the config says; returns (optimizer, History, seconds)."""
    from .. import nn
    from . import EarlyStopping, fit
    optimizer, scheduler, scheduler_step = build_optimizer(config, model.parameters(), len(train_loader))
    callbacks = [EarlyStopping(patience=config["patience"])] if config["patience"] else []
    start = time.perf_counter()
    history = fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, config["epochs"], val_loader=val_loader,
                  scheduler=scheduler, callbacks=callbacks, progress=progress, scheduler_step=scheduler_step)
    return optimizer, history, time.perf_counter() - start


def _evaluate(model, splits):
    """{split: {"loss", "accuracy"}} for every split given as (X, y); a split given as None is left out."""
    from .. import data, nn
    from . import evaluate
    return {name: evaluate(model, nn.CrossEntropyLoss(), data.DataLoader(arrays, 1024))
            for name, arrays in splits.items() if arrays is not None}


def _write_outputs(args, model, optimizer, config, history, results):
    """The checkpoint (--save) and the curves (--plot); their paths were checked before training."""
    from .. import checkpoint
    if args.save:
        checkpoint.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": config,
                         "history": history.to_dict(), "results": results}, args.save)
        print(f"checkpoint written to {args.save}")
    if args.plot:
        history.plot(args.plot)
        print(f"curves written to {args.plot}")
