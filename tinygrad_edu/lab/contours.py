"""Contour lines of a sampled surface by marching squares, for pictures drawn without matplotlib (the HTML pages).

The surface is sampled on a grid, z[i, j] = f(x_j, y_i). A contour line f = c crosses a cell's edge exactly when
the edge's two corners lie on opposite sides of c, and along the edge f is taken as linear, so the crossing is
at the fraction (c − z₀)/(z₁ − z₀) of the way from corner 0 to corner 1. Inside each cell the crossings are
joined in pairs: two crossings make one segment, four (a saddle cell) two segments, paired by the side of c
the cell's centre lies on. Segments of neighbouring cells share their crossing point, so joining them end to
end gives the whole line: open where it leaves the grid, closed where it loops.
"""
from collections import defaultdict

import numpy as np

# the corners of cell (i, j) in order around it: (i, j), (i, j+1), (i+1, j+1), (i+1, j); edge k joins corner k and k+1
CORNERS = ((0, 0), (0, 1), (1, 1), (1, 0))


def contour_levels(surface, count):
    """`count` levels at quantiles q² of the surface's values (q evenly spaced inside (0, 1)): dense where f is
    low, where the minimum and the paths are, and one line per level however steep the walls are."""
    quantiles = (np.arange(1, count + 1) / (count + 1)) ** 2
    return np.unique(np.quantile(surface, quantiles))


def contour_lines(surface, level):
    """The lines where the sampled surface equals `level`: a list of arrays of (row, column) points, in grid units
    (fractional where a line crosses between samples); a closed line ends where it began."""
    crossings, segments = {}, []
    above = surface > level
    corners_above = above[:-1, :-1].astype(int) + above[:-1, 1:] + above[1:, 1:] + above[1:, :-1]
    for i, j in np.argwhere((corners_above > 0) & (corners_above < 4)):  # the cells the line passes through
        cell = [edge for edge in range(4) if _crosses(above, i, j, edge)]
        for pair in _pairs(cell, surface, i, j, level):
            ends = [_edge_key(i, j, edge) for edge in pair]
            for key, edge in zip(ends, pair):
                crossings.setdefault(key, _crossing(surface, i, j, edge, level))
            segments.append(ends)
    return [np.array([crossings[key] for key in line]) for line in _join(segments)]


def _crosses(above, i, j, edge):
    (a_row, a_column), (b_row, b_column) = CORNERS[edge], CORNERS[(edge + 1) % 4]
    return above[i + a_row, j + a_column] != above[i + b_row, j + b_column]


def _pairs(edges, surface, i, j, level):
    """The crossing edges of one cell joined in pairs: one pair, or two at a saddle cell (four crossings)."""
    if len(edges) == 2:
        return [edges]
    if len(edges) != 4:
        return []
    centre_above = surface[i:i + 2, j:j + 2].mean() > level
    corner_above = surface[i, j] > level
    # the centre on corner 0's side joins corner 0's region across the cell, so the lines cut off corners 1 and 3
    return [[0, 1], [2, 3]] if centre_above == corner_above else [[3, 0], [1, 2]]


def _edge_key(i, j, edge):
    """One name for an edge shared by two cells: ("h", row, column) for a horizontal edge, ("v", ...) vertical."""
    return [("h", i, j), ("v", i, j + 1), ("h", i + 1, j), ("v", i, j)][edge]


def _crossing(surface, i, j, edge, level):
    (a_row, a_column), (b_row, b_column) = CORNERS[edge], CORNERS[(edge + 1) % 4]
    start, end = surface[i + a_row, j + a_column], surface[i + b_row, j + b_column]
    fraction = (level - start) / (end - start)
    return (i + a_row + fraction * (b_row - a_row), j + a_column + fraction * (b_column - a_column))


def _join(segments):
    """Chain segments that share an end into lines: first from each loose end (lines that leave the grid), then
    around what is left (closed loops, which repeat their first point at the end)."""
    neighbours = defaultdict(list)
    for a, b in segments:
        neighbours[a].append(b)
        neighbours[b].append(a)
    lines, used = [], set()
    loose_ends = [key for key, linked in neighbours.items() if len(linked) == 1]
    for start in loose_ends + list(neighbours):
        if start not in used:
            lines.append(_walk(start, neighbours, used))
    return lines


def _walk(start, neighbours, used):
    line, current = [start], start
    used.add(start)
    while True:
        following = [key for key in neighbours[current] if key not in used]
        if not following:
            if len(line) > 2 and start in neighbours[current]:
                line.append(start)  # back where it began: a closed loop
            return line
        current = following[0]
        used.add(current)
        line.append(current)
