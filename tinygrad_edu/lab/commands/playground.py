"""Run optimizers from one start point on a test function; print where each ended (and, with --table, the
lecture's step table of each run: t, x, f(x), df/dx and the optimizer's state, h, G, m, v, m̂, v̂, ...); draw
the paths over the contour and the loss curves. With --html PAGE, write the interactive page instead: the
functions and optimizers (all unless named) run over a grid of learning rates and β values, with sliders."""
import os

from ... import cli_args
from .common import add_out_argument, check_out, optimizer_spec, write_figure

HELP = "optimizers on Rosenbrock, Beale, a saddle, a ravine or the lectures' functions; paths and step tables"

# Settings that show each method's character on the default function (Rosenbrock) in 100 steps.
DEFAULT_OPTIMIZERS = ["gd:lr=0.001", "momentum:lr=0.002", "adam:lr=0.2", "newton"]
DEFAULT_FUNCTION, DEFAULT_STEPS = "rosenbrock", 100
# the options only the step tables and the figure use: (option, attribute, its default)
TABLE_OPTIONS = [("--start", "start", None), ("--derivative", "derivative", "autograd"), ("--table", "table", False),
                 ("--out", "out", None)]


def add_arguments(parser):
    from ..functions import FUNCTIONS
    from ..playground_page import BETA1, BETA2
    parser.add_argument("--function", nargs="+", choices=sorted(FUNCTIONS), default=None,
                        help=f"the surface to descend (default: {DEFAULT_FUNCTION}; with --html, every one of them "
                             "goes on the page unless this names some)")
    parser.add_argument("--optimizers", nargs="+", type=optimizer_spec, default=None, metavar="SPEC",
                        help="optimizer names (any class of tinygrad_edu.optim, gd/momentum/nesterov, or lookahead "
                             "around one), each optionally with settings: adam:lr=0.1,betas=(0.9,0.99) or "
                             "lookahead:inner=momentum,lr=0.01,k=5,alpha=0.5 "
                             f"(default: {' '.join(DEFAULT_OPTIMIZERS)}; "
                             "with --html all of them, and a setting written here is held fixed on the page)")
    parser.add_argument("--start", nargs="+", type=cli_args.finite_float, default=None, metavar="X",
                        help="start point, one number per dimension (default: the function's)")
    parser.add_argument("--steps", type=cli_args.positive_int, default=None,
                        help=f"steps of every optimizer (default: {DEFAULT_STEPS}; with --html the page's 50)")
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
    page = parser.add_argument_group("the interactive page")
    page.add_argument("--html", type=cli_args.output_file, default=None, metavar="PAGE",
                      help="write the playground page here: one offline .html file with sliders for the learning "
                           "rate, β₁, β₂ and the step")
    page.add_argument("--beta1", nargs="+", type=cli_args.probability, default=list(BETA1), metavar="B",
                      help="with --html: the values of the momentum μ / β₁ slider")
    page.add_argument("--beta2", nargs="+", type=cli_args.probability, default=list(BETA2), metavar="B",
                      help="with --html: the values of the β₂ slider (RMSprop's α, Adadelta's ρ)")


def run(args):
    return write_page(args) if args.html else print_runs(args)


def print_runs(args):
    from ..functions import get_function
    from ..playground import playground
    if args.function and len(args.function) > 1:
        raise cli_args.UsageError(f"the step tables and the figure take one --function, got {len(args.function)} "
                                  f"({' '.join(args.function)}); an --html page takes several")
    function = get_function((args.function or [DEFAULT_FUNCTION])[0])
    steps = DEFAULT_STEPS if args.steps is None else args.steps
    if args.start is not None and len(args.start) != function.dim:
        raise cli_args.UsageError(f"--start must give {function.dim} numbers for {function.name}, "
                                  f"got {len(args.start)}")
    check_out(args)
    result = playground(args.optimizers or DEFAULT_OPTIMIZERS, function=function, start=args.start, steps=steps,
                        derivative=args.derivative, h=args.h)
    print(f"{function.name}: f = {function.formula}, {steps} steps, gradient by {args.derivative}")
    if args.table:
        for label, run_ in result.runs.items():
            shown = sorted({*range(0, len(run_), args.every), len(run_) - 1})
            print(f"\n{label}\n{result.table(label, steps=shown, digits=args.digits)}")
        print()
    print(result.summary())
    write_figure(result.plot, args.out)
    return 0


def write_page(args):
    from ..playground_page import DEFAULT_STEPS as PAGE_STEPS
    from ..playground_page import playground_page
    unused = [option for option, attribute, default in TABLE_OPTIONS if getattr(args, attribute) != default]
    if unused:
        raise cli_args.UsageError(f"--html writes the page, which has no use for {', '.join(unused)}")
    print("running the optimizers over the page's grid of settings (about a minute for the whole page) ...")
    path = playground_page(args.html, functions=args.function, optimizers=args.optimizers,
                           steps=PAGE_STEPS if args.steps is None else args.steps, beta1=args.beta1, beta2=args.beta2)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB): open it in a browser; it needs no network")
    return 0
