"""Gradient noise versus batch size (lecture 3): full-batch gradient descent and mini-batch SGD from one start on a
2-D least-squares problem, their paths over the loss contours, and how the noise of a mini-batch gradient,
E|g_B - grad L|^2 = tr(Sigma)/B * (N - B)/(N - 1), falls with the batch size B."""
import argparse

from .common import add_out_argument, write_figure

HELP = "gradient noise versus batch size: GD and mini-batch SGD paths on one loss surface, noise against B"


def batch_size(text):
    """argparse type: "full" (every sample) or a positive int."""
    from ...train.command import positive_int
    if text == "full":
        return text
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected 'full' or a positive integer, got {text!r}") from None


def add_arguments(parser):
    from ...train.command import positive_int
    parser.add_argument("--batch-sizes", nargs="+", type=batch_size, default=["full", 32, 8, 1], metavar="B",
                        help="batch sizes of the paths ('full' = gradient descent)")
    parser.add_argument("--steps", type=positive_int, default=100, help="updates of every path")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--samples", type=positive_int, default=256, help="N, the points of the regression")
    parser.add_argument("--noise", type=float, default=0.5, help="standard deviation of the noise in y")
    parser.add_argument("--draws", type=positive_int, default=500, help="random batches per size for the noise")
    parser.add_argument("--seed", type=int, default=0)
    add_out_argument(parser, "the paths and the noise against the batch size")


def run(args):
    from ..batch_noise import batch_noise_lab
    result = batch_noise_lab(args.batch_sizes, args.steps, args.lr, args.samples, args.noise, args.draws, args.seed)
    print(result.table())
    write_figure(result.plot, args.out)
    return 0
