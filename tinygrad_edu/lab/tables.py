"""Plain-text tables for the terminal, like the step tables on the lecture slides."""


def format_table(headers, rows, formats):
    """Right-aligned columns; formats[i] is the format spec of column i (".3f", ".2e", "d", ...)."""
    cells = [[format(value, spec) for value, spec in zip(row, formats)] for row in rows]
    widths = [max(len(text) for text in column) for column in zip(headers, *cells)]
    lines = ["  ".join(text.rjust(width) for text, width in zip(line, widths)) for line in [headers, *cells]]
    return "\n".join(lines)
