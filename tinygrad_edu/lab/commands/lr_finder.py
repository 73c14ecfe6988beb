"""The LR range test (Smith, 2017) on an MLP: train briefly while the learning rate grows exponentially,
print the loss along the way and the suggested rate, and draw loss against learning rate."""
from ... import cli_args
from . import common

HELP = "LR range test: loss against an exponentially growing learning rate, and a suggested rate"


def add_arguments(parser):
    common.add_task_arguments(parser)
    parser.add_argument("--optimizer", type=common.optimizer_spec, default="sgd:momentum=0.9", metavar="SPEC",
                        help="optimizer and settings other than lr, as for playground")
    parser.add_argument("--start-lr", type=cli_args.positive_float, default=1e-5,
                        help="learning rate of the first step")
    parser.add_argument("--end-lr", type=cli_args.positive_float, default=10.0,
                        help="learning rate of the last step, unless the loss diverges before")
    parser.add_argument("--num-steps", type=cli_args.at_least(2), default=100, help="steps of the sweep")
    common.add_out_argument(parser, "loss against learning rate")


def run(args):
    from ..compare import lr_range_test
    from ..schedules import lr_finder_report, plot_lr_finder
    if args.start_lr >= args.end_lr:
        raise cli_args.UsageError(f"--start-lr must be below --end-lr, got {args.start_lr:g} and {args.end_lr:g}")
    common.check_task(args)
    common.check_out(args)
    result = lr_range_test(args.optimizer, start_lr=args.start_lr, end_lr=args.end_lr, num_steps=args.num_steps,
                           **common.task_options(args))
    print(lr_finder_report(result))
    common.write_figure(lambda path: plot_lr_finder(result, path), args.out)
    return 0
