"""Gradient noise versus batch size (lecture 3): full-batch gradient descent and mini-batch SGD from one start on a
2-D least-squares problem, their paths over the loss contours, and how the noise of a mini-batch gradient,
E|g_B - grad L|^2 = tr(Sigma)/B * (N - B)/(N - 1), falls with the batch size B."""
import argparse

from ... import cli_args
from .common import add_out_argument, add_seed_argument, check_out, write_figure

HELP = "gradient noise versus batch size: GD and mini-batch SGD paths on one loss surface, noise against B"


def batch_size(text):
    """argparse type: "full" (every sample) or a positive int."""
    if text == "full":
        return text
    try:
        return cli_args.positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected 'full' or a positive integer, got {text!r}") from None


def add_arguments(parser):
    parser.add_argument("--batch-sizes", nargs="+", type=batch_size, default=["full", 32, 8, 1], metavar="B",
                        help="batch sizes of the paths ('full' = gradient descent), each at most --samples")
    parser.add_argument("--steps", type=cli_args.positive_int, default=100, help="updates of every path")
    parser.add_argument("--lr", type=cli_args.positive_float, default=0.1, help="learning rate of every path")
    parser.add_argument("--samples", type=cli_args.at_least(2), default=256, help="N, the points of the regression")
    parser.add_argument("--noise", type=cli_args.non_negative_float, default=0.5,
                        help="standard deviation of the noise in y")
    parser.add_argument("--draws", type=cli_args.positive_int, default=500,
                        help="random batches per size for the noise")
    add_seed_argument(parser)
    add_out_argument(parser, "the paths and the noise against the batch size")


def run(args):
    from ..batch_noise import batch_noise_lab
    too_large = [size for size in args.batch_sizes if size != "full" and size > args.samples]
    if too_large:
        raise cli_args.UsageError(f"--batch-sizes must be at most --samples {args.samples}, got {too_large}")
    check_out(args)
    result = batch_noise_lab(args.batch_sizes, args.steps, args.lr, args.samples, args.noise, args.draws, args.seed)
    print(result.table())
    write_figure(result.plot, args.out)
    return 0
