"""The `tinygrad-edu` command (also `python -m tinygrad_edu`): one subcommand per module in COMMANDS.

A subcommand module has a `HELP` line, `add_arguments(parser)` and `run(args) -> exit code`. Adding one is
one line in COMMANDS; its module is imported when the parser is built, so keep its top-level imports light.
"""
import argparse
import importlib
import sys

from . import __version__
from .errors import TinygradEduError

COMMANDS = {
    "train": "tinygrad_edu.train.command",
    "playground": "tinygrad_edu.lab.commands.playground",
    "init-lab": "tinygrad_edu.lab.commands.init_lab",
    "compare": "tinygrad_edu.lab.commands.compare",
    "schedule": "tinygrad_edu.lab.commands.schedule",
    "lr-finder": "tinygrad_edu.lab.commands.lr_finder",
    "weight-decay": "tinygrad_edu.lab.commands.weight_decay",
    "batch-noise": "tinygrad_edu.lab.commands.batch_noise",
}


def build_parser():
    parser = argparse.ArgumentParser(prog="tinygrad-edu",
                                     description="tinygrad_edu: train small networks, inspect autograd, learn backprop.")
    parser.add_argument("--version", action="version", version=f"tinygrad_edu {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        subparser = subcommands.add_parser(name, help=module.HELP, description=module.__doc__,
                                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run)
    return parser


def main(argv=None):
    """Run the command line `argv` (default sys.argv[1:]); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args) or 0
    except (TinygradEduError, FileNotFoundError) as exc:  # bad input or a missing dataset: the message says it all
        print(f"tinygrad-edu {args.command}: error: {exc}", file=sys.stderr)
        return 1
