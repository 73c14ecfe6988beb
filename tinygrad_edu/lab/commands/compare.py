"""Train the same MLP (same initial weights, same batches) with several optimizers on a generated dataset or
on Fashion-MNIST/MNIST, optionally under one learning-rate schedule, print the final losses and accuracies,
and draw the loss curves together."""
from .common import (
    add_out_argument,
    add_task_arguments,
    optimizer_spec,
    task_options,
    write_figure,
)

HELP = "train the same MLP with several optimizers and compare the loss curves"


def add_arguments(parser):
    from ..compare import DEFAULT_OPTIMIZERS
    from ..schedules import SCHEDULES
    defaults = " ".join(f"{name}:" + ",".join(f"{k}={v}" for k, v in settings.items())
                        for name, settings in DEFAULT_OPTIMIZERS)
    add_task_arguments(parser)
    parser.add_argument("--optimizers", nargs="+", type=optimizer_spec, default=None, metavar="SPEC",
                        help=f"optimizers with settings, as for playground (default: {defaults})")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--schedule", choices=sorted(SCHEDULES), default=None,
                        help="a learning-rate schedule for every run, from each optimizer's lr over the whole run "
                             "(default: constant); see the schedule command for their shapes")
    add_out_argument(parser, "the loss curves")


def run(args):
    from ..compare import compare_optimizers
    result = compare_optimizers(args.optimizers, epochs=args.epochs, schedule=args.schedule, **task_options(args))
    print(result.table())
    write_figure(result.plot, args.out)
    return 0
