"""Where each box of the explorer's drawing goes: Graphviz `dot` when it is installed, else the built-in layout.

Both engines give the centre of every node and every edge as a cubic Bézier path [start, c1, c2, end, c1, c2, end,
...] from the border of its source to the border of its target, so the page draws them the same way. The drawing
runs left to right ("LR") or top to bottom ("TB"), whichever fits a landscape window at the larger scale: a long
chain such as an MLP's loss reads better downwards, the lecture's small graph left to right, as on the slides.
"""
import itertools
import shutil
import subprocess
import warnings

from ..errors import TinygradEduError
from .layout import layered_layout

ENGINES = ("auto", "dot", "builtin")
DOT_TIMEOUT = 20      # seconds; dot lays out a few hundred nodes in well under a second
POINTS_PER_INCH = 72  # dot speaks inches; one px of the drawing is one point
WINDOW = (1000, 750)  # the landscape drawing area the direction is chosen for (px); the page fits any size later


class LayoutError(TinygradEduError, RuntimeError):
    """Graphviz dot is missing, failed or took too long."""


def place(order, edges, sizes, engine="auto"):
    """({node: (x, y) centre}, [Bézier points of each edge, in the order of `edges`], "LR" or "TB").

    order: node ids, each after its inputs; edges: (source, target) pairs; sizes: {node: (width, height, shape)}
    with shape "box" or "ellipse". engine: "dot" (Graphviz, an error if missing), "builtin", or "auto" (dot when it
    is on PATH and works, else builtin).
    """
    if engine not in ENGINES:
        raise TinygradEduError(f"layout={engine!r}: choose one of {', '.join(map(repr, ENGINES))}")
    if engine != "auto":
        return _best_direction(order, edges, sizes, engine)
    if shutil.which("dot") is None:
        return _best_direction(order, edges, sizes, "builtin")
    try:
        return _best_direction(order, edges, sizes, "dot")
    except LayoutError as error:
        warnings.warn(f"{error}; the explorer uses its built-in layout instead", stacklevel=3)
        return _best_direction(order, edges, sizes, "builtin")


def _best_direction(order, edges, sizes, engine):
    lay_out = dot_layout if engine == "dot" else builtin_layout
    drawings = [lay_out(order, edges, sizes, direction) + (direction,) for direction in ("LR", "TB")]
    return max(drawings, key=lambda drawing: _fit_scale(drawing[0], sizes))  # on a tie, LR (the first)


def _fit_scale(centres, sizes):
    """The scale at which the drawing fits WINDOW, at most 1 (a small graph is not blown up)."""
    left = min(x - sizes[key][0] / 2 for key, (x, y) in centres.items())
    right = max(x + sizes[key][0] / 2 for key, (x, y) in centres.items())
    top = min(y - sizes[key][1] / 2 for key, (x, y) in centres.items())
    bottom = max(y + sizes[key][1] / 2 for key, (x, y) in centres.items())
    return min(1.0, WINDOW[0] / max(right - left, 1), WINDOW[1] / max(bottom - top, 1))


def builtin_layout(order, edges, sizes, direction):
    """layout.layered_layout (which draws left to right), turned for "TB", its routes made into Bézier paths."""
    across = direction == "TB"  # lay out with width and height swapped, then swap the coordinates back
    widths = {key: size[1 if across else 0] for key, size in sizes.items()}
    heights = {key: size[0 if across else 1] for key, size in sizes.items()}
    centres, routes = layered_layout(order, edges, widths, heights)
    if across:
        centres = {key: (y, x) for key, (x, y) in centres.items()}
        routes = [[(y, x) for x, y in route] for route in routes]
    return centres, [_curve(route, sizes[source], sizes[target], direction)
                     for (source, target), route in zip(edges, routes)]


def _curve(route, source_size, target_size, direction):
    """Cubic pieces through the route's points, leaving and entering each point along the drawing's direction,
    from the side of the source box to the side of the target box."""
    axis = 0 if direction == "LR" else 1
    points = [list(point) for point in route]
    points[0][axis] += source_size[axis] / 2
    points[-1][axis] -= target_size[axis] / 2
    path = [tuple(points[0])]
    for start, end in itertools.pairwise(points):
        half = (end[axis] - start[axis]) / 2
        first, second = list(start), list(end)
        first[axis] += half
        second[axis] -= half
        path += [tuple(first), tuple(second), tuple(end)]
    return path


def dot_layout(order, edges, sizes, direction):
    """Run Graphviz `dot -Tplain` on the graph's skeleton (sizes only, no labels) and read back the places."""
    program = shutil.which("dot")
    if program is None:
        raise LayoutError("layout='dot' needs Graphviz `dot` on PATH; install Graphviz (e.g. `apt install "
                          "graphviz`) or use layout='builtin'")
    try:
        done = subprocess.run([program, "-Tplain"], input=_dot_source(order, edges, sizes, direction).encode(),
                              capture_output=True, timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise LayoutError(f"dot took longer than {DOT_TIMEOUT} s to lay out {len(order)} nodes") from None
    if done.returncode != 0:
        raise LayoutError(f"dot failed (exit {done.returncode}): {done.stderr.decode(errors='replace').strip()}")
    return _read_plain(done.stdout.decode(), edges)


def _dot_source(order, edges, sizes, direction):
    """Boxes and ellipses of fixed size in points; no arrowheads, so each edge's spline ends on the target's border."""
    lines = ["digraph explorer {", f"  graph [rankdir={direction}, nodesep=0.25, ranksep=0.35];",
             '  node [fixedsize=true, label=""];', "  edge [arrowhead=none];"]
    for key in order:
        width, height, shape = sizes[key]
        lines.append(f"  {key} [shape={shape}, width={width / POINTS_PER_INCH:.4f}, "
                     f"height={height / POINTS_PER_INCH:.4f}];")
    lines += [f"  {source} -> {target};" for source, target in edges]
    return "\n".join(lines + ["}"]) + "\n"


def _read_plain(text, edges):
    """Centres and edge splines from dot's plain output (inches, y upwards) as px with y downwards."""
    centres, splines = {}, {}
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "node":
            centres[fields[1]] = _point(fields[2], fields[3])
        elif fields and fields[0] == "edge":
            count = int(fields[3])
            coordinates = fields[4:4 + 2 * count]
            splines[fields[1], fields[2]] = [_point(x, y) for x, y in zip(coordinates[::2], coordinates[1::2])]
    missing = [edge for edge in edges if edge not in splines]
    if missing:
        raise LayoutError(f"dot's output has no route for the edges {missing[:3]}")
    return centres, [splines[edge] for edge in edges]


def _point(x, y):
    return float(x) * POINTS_PER_INCH, -float(y) * POINTS_PER_INCH
