"""Layered drawing of a DAG, no Graphviz needed: layers by longest path, order in a layer by barycenters.

1. layer(node) = 1 + the largest layer of its parents (sources at 0); a source then moves right, to just
   before its first consumer, so a constant sits next to the op that uses it.
2. An edge that spans several layers gets a dummy node in each layer it crosses, so every edge joins
   neighbouring layers and can bend around other nodes.
3. Sweeps left-to-right and right-to-left sort each layer by the mean position of its neighbours in the
   layer before (the barycenter heuristic); the order with the fewest edge crossings is kept.
"""
import itertools

SWEEPS = 8


def layered_layout(nodes, edges, widths, heights, layer_gap=48, node_gap=22):
    """Positions for a left-to-right drawing.

    nodes: ids in an order where every edge goes forward; edges: (source, target) pairs; widths/heights: the
    box size of each node. Returns ({node: (x, y) of its centre}, [the list of (x, y) points of each edge]).
    """
    layer = _layers(nodes, edges)
    chains, layers = _split_long_edges(nodes, edges, layer)
    neighbours = _neighbours(chains)
    layers = _order(layers, neighbours)
    size = {node: (widths.get(node, 0), heights.get(node, 0)) for node in nodes}
    position, x = {}, 0.0
    for members in layers:
        column_width = max(size.get(node, (0, 0))[0] for node in members)
        column_height = sum(size.get(node, (0, 0))[1] + node_gap for node in members) - node_gap
        y = -column_height / 2
        for node in members:
            height = size.get(node, (0, 0))[1]
            position[node] = (x + column_width / 2, y + height / 2)
            y += height + node_gap
        x += column_width + layer_gap
    routes = [[position[point] for point in chain] for chain in chains]
    return {node: position[node] for node in nodes}, routes


def _layers(nodes, edges):
    parents = {node: [] for node in nodes}
    children = {node: [] for node in nodes}
    for source, target in edges:
        parents[target].append(source)
        children[source].append(target)
    layer = {}
    for node in nodes:  # nodes come in forward order, so parents already have their layer
        layer[node] = 1 + max((layer[p] for p in parents[node]), default=-1)
    for node in nodes:
        if not parents[node] and children[node]:
            layer[node] = min(layer[c] for c in children[node]) - 1
    return layer


def _split_long_edges(nodes, edges, layer):
    """Each edge as a chain of nodes one layer apart (dummies in between), and the members of every layer."""
    layers = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in nodes:
        layers[layer[node]].append(node)
    chains = []
    for source, target in edges:
        chain = [source]
        for step in range(layer[source] + 1, layer[target]):
            dummy = ("dummy", source, target, step)
            layers[step].append(dummy)
            chain.append(dummy)
        chains.append(chain + [target])
    return chains, layers


def _neighbours(chains):
    """{node: ([nodes in the layer before], [nodes in the layer after])} along the chains."""
    neighbours = {}
    for chain in chains:
        for left, right in itertools.pairwise(chain):
            neighbours.setdefault(left, ([], []))[1].append(right)
            neighbours.setdefault(right, ([], []))[0].append(left)
    return neighbours


def _order(layers, neighbours):
    best, best_crossings = [list(m) for m in layers], crossings(layers, neighbours)
    current = best
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        current = _sweep(current, neighbours, forward)
        count = crossings(current, neighbours)
        if count < best_crossings:
            best, best_crossings = current, count
    return best


def _sweep(layers, neighbours, forward):
    """Sort each layer by the mean place of its neighbours in the layer just visited."""
    layers = [list(members) for members in layers]
    indices = range(1, len(layers)) if forward else range(len(layers) - 2, -1, -1)
    side = 0 if forward else 1
    for index in indices:
        fixed = {node: place for place, node in enumerate(layers[index - 1 if forward else index + 1])}
        places = [_barycenter(place, node, fixed, neighbours[node][side] if node in neighbours else [])
                  for place, node in enumerate(layers[index])]
        layers[index] = [node for _, _, node in sorted(zip(places, range(len(places)), layers[index]))]
    return layers


def _barycenter(place, node, fixed, linked_nodes):
    """The mean place of a node's neighbours in the fixed layer; a node without any keeps its own place."""
    linked = [fixed[n] for n in linked_nodes if n in fixed]
    return sum(linked) / len(linked) if linked else place


def crossings(layers, neighbours):
    """How many pairs of edges between neighbouring layers cross."""
    total = 0
    for left, right in itertools.pairwise(layers):
        place = {node: index for index, node in enumerate(right)}
        segments = [(i, place[n]) for i, node in enumerate(left) for n in neighbours.get(node, ([], []))[1]
                    if n in place]
        total += sum(1 for a, (i, j) in enumerate(segments) for (k, m) in segments[a + 1:] if (i - k) * (j - m) < 0)
    return total
