"""Activation variance and gradient norms layer by layer through a deep MLP, for every combination of the
given activations and init schemes (or, with --chain, the lecture's linear chain y = W10...W1 x with
W = diag(scale); with --widths, layers of unequal widths, where Xavier and LeCun differ): vanishing and exploding
signals, as a table and a figure. With --symmetry: why a zero init fails (its hidden units stay copies)."""
from .common import add_out_argument, write_figure

HELP = "per-layer activation variance and gradient norms (vanishing/exploding, init schemes); zero-init symmetry"
# the --activation and --init lists unless given: the gradient-flow lab's, and the symmetry demo's
DEFAULTS = {"flow": (["sigmoid", "relu"], ["naive", "he"]), "symmetry": (["sigmoid"], ["zero", "xavier"])}


def add_arguments(parser):
    from ...train.command import layer_sizes, positive_int
    from ..init_lab import ACTIVATIONS, INITS
    parser.add_argument("--activation", nargs="+", choices=sorted(ACTIVATIONS), default=None,
                        help="default sigmoid relu (sigmoid with --symmetry)")
    parser.add_argument("--init", nargs="+", choices=sorted(INITS), default=None,
                        help="naive = N(0, 0.01^2), normal = N(0, 1), uniform = U[-1/sqrt(n), 1/sqrt(n)]; "
                             "default naive he (zero xavier with --symmetry)")
    parser.add_argument("--chain", nargs="+", type=float, default=None, metavar="SCALE",
                        help="instead: the linear chain with every W = diag(SCALE), e.g. --chain 1.5 0.5")
    parser.add_argument("--widths", type=layer_sizes, default=None, metavar="N0,N1,...",
                        help="input width and layer widths, e.g. 512,256,128,64 (instead of --depth/--width)")
    parser.add_argument("--symmetry", action="store_true",
                        help="instead: train a small MLP from each init and show whether its hidden units stay "
                             "copies of each other (they do from a zero init)")
    parser.add_argument("--depth", type=positive_int, default=10)
    parser.add_argument("--width", type=positive_int, default=None, help="units per layer (default 128; 8 for --chain)")
    parser.add_argument("--batch", type=positive_int, default=256)
    parser.add_argument("--steps", type=positive_int, default=200, help="training steps of --symmetry")
    parser.add_argument("--seed", type=int, default=0)
    add_out_argument(parser, "variance and gradient norms per layer (with --symmetry: weights and loss)")


def run(args):
    from ..init_lab import init_lab, linear_chain, plot_init_lab
    from ..symmetry import symmetry_lab
    activations, inits = DEFAULTS["symmetry" if args.symmetry else "flow"]
    activations, inits = args.activation or activations, args.init or inits
    if args.symmetry:
        result = symmetry_lab(inits, activations[0], steps=args.steps, seed=args.seed)
        print(result.table())
        write_figure(result.plot, args.out)
        return 0
    if args.chain:
        results = [linear_chain(scale, args.depth, args.width or 8, args.batch, args.seed) for scale in args.chain]
    else:
        results = [init_lab(args.depth, args.width or 128, activation, init, args.batch, args.seed, args.widths)
                   for activation in activations for init in inits]
    for result in results:
        print(result.table(), end="\n\n")
    write_figure(lambda path: plot_init_lab(results, path), args.out)
    return 0
