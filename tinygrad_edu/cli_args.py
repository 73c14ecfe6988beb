"""What every `tinygrad-edu` subcommand checks before it starts work: argument types and pre-flight checks.

An argument type turns the text of one option into its value, or raises argparse.ArgumentTypeError with a message
that reads after the option's name ("must be a positive integer, got 0"); cli.Parser prints the two as one line,

    tinygrad-edu train: error: --batch-size must be a positive integer, got 0

and exits with status 2. Values that are fine one by one but not together raise UsageError (status 2 as well).
What no argument can show, such as a missing optional package or a model too large for this machine's memory,
is a CommandError: cli.main prints its message, which names the problem and the fix, and exits with status 1.
"""
import argparse
import itertools
import math
import os

from .errors import TinygradEduError

GIGABYTE = 2 ** 30
PLOT_EXTRA = "pip install matplotlib (or pip install 'tinygrad_edu[plot]')"


class CommandError(TinygradEduError):
    """A command cannot do its work for a reason outside any one argument; the message says how to fix it."""
    exit_status = 1


class UsageError(CommandError):
    """Arguments that are valid one by one but not together (e.g. --start-lr above --end-lr)."""
    exit_status = 2


# ---- numbers -----------------------------------------------------------------------------------------------------
def _number_type(convert, description, accepts):
    """An argparse type: convert(text) (int or float) when accepts(value), else "must be <description>, got ..."."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {description}, got {text!r}") from None
        if not accepts(value):
            raise argparse.ArgumentTypeError(f"must be {description}, got {text}")
        return value
    parse.__name__ = description  # argparse names the type in a few of its own messages
    return parse


def _float_type(description, accepts):
    """An argparse type of the finite floats x with accepts(x): nan and ±inf never pass."""
    return _number_type(float, description, lambda value: math.isfinite(value) and accepts(value))


positive_int = _number_type(int, "a positive integer", lambda value: value >= 1)
non_negative_int = _number_type(int, "an integer >= 0", lambda value: value >= 0)
finite_float = _float_type("a finite number", lambda value: True)
positive_float = _float_type("a finite number > 0", lambda value: value > 0)
non_negative_float = _float_type("a finite number >= 0", lambda value: value >= 0)
probability = _float_type("a probability in [0, 1)", lambda value: 0 <= value < 1)  # 1 would drop every unit
fraction = _float_type("a fraction in (0, 1)", lambda value: 0 < value < 1)  # both parts must keep samples


def at_least(lowest):
    """An argparse type of the integers >= lowest, e.g. at_least(10) for the samples a train/val split needs."""
    return _number_type(int, f"an integer >= {lowest}", lambda value: value >= lowest)


def sizes(count=1, example="64,64"):
    """An argparse type of comma-separated positive ints ("256,128" -> [256, 128]), at least `count` of them."""
    description = (f"{'' if count == 1 else f'at least {count} '}comma-separated positive integers "
                   f"like {example}")

    def parse(text):
        try:
            values = [int(part) for part in text.split(",")]
        except ValueError:
            values = []
        if len(values) < count or min(values) < 1:
            raise argparse.ArgumentTypeError(f"must be {description}, got {text!r}")
        return values
    parse.__name__ = "sizes"
    return parse


layer_sizes = sizes()


# ---- paths -------------------------------------------------------------------------------------------------------
def existing_directory(text):
    """argparse type of a directory that exists (a dataset's folder)."""
    if not os.path.isdir(text):
        what = "a file" if os.path.exists(text) else "does not exist"
        raise argparse.ArgumentTypeError(f"must be an existing directory, got {text!r} ({what})")
    return text


def output_file(text):
    """argparse type of a file the command will write: not a directory, in an existing directory it may write to,
    and, when it exists already, writable itself. Checked while parsing, so a bad path fails before any work."""
    problem = _why_not_writable(text)
    if problem:
        raise argparse.ArgumentTypeError(f"must be a file path that can be written, got {text!r} ({problem})")
    return text


def _why_not_writable(path):
    """What stops `path` from being written as a file, or "" when nothing does."""
    if path == "" or os.path.isdir(path):
        return "a directory"
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        return f"no directory {directory}"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"directory {directory} is not writable"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "the file exists and is not writable"
    return ""


def figure_file(text):
    """argparse type of a figure to write: an output_file whose suffix matplotlib can write (.png, .svg, .pdf, ...)
    when matplotlib is installed; without it the command refuses later with require_matplotlib's message."""
    path = output_file(text)
    formats = _figure_formats()
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    if formats and suffix and suffix not in formats:
        raise argparse.ArgumentTypeError(f"must name a figure file ending in one of "
                                         f"{', '.join('.' + name for name in sorted(formats))}; got {text!r}")
    return path


def _figure_formats():
    """The file suffixes matplotlib can write (none without matplotlib; a path without suffix gets .png)."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        return set()
    return set(FigureCanvasBase.get_supported_filetypes())


# ---- before the work starts --------------------------------------------------------------------------------------
def require_matplotlib(option):
    """CommandError unless matplotlib imports: called before a command trains, so `option` (--plot, --out) cannot
    fail after the work is done."""
    try:
        import matplotlib.figure  # noqa: F401 (only whether it imports)
    except ImportError:
        raise CommandError(f"{option} draws with matplotlib, which is not installed: {PLOT_EXTRA}, "
                           f"or leave out {option}") from None


def check_network_fits(widths, batch, what, fix, copies=4, itemsize=4):
    """CommandError when a stack of Linear layers of the given widths n₀, …, n_L cannot fit in free memory.

    It holds P = Σ_ℓ (n_ℓ₋₁ + 1)·n_ℓ parameters; training keeps `copies` arrays of that size (the weights,
    their gradients and, for Adam, two moment buffers: 4) and, per batch, about 2·batch·Σ_ℓ n_ℓ activations and
    their gradients, each of `itemsize` bytes. That is a lower bound of what the run needs, so a refused model could
    never have run; `what` names the model and `fix` the options that make it smaller.
    """
    parameters = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(widths))
    needed = itemsize * (copies * parameters + 2 * batch * sum(widths))
    available = available_memory()
    if available is not None and needed > available:
        raise CommandError(f"{what} has {parameters:,} parameters and needs at least {needed / GIGABYTE:,.1f} GiB "
                           f"to train; {available / GIGABYTE:,.1f} GiB of memory is free: {fix}")


def available_memory():
    """Bytes of memory free for a new allocation (Linux's MemAvailable, else the free pages), or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the kernel reports kB
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
