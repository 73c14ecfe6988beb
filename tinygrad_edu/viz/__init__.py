"""Look inside the graph: pictures, a text tree, a model summary, a traced backward pass and an HTML explorer.

    from tinygrad_edu import viz
    viz.print_graph(loss)            # the DAG as an indented tree in the terminal
    viz.draw(loss, "loss.svg")       # a picture (Graphviz `dot` if installed, else a .dot file)
    viz.draw(loss, "loss.svg", backward=True)  # ... after loss.backward() inside tg.retain_grads(), so every
                                     # node shows ∂loss/∂node (or do that backward yourself, then draw)
    trace = viz.trace_backward(loss) # backward() that also records every step of the chain rule
    viz.explore(loss, "loss.html")   # step through forward and backward in a browser

Nothing here changes the graph, and nothing imports matplotlib.
"""
from .dot import Graph, draw, graph, to_dot
from .examples import lecture_example
from .explorer import explore
from .text import format_graph, print_graph, summary
from .trace import BackwardTrace, trace_backward

__all__ = ["to_dot", "draw", "graph", "Graph", "print_graph", "format_graph", "summary", "trace_backward",
           "BackwardTrace", "explore", "lecture_example"]
