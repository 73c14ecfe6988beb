"""Train the same MLP (same initial weights, same batches) with several optimizers on a generated dataset or
on Fashion-MNIST/MNIST, optionally under one learning-rate schedule, print the final losses and accuracies,
and draw the loss curves together."""
from ... import cli_args
from . import common

HELP = "train the same MLP with several optimizers and compare the loss curves"


def add_arguments(parser):
    from ..compare import DEFAULT_OPTIMIZERS
    from ..schedules import SCHEDULES
    defaults = [f"{name}:" + ",".join(f"{key}={value}" for key, value in settings.items())
                for name, settings in DEFAULT_OPTIMIZERS]
    common.add_task_arguments(parser)
    parser.add_argument("--optimizers", nargs="+", type=common.optimizer_spec, default=defaults, metavar="SPEC",
                        help="optimizers with settings, as for playground")
    parser.add_argument("--epochs", type=cli_args.positive_int, default=20, help="passes over the training data")
    parser.add_argument("--schedule", choices=sorted(SCHEDULES), default=None,
                        help="a learning-rate schedule for every run, from each optimizer's lr over the whole run "
                             "(default: none, a constant rate); see the schedule command for their shapes")
    common.add_out_argument(parser, "the loss curves")


def run(args):
    from ..compare import compare_optimizers
    common.check_task(args)
    common.check_out(args)
    result = compare_optimizers(args.optimizers, epochs=args.epochs, schedule=args.schedule,
                                **common.task_options(args))
    print(result.table())
    common.write_figure(result.plot, args.out)
    return 0
