"""Pieces the lab subcommands share: optimizer specs, the --out figure option, the seed, and the task options of
compare and lr-finder. Every value's type comes from tinygrad_edu.cli_args."""
import argparse
import math

from ... import cli_args
from ..choices import LabError
from ..optimizers import parse_spec, resolve


def optimizer_spec(text):
    """argparse type for "adam" or "adam:lr=0.1,betas=(0.9,0.99)": the optimizer is built once on a scratch
    parameter, so an unknown name or setting, or a value it refuses, is reported while parsing."""
    from ...creation import zeros
    try:
        spec = parse_spec(text)
        _, make_optimizer, settings = resolve(spec)
        _check_finite(settings)
        make_optimizer([zeros(1, requires_grad=True)], **settings)
    except (LabError, ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(f"{text}: {exc}") from None
    return spec


def _check_finite(settings):
    """ValueError naming a setting written as nan or inf (the spec reader keeps these bare words as text)."""
    for key, value in settings.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue  # not a number: a name such as inner=adam, or a tuple such as betas=(0.9, 0.99)
        if not math.isfinite(number):
            raise ValueError(f"{key} must be a finite number, got {value}")


def add_out_argument(parser, what):
    parser.add_argument("--out", type=cli_args.figure_file, default=None, metavar="PATH",
                        help=f"write the figure of {what} here (.png, .svg, .pdf; needs matplotlib)")


def add_seed_argument(parser):
    parser.add_argument("--seed", type=cli_args.non_negative_int, default=0, help="seed of the random numbers")


def check_out(args):
    """Before any work: --out needs matplotlib (its path was checked while parsing)."""
    if args.out is not None:
        cli_args.require_matplotlib("--out")


def write_figure(plot, path):
    """plot(path) when --out was given (check_out made sure matplotlib is there), and say where it went."""
    if path is not None:
        from ..plotting import save_figure
        save_figure(plot, path)


def add_task_arguments(parser):
    """The options of the classification task compare and lr-finder train on (see lab.Task)."""
    from ...train.command import GENERATED, IDX_DATASETS, MIN_SAMPLES
    task = parser.add_argument_group("task")
    task.add_argument("--dataset", choices=GENERATED + IDX_DATASETS, default="spirals", help="what to learn")
    task.add_argument("--data-root", type=cli_args.existing_directory, default=None, metavar="DIR",
                      help="folder of the IDX files (default: /usr/share/datasets/<dataset>)")
    task.add_argument("--samples", type=cli_args.at_least(MIN_SAMPLES), default=1500, metavar="N",
                      help="points of a generated dataset, or how many training images to use")
    task.add_argument("--hidden", type=cli_args.layer_sizes, default=None, metavar="N1,N2,...",
                      help="hidden layer sizes (default: 64,64; 128 for the image datasets)")
    task.add_argument("--batch-size", type=cli_args.positive_int, default=None,
                      help="samples per update (default: 32; 128 for the image datasets)")
    add_seed_argument(task)


def check_task(args):
    """Before any work: an MLP of the --hidden sizes must fit in memory (784 inputs and 10 classes at most)."""
    from ...train.command import IDX_DATASETS
    if args.hidden is not None:
        widths = [28 * 28 if args.dataset in IDX_DATASETS else 2, *args.hidden, 10]
        cli_args.check_network_fits(widths, args.batch_size or 128, f"an MLP with hidden sizes "
                                    f"{','.join(map(str, args.hidden))}", "choose smaller --hidden sizes")


def task_options(args):
    """The keyword arguments of lab.compare_optimizers / lab.lr_range_test that add_task_arguments collected."""
    return {name: getattr(args, name) for name in ("dataset", "data_root", "samples", "hidden", "batch_size", "seed")}
