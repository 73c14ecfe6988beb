"""Pieces the lab subcommands share: reading optimizer specs and the --out figure option."""
import argparse

from ..choices import LabError
from ..optimizers import parse_spec


def optimizer_spec(text):
    """argparse type for "adam" or "adam:lr=0.1,betas=(0.9,0.99)"; the error says how to write it."""
    try:
        return parse_spec(text)
    except LabError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_out_argument(parser, what):
    parser.add_argument("--out", default=None, metavar="PATH",
                        help=f"write the figure of {what} here (.png, .svg, .pdf; needs matplotlib)")


def write_figure(plot, path):
    """plot(path) when --out was given; without matplotlib say so and carry on (the tables were printed already)."""
    if path is not None:
        from ..plotting import save_figure
        save_figure(plot, path)


def add_task_arguments(parser):
    """The options of the classification task compare and lr-finder train on (see lab.Task)."""
    from ...train.command import GENERATED, IDX_DATASETS, layer_sizes
    task = parser.add_argument_group("task")
    task.add_argument("--dataset", choices=GENERATED + IDX_DATASETS, default="spirals")
    task.add_argument("--data-root", default=None, help="folder of the IDX files (default /usr/share/datasets/<name>)")
    task.add_argument("--samples", type=int, default=1500,
                      help="points of a generated dataset, or how many training images to use")
    task.add_argument("--hidden", type=layer_sizes, default=None, help="hidden sizes (default 64,64; 128 for images)")
    task.add_argument("--batch-size", type=int, default=None, help="default 32 (128 for images)")
    task.add_argument("--seed", type=int, default=0)


def task_options(args):
    """The keyword arguments of lab.compare_optimizers / lab.lr_range_test that add_task_arguments collected."""
    return dict(dataset=args.dataset, data_root=args.data_root, samples=args.samples, hidden=args.hidden,
                batch_size=args.batch_size, seed=args.seed)
