"""Print and draw learning-rate schedules over a run: step decay, the lectures' linear and exponential decay,
cosine annealing, SGDR (warm restarts), cyclical rates and one-cycle."""
from ... import cli_args
from .common import add_out_argument, check_out, write_figure

HELP = "print and plot learning-rate schedules (step, multistep, linear, exponential, cosine, sgdr, cyclic, onecycle)"


def add_arguments(parser):
    from ...optim.schedules import SCHEDULES
    parser.add_argument("--names", nargs="+", choices=list(SCHEDULES), default=list(SCHEDULES), metavar="NAME",
                        help=f"the schedules to show, from: {', '.join(SCHEDULES)}")
    parser.add_argument("--lr", type=cli_args.positive_float, default=0.1, help="initial (or peak) learning rate")
    parser.add_argument("--steps", type=cli_args.positive_int, default=100, help="T, the scheduler steps of the run")
    parser.add_argument("--rows", type=cli_args.at_least(2), default=11,
                        help="rows of the printed table at most: evenly spaced steps, the first and the last")
    add_out_argument(parser, "the schedules")


def run(args):
    from ..schedules import make_schedule, plot_schedule, schedule_values
    from ..tables import format_table, spaced_rows
    check_out(args)
    values = {name: schedule_values(make_schedule(name, args.lr, args.steps), args.steps) for name in args.names}
    rows = [(t, *(values[name][t] for name in args.names)) for t in spaced_rows(args.steps, args.rows)]
    print(format_table(["t", *args.names], rows, ["d"] + [".4g"] * len(args.names)))
    write_figure(lambda path: plot_schedule({name: make_schedule(name, args.lr, args.steps) for name in args.names},
                                            args.steps, path), args.out)
    return 0
