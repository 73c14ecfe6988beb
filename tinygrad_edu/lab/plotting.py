"""The labs' figures, styled in one place for a lecture hall: matplotlib is optional, imported only when a
figure is asked for.

- Up to 16 runs look different: 8 colours × 2 line styles (solid, then dashed), each with its own marker
  (filled, then hollow), so two runs never share a look even in greyscale (`run_style`).
- The legend sits beside the panels, never over the data (`legend_beside`).
- One diverging run does not flatten the others: `fit_y_axis` clips the y-axis to the runs that stayed in
  range and says so in the title ("y clipped: momentum diverged"); positive curves spanning decades get a log axis.
"""
import math
import textwrap

# tab10 without its grey and olive: eight hues that stay apart on a projector
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
LINE_STYLES = ["-", "--"]
MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*"]
MARKS_PER_CURVE = 10  # markers along a curve: enough to tell it apart, few enough not to hide it
DIVERGED = 1e3  # a run whose values grow beyond this many times the largest starting value has diverged
LOG_DECADES = 10  # a log axis shows at most this many decades below its top: a run that reached the exact
#                   minimum (f − f* ≈ 1e-50 after one Newton step) drops off the bottom instead of squeezing the rest


def new_figure(panels=1, width=5.0, height=4.0, rows=1):
    """(Figure, list of Axes: `rows` rows of `panels` side by side, row after row), drawn without pyplot so no GUI
    backend is needed."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("this figure needs matplotlib: pip install matplotlib "
                          "(or pip install 'tinygrad_edu[plot]')") from exc
    # constrained layout makes room for titles, labels and a legend placed outside the panels
    figure = Figure(figsize=(width * panels, height * rows), layout="constrained")
    return figure, list(figure.subplots(rows, panels, squeeze=False).flat)


def new_grid(count, columns=4, width=3.2, height=2.6):
    """(Figure, `count` Axes in rows of `columns`): small multiples, one panel per run; unused cells are hidden."""
    figure, axes = new_figure(columns, width, height, rows=-(-count // columns))
    for unused in axes[count:]:
        unused.set_visible(False)
    return figure, axes[:count]


def run_style(index, points=1):
    """matplotlib keywords giving run number `index` (0, 1, ...) its own look, for a curve of `points` points.

    Colour index mod 8; line style and marker fill by index // 8 (solid and filled, then dashed and hollow);
    so 16 runs are pairwise distinct, and the 17th looks like the first again.
    """
    second_round = (index // len(COLORS)) % 2 == 1
    color = COLORS[index % len(COLORS)]
    return {"color": color, "linestyle": LINE_STYLES[second_round], "marker": MARKERS[index % len(MARKERS)],
            "markersize": 5, "markevery": max(1, points // MARKS_PER_CURVE),
            "markerfacecolor": "white" if second_round else color}


def legend_beside(figure, axes):
    """One legend for the whole figure, right of the panels (which keep their size), from the labelled curves of
    `axes`."""
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        legend = figure.legend(handles, labels, loc="outside right upper", fontsize="small")
        # the figure grows by the legend's width, so the panels keep the size they were made with
        figure.set_figwidth(figure.get_figwidth() + legend.get_window_extent().width / figure.dpi)


def fit_y_axis(axes, curves):
    """Scale the y-axis for {label: values} and return what the title should say about it ("" for nothing).

    A run has diverged when its values exceed DIVERGED × the largest |value| any run started from (or are
    not finite); the axis is then clipped to the other runs: "y clipped: momentum diverged". Curves that
    are all ≥ 0 and span more than two decades get a log axis of at most LOG_DECADES decades (zeros and
    values below it, e.g. an exact minimum, fall off its bottom).
    """
    finite = {label: [v for v in values if math.isfinite(v)] for label, values in curves.items()}
    start = max((abs(values[0]) for values in curves.values() if len(values)), default=0.0)
    limit = DIVERGED * start if start > 0 else math.inf
    diverged = [label for label, values in curves.items()
                if len(finite[label]) < len(values) or max(map(abs, finite[label]), default=0.0) > limit]
    kept = [v for label in curves if label not in diverged for v in finite[label]]
    if not kept:
        return ""
    positive = [v for v in kept if v > 0]
    if min(kept) >= 0 and positive and max(positive) > 100 * min(positive):
        top = max(positive)
        axes.set_yscale("log")
        axes.set_ylim(max(min(positive), top * 10.0 ** -LOG_DECADES) / 3, top * 3)  # half a decade of margin
    elif diverged:
        margin = 0.05 * (max(kept) - min(kept)) or 1.0
        axes.set_ylim(min(kept) - margin, max(kept) + margin)
    return f"y clipped: {_names(diverged)} diverged" if diverged else ""


def _names(labels, most=2):
    """"a, b" or "a, b and 3 more": the runs a title names."""
    shown = ", ".join(labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def titled(axes, title, note):
    """Set the panel title, with `note` (from fit_y_axis) on a second line when there is one."""
    lines = [title, *textwrap.wrap(note, width=48)]  # a long note wraps instead of running into the legend
    axes.set_title("\n".join(lines), fontsize="medium")


def finish(figure, path):
    """Save the figure to `path` when one is given; return the figure either way."""
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def save_figure(plot, path):
    """Call plot(path) and report where the figure went; without matplotlib report that and carry on.

    The examples use this so they still print their tables on a machine without matplotlib.
    """
    try:
        plot(path)
    except ImportError as exc:
        print(f"skipped {path}: {exc}")
        return False
    print(f"figure written to {path}")
    return True


def positive_log_scale(axes, values):
    """A log y-axis when every value is positive (loss curves spanning decades), else leave it linear."""
    if all(value > 0 for value in values):
        axes.set_yscale("log")
