"""The LR range test (Smith, 2017) on an MLP: train briefly while the learning rate grows exponentially,
print the loss along the way and the suggested rate, and draw loss against learning rate."""
from .common import add_out_argument, add_task_arguments, optimizer_spec, task_options, write_figure

HELP = "LR range test: loss against an exponentially growing learning rate, and a suggested rate"


def add_arguments(parser):
    add_task_arguments(parser)
    parser.add_argument("--optimizer", type=optimizer_spec, default=("sgd", {"momentum": 0.9}), metavar="SPEC",
                        help="optimizer and settings other than lr (default sgd:momentum=0.9)")
    parser.add_argument("--start-lr", type=float, default=1e-5)
    parser.add_argument("--end-lr", type=float, default=10.0)
    parser.add_argument("--num-steps", type=int, default=100)
    add_out_argument(parser, "loss against learning rate")


def run(args):
    from ..compare import lr_range_test
    from ..schedules import plot_lr_finder
    from ..tables import format_table
    result = lr_range_test(args.optimizer, start_lr=args.start_lr, end_lr=args.end_lr, num_steps=args.num_steps,
                           **task_options(args))
    every = max(1, len(result.lrs) // 10)
    rows = list(zip(result.lrs, result.losses))[::every]
    print(format_table(["lr", "loss"], rows, [".3g", ".4f"]))
    stopped = " (stopped early: the loss diverged)" if len(result.lrs) < args.num_steps else ""
    print(f"{len(result.lrs)} steps{stopped}; suggested learning rate {result.suggested_lr:.3g}")
    write_figure(lambda path: plot_lr_finder(result, path), args.out)
    return 0
