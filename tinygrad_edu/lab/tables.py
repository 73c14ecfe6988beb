"""Plain-text tables for the terminal, like the step tables on the lecture slides."""
import math
import unicodedata

MISSING = "–"  # a cell with no value, e.g. an optimizer's state before its first step


def format_table(headers, rows, formats):
    """Right-aligned columns; formats[i] is the format spec of column i (".3f", ".2e", "d", ...); None is "–"."""
    cells = [[MISSING if value is None else format(value, spec) for value, spec in zip(row, formats)] for row in rows]
    widths = [max(_width(text) for text in column) for column in zip(headers, *cells)]
    lines = ["  ".join(" " * (width - _width(text)) + text for text, width in zip(line, widths))
             for line in [headers, *cells]]
    return "\n".join(lines)


def spaced_rows(count, rows):
    """The indices 0, k, 2k, … of a run of `count` values and always the last, count − 1: at most `rows` rows
    (rows >= 2), evenly spaced by the smallest stride k = ⌈(count − 1)/(rows − 1)⌉ that fits."""
    if rows < 2:
        raise ValueError(f"a table of a run shows its first and last row, so rows must be >= 2, got {rows}")
    stride = max(1, math.ceil((count - 1) / (rows - 1)))
    return sorted({*range(0, count, stride), count - 1})


def _width(text):
    """Columns the text takes on a terminal: a combining mark (the hat of m̂) sits on the letter before it."""
    return sum(not unicodedata.combining(character) for character in text)
