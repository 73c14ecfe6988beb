"""Run optimizers from one start point on a test function; print where each ended (and, with --table, the
lecture's step table of each run: t, x, f(x), df/dx and the optimizer's state, h, G, m, v, m̂, v̂, ...); draw
the paths over the contour and the loss curves."""
from .common import add_out_argument, optimizer_spec, write_figure

HELP = "optimizers on Rosenbrock, Beale, a saddle, a ravine or the lectures' functions; paths and step tables"

# Settings that show each method's character on the default function (Rosenbrock) in 100 steps.
DEFAULT_OPTIMIZERS = ["gd:lr=0.001", "momentum:lr=0.002", "adam:lr=0.2", "newton"]


def add_arguments(parser):
    from ..functions import FUNCTIONS
    parser.add_argument("--function", choices=sorted(FUNCTIONS), default="rosenbrock")
    parser.add_argument("--optimizers", nargs="+", type=optimizer_spec, default=DEFAULT_OPTIMIZERS, metavar="SPEC",
                        help="optimizer names (any class of tinygrad_edu.optim, gd/momentum/nesterov, or lookahead "
                             "around one), each optionally with settings: adam:lr=0.1,betas=(0.9,0.99) or "
                             "lookahead:inner=momentum,lr=0.01,k=5,alpha=0.5")
    parser.add_argument("--start", nargs="+", type=float, default=None, help="start point (default: the function's)")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--derivative", choices=("autograd", "forward"), default="autograd",
                        help="gradient by backward() or by forward finite differences (f(x + h) - f(x)) / h")
    parser.add_argument("--h", type=float, default=1e-3, help="finite-difference step for --derivative forward")
    parser.add_argument("--table", action="store_true",
                        help="print the step table of every run, with the optimizer's state after each step")
    parser.add_argument("--every", type=int, default=1, help="with --table, print every N-th step (and the last)")
    parser.add_argument("--digits", type=int, default=3, help="decimals in the step table")
    add_out_argument(parser, "the paths and loss curves")


def run(args):
    from ..playground import playground
    result = playground(args.optimizers, function=args.function, start=args.start, steps=args.steps,
                        derivative=args.derivative, h=args.h)
    print(f"{result.function.name}: f = {result.function.formula}, {args.steps} steps, gradient by {args.derivative}")
    if args.table:
        for label, run_ in result.runs.items():
            shown = sorted({*range(0, len(run_), max(1, args.every)), len(run_) - 1})
            print(f"\n{label}\n{result.table(label, steps=shown, digits=args.digits)}")
        print()
    print(result.summary())
    write_figure(result.plot, args.out)
    return 0
