"""One exception hierarchy: catch `TinygradEduError` for anything the library rejects, or the matching built-in."""


class TinygradEduError(Exception):
    """Base of every error raised by tinygrad_edu on bad input or misuse."""


class ShapeError(TinygradEduError, ValueError):
    """Shapes that do not fit the op (broadcasting, inner dimensions, reshape sizes, axes)."""


class DTypeError(TinygradEduError, TypeError):
    """A dtype the op cannot take, e.g. an integer tensor asked to require grad."""


class GraphError(TinygradEduError, RuntimeError):
    """Misuse of the graph: backward through a freed graph, from a tensor that does not require grad, ..."""
