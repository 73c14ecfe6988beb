"""Activation variance and gradient norms layer by layer through a deep MLP, for every combination of the
given activations and init schemes (or, with --chain, the lecture's linear chain y = W10...W1 x with
W = diag(scale); with --widths, layers of unequal widths, where Xavier and LeCun differ): vanishing and exploding
signals, as a table and a figure. With --symmetry: why a zero init fails (its hidden units stay copies)."""
from ... import cli_args
from .common import add_out_argument, add_seed_argument, check_out, write_figure

HELP = "per-layer activation variance and gradient norms (vanishing/exploding, init schemes); zero-init symmetry"
# the --activation and --init lists unless given: the gradient-flow lab's, and the symmetry demo's
DEFAULTS = {"flow": (["sigmoid", "relu"], ["naive", "he"]), "symmetry": (["sigmoid"], ["zero", "xavier"])}
CHAIN_WIDTH, WIDTH = 8, 128


def add_arguments(parser):
    from ..init_lab import ACTIVATIONS, INITS
    parser.add_argument("--activation", nargs="+", choices=sorted(ACTIVATIONS), default=None, metavar="NAME",
                        help=f"activations, from: {', '.join(sorted(ACTIVATIONS))} "
                             "(default: sigmoid relu; sigmoid with --symmetry)")
    parser.add_argument("--init", nargs="+", choices=sorted(INITS), default=None, metavar="NAME",
                        help=f"init schemes, from: {', '.join(sorted(INITS))}; naive = N(0, 0.01^2), "
                             "normal = N(0, 1), uniform = U[-1/sqrt(n), 1/sqrt(n)] "
                             "(default: naive he; zero xavier with --symmetry)")
    instead = parser.add_mutually_exclusive_group()
    instead.add_argument("--chain", nargs="+", type=cli_args.finite_float, default=None, metavar="SCALE",
                         help="instead: the linear chain with every W = diag(SCALE), e.g. --chain 1.5 0.5")
    instead.add_argument("--widths", type=cli_args.sizes(count=2, example="512,256,128"), default=None,
                         metavar="N0,N1,...",
                         help="instead of --depth/--width: the input width and the layer widths, e.g. 512,256,128,64")
    instead.add_argument("--symmetry", action="store_true",
                         help="instead: train a small MLP from each init and show whether its hidden units stay "
                              "copies of each other (they do from a zero init)")
    parser.add_argument("--depth", type=cli_args.positive_int, default=10, help="layers of the stack")
    parser.add_argument("--width", type=cli_args.positive_int, default=None,
                        help=f"units per layer (default: {WIDTH}; {CHAIN_WIDTH} for --chain)")
    parser.add_argument("--batch", type=cli_args.positive_int, default=256, help="samples pushed through the stack")
    parser.add_argument("--steps", type=cli_args.positive_int, default=200, help="training steps of --symmetry")
    add_seed_argument(parser)
    add_out_argument(parser, "variance and gradient norms per layer (with --symmetry: weights and loss)")


def run(args):
    from ..init_lab import plot_init_lab
    from ..symmetry import symmetry_lab
    activations, inits = DEFAULTS["symmetry" if args.symmetry else "flow"]
    activations, inits = args.activation or activations, args.init or inits
    check_out(args)
    if args.symmetry:
        result = symmetry_lab(inits, activations[0], steps=args.steps, seed=args.seed)
        print(result.table())
        write_figure(result.plot, args.out)
        return 0
    results = _flow_results(args, activations, inits)
    for result in results:
        print(result.table(), end="\n\n")
    write_figure(lambda path: plot_init_lab(results, path), args.out)
    return 0


def _flow_results(args, activations, inits):
    """One InitLabResult per chain scale, or per (activation, init) pair, after checking the stack fits in memory
    (float64 weights and their gradients, every layer's output and its gradient kept for the table)."""
    from ..init_lab import init_lab, linear_chain
    width = args.width or (CHAIN_WIDTH if args.chain else WIDTH)
    widths = args.widths or [width] * (args.depth + 1)
    cli_args.check_network_fits(widths, args.batch, f"a stack of widths {widths[0]}, ..., {widths[-1]} "
                                f"({len(widths) - 1} layers)", "choose a smaller --depth, --width or --widths",
                                copies=2, itemsize=8)
    if args.chain:
        return [linear_chain(scale, args.depth, width, args.batch, args.seed) for scale in args.chain]
    return [init_lab(args.depth, width, activation, init, args.batch, args.seed, args.widths)
            for activation in activations for init in inits]
