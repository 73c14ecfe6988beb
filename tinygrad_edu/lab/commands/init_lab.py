"""Activation variance and gradient norms layer by layer through a deep MLP, for every combination of the
given activations and init schemes (or, with --chain, the lecture's linear chain y = W10...W1 x with
W = diag(scale)): vanishing and exploding signals, as a table and a figure."""
from .common import add_out_argument, write_figure

HELP = "per-layer activation variance and gradient norms: vanishing/exploding gradients, init schemes"


def add_arguments(parser):
    from ..init_lab import ACTIVATIONS, INITS
    parser.add_argument("--activation", nargs="+", choices=sorted(ACTIVATIONS), default=["sigmoid", "relu"])
    parser.add_argument("--init", nargs="+", choices=sorted(INITS), default=["naive", "he"],
                        help="naive = N(0, 0.01^2), normal = N(0, 1), uniform = U[-1/sqrt(n), 1/sqrt(n)]")
    parser.add_argument("--chain", nargs="+", type=float, default=None, metavar="SCALE",
                        help="instead: the linear chain with every W = diag(SCALE), e.g. --chain 1.5 0.5")
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--width", type=int, default=None, help="units per layer (default 128; 8 for --chain)")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    add_out_argument(parser, "variance and gradient norms per layer")


def run(args):
    from ..init_lab import init_lab, linear_chain, plot_init_lab
    if args.chain:
        results = [linear_chain(scale, args.depth, args.width or 8, args.batch, args.seed) for scale in args.chain]
    else:
        results = [init_lab(args.depth, args.width or 128, activation, init, args.batch, args.seed)
                   for activation in args.activation for init in args.init]
    for result in results:
        print(result.table(), end="\n\n")
    write_figure(lambda path: plot_init_lab(results, path), args.out)
    return 0
