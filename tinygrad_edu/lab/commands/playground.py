"""Run optimizers from one start point on a test function; print where each ended (and, with --table, the
lecture's step table of each run: t, x, f(x), df/dx and the optimizer's state, h, G, m, v, m̂, v̂, ...); draw
the paths over the contour and the loss curves."""
from ... import cli_args
from .common import add_out_argument, check_out, optimizer_spec, write_figure

HELP = "optimizers on Rosenbrock, Beale, a saddle, a ravine or the lectures' functions; paths and step tables"

# Settings that show each method's character on the default function (Rosenbrock) in 100 steps.
DEFAULT_OPTIMIZERS = ["gd:lr=0.001", "momentum:lr=0.002", "adam:lr=0.2", "newton"]


def add_arguments(parser):
    from ..functions import FUNCTIONS
    parser.add_argument("--function", choices=sorted(FUNCTIONS), default="rosenbrock", help="the surface to descend")
    parser.add_argument("--optimizers", nargs="+", type=optimizer_spec, default=DEFAULT_OPTIMIZERS, metavar="SPEC",
                        help="optimizer names (any class of tinygrad_edu.optim, gd/momentum/nesterov, or lookahead "
                             "around one), each optionally with settings: adam:lr=0.1,betas=(0.9,0.99) or "
                             "lookahead:inner=momentum,lr=0.01,k=5,alpha=0.5")
    parser.add_argument("--start", nargs="+", type=cli_args.finite_float, default=None, metavar="X",
                        help="start point, one number per dimension (default: the function's)")
    parser.add_argument("--steps", type=cli_args.positive_int, default=100, help="steps of every optimizer")
    parser.add_argument("--derivative", choices=("autograd", "forward"), default="autograd",
                        help="gradient by backward() or by forward finite differences (f(x + h) - f(x)) / h")
    parser.add_argument("--h", type=cli_args.positive_float, default=1e-3,
                        help="finite-difference step for --derivative forward")
    parser.add_argument("--table", action="store_true",
                        help="print the step table of every run, with the optimizer's state after each step")
    parser.add_argument("--every", type=cli_args.positive_int, default=1,
                        help="with --table, print every N-th step (and the last)")
    parser.add_argument("--digits", type=cli_args.non_negative_int, default=3, help="decimals in the step table")
    add_out_argument(parser, "the paths and loss curves")


def run(args):
    from ..functions import get_function
    from ..playground import playground
    function = get_function(args.function)
    if args.start is not None and len(args.start) != function.dim:
        raise cli_args.UsageError(f"--start must give {function.dim} numbers for {function.name}, "
                                  f"got {len(args.start)}")
    check_out(args)
    result = playground(args.optimizers, function=function, start=args.start, steps=args.steps,
                        derivative=args.derivative, h=args.h)
    print(f"{function.name}: f = {function.formula}, {args.steps} steps, gradient by {args.derivative}")
    if args.table:
        for label, run_ in result.runs.items():
            shown = sorted({*range(0, len(run_), args.every), len(run_) - 1})
            print(f"\n{label}\n{result.table(label, steps=shown, digits=args.digits)}")
        print()
    print(result.summary())
    write_figure(result.plot, args.out)
    return 0
