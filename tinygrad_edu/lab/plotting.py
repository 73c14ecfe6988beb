"""The labs' figures: matplotlib is optional, imported only when a figure is asked for."""


def new_figure(panels=1, width=5.0, height=4.0, rows=1):
    """(Figure, list of Axes: `rows` rows of `panels` side by side, row after row), drawn without pyplot so no GUI
    backend is needed."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("this figure needs matplotlib: pip install matplotlib "
                          "(or pip install 'tinygrad_edu[plot]')") from exc
    figure = Figure(figsize=(width * panels, height * rows), layout="tight")
    return figure, list(figure.subplots(rows, panels, squeeze=False).flat)


def new_grid(count, columns=4, width=3.2, height=2.6):
    """(Figure, `count` Axes in rows of `columns`): small multiples, one panel per run; unused cells are hidden."""
    figure, axes = new_figure(columns, width, height, rows=-(-count // columns))
    for unused in axes[count:]:
        unused.set_visible(False)
    return figure, axes[:count]


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
