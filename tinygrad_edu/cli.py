"""The `tinygrad-edu` command (also `python -m tinygrad_edu`): one subcommand per module in COMMANDS.

A subcommand module has a `HELP` line, `add_arguments(parser)` and `run(args) -> exit code`. Adding one is
one line in COMMANDS; its module is imported when the parser is built, so keep its top-level imports light.
Its arguments take their types from cli_args, so every bad value is refused while parsing, in one line.
"""
import argparse
import importlib
import os
import re
import sys

from . import __version__
from .cli_args import CommandError
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
INTERRUPTED = 130  # the status a shell reports for a program stopped by Ctrl-C (128 + SIGINT)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: `tinygrad-edu train: error: --epochs must be ..., got 0`."""

    def error(self, message):
        # argparse writes "argument --epochs: must be ..."; a cli_args message reads on from the option's name
        named = re.match(r"argument (\S+): (.*)", message, re.DOTALL)
        if named:
            option, text = named.groups()
            message = f"{option} {text}" if text.startswith("must ") else f"{option}: {text}"
        self.exit(2, f"{self.prog}: error: {message}\n")


class DefaultsFormatter(argparse.HelpFormatter):
    """Each option's help ends with "(default: X)" when its default is a value. An option whose default is
    worked out later (None: it depends on the dataset, the optimizer, ...) states it in its help text instead,
    in the same words; a switch (default False) says what it turns on."""

    def _get_help_string(self, action):
        text = action.help or ""
        if any(action.default is nothing for nothing in (None, False, argparse.SUPPRESS)) or "(default" in text:
            return text
        value = action.default
        shown = " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        return f"{text} (default: {shown.replace('%', '%%')})"  # argparse %-formats help texts


def build_parser():
    """The parser of the whole command line; `parser.commands[name]` is the parser of one subcommand."""
    parser = Parser(prog="tinygrad-edu",
                    description="tinygrad_edu: train small networks, inspect autograd, learn backprop.")
    parser.add_argument("--version", action="version", version=f"tinygrad_edu {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.commands = {}
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        subparser = subcommands.add_parser(name, help=module.HELP, description=module.__doc__,
                                           formatter_class=DefaultsFormatter)
        module.add_arguments(subparser)
        subparser.add_argument("--debug", action="store_true",
                               help="when the command fails, show the Python traceback instead of one line")
        subparser.set_defaults(run=module.run)
        parser.commands[name] = subparser
    return parser


def main(argv=None):
    """Run the command line `argv` (default sys.argv[1:]) and return the exit status: 0 done, 1 the command could
    not do its work, 2 bad arguments (refused while parsing with SystemExit(2), as argparse does), 130 Ctrl-C.
    Every failure is one line on stderr that names the problem; --debug shows the traceback instead."""
    try:
        parser = build_parser()
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said by the subcommand's parser, so the message names the command
            parser.commands.get(args.command, parser).error(f"unrecognized arguments: {' '.join(unknown)}")
        if args.command is None:
            parser.print_help()
            return 2
        return _run(args)
    except BrokenPipeError:
        # the reader went away (`tinygrad-edu playground --table | head`): stop quietly, and point stdout at
        # /dev/null so that the interpreter's last flush of the unread output cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(args):
    """args.run(args), with every failure but a broken pipe turned into one line on stderr and its exit status."""
    try:
        return args.run(args) or 0
    except BrokenPipeError:
        raise
    except (KeyboardInterrupt, Exception) as exc:  # a command line reports any failure in one line
        if args.debug:
            raise
        message, status = _describe(exc)
        _say(args.command, message)
        return status


def _describe(exc):
    """(message, exit status) of a failure: the library's own errors and missing files speak for themselves;
    anything else is named by its type, with the way to see where it came from."""
    from .data.idx import DatasetNotFoundError
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C) before the command finished; nothing more was written", INTERRUPTED
    if isinstance(exc, CommandError):
        return str(exc), exc.exit_status
    if isinstance(exc, MemoryError):
        return f"out of memory{f' ({exc})' if str(exc) else ''}; choose smaller sizes (--debug shows where)", 1
    if isinstance(exc, DatasetNotFoundError):
        return f"{exc} (on the command line: --data-root DIR)", 1
    if isinstance(exc, (TinygradEduError, OSError)):
        return str(exc), 1
    return f"{type(exc).__name__}: {exc} (--debug shows the traceback)", 1


def _say(command, message):
    print(f"tinygrad-edu {command}: error: {message}", file=sys.stderr)
