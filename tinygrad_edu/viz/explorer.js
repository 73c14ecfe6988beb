// The explorer: draws the graph from the data Python embedded, fits it to the window, zooms and pans, then replays
// the forward pass (one op per step) and the backward pass (one chain-rule step per op, as the engine ran it).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const LINE = 15;            // px between text lines in a node
  const ZOOM_STEP = 1.25, MIN_SCALE = 0.05, MAX_SCALE = 4, MAX_FIT_SCALE = 1.5, PAN_STEP = 80;
  const READABLE_SCALE = 0.75;  // below it the boxes' 12 px text is too small to read
  const nodesById = {}, madeBy = {}, edgesByEnds = {};  // madeBy: tensor id -> "c = Add(x, y)"
  data.nodes.forEach(function (node) { nodesById[node.id] = node; });
  data.edges.forEach(function (edge) { edgesByEnds[edge.from + ">" + edge.to] = edge; });
  data.forward.forEach(function (s) { madeBy[s.node] = s.text; });
  const lastStep = data.forward.length + data.backward.length;
  const svg = document.getElementById("graph"), viewport = document.getElementById("viewport");
  const canvas = document.getElementById("canvas");
  let step = 0;  // 0: only the inputs are known; then the forward steps; then the backward steps
  // screen = scale · drawing + (x, y); chosen: the learner zoomed, panned or asked for the fit (else the page chose)
  const view = { scale: 1, x: 0, y: 0, chosen: false };

  // ---- drawing -----------------------------------------------------------------------------------------------
  function element(name, attributes, parent) {
    const made = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { made.setAttribute(key, attributes[key]); });
    if (parent) parent.appendChild(made);
    return made;
  }

  function text(parent, x, y, content, className) {
    const made = element("text", { x: x, y: y, "text-anchor": "middle", class: className || "" }, parent);
    made.textContent = content;
    return made;
  }

  function edgePath(points) {  // [start, c1, c2, end, c1, c2, end, ...]: cubic Bézier pieces
    let path = "M" + points[0].join(",");
    for (let i = 1; i + 2 < points.length; i += 3) {
      path += " C" + points[i].join(",") + " " + points[i + 1].join(",") + " " + points[i + 2].join(",");
    }
    return path;
  }

  function drawEdges() {
    const defs = element("defs", {}, viewport);
    const marker = element("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8,
                                       markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
    element("path", { d: "M0,0 L10,5 L0,10 z", fill: "#666" }, marker);
    data.edges.forEach(function (edge) {
      edge.shape = element("path", { d: edgePath(edge.path), class: "edge", "marker-end": "url(#arrow)" }, viewport);
    });
  }

  function drawNode(node) {
    const group = element("g", { class: "node kind-" + node.kind, id: "node-" + node.id }, viewport);
    if (node.kind === "op") {
      element("ellipse", { cx: node.x, cy: node.y, rx: node.w / 2, ry: node.h / 2 }, group);
      text(group, node.x, node.y + 4, node.label, "name");
      element("title", {}, group).textContent = node.rule;
    } else {
      element("rect", { x: node.x - node.w / 2, y: node.y - node.h / 2, width: node.w, height: node.h, rx: 3 },
              group);
      const top = node.y - node.h / 2 + LINE + 1;
      text(group, node.x, top, node.label, "name");
      text(group, node.x, top + LINE, node.shape);
      text(group, node.x, top + 2 * LINE, node.value, "value");
      node.gradTexts = [];
      for (let line = 0; line < node.gradLines; line++) {
        node.gradTexts.push(text(group, node.x, top + (3 + line) * LINE, "", "grad"));
      }
    }
    node.shape_ = group;
  }

  function drawGraph() {
    drawEdges();
    data.nodes.forEach(drawNode);
    data.edgeLabels = element("g", { id: "edge-labels" }, viewport);  // above the nodes, so no box hides them
  }

  function drawLegend() {
    const legend = document.getElementById("legend");
    data.legend.forEach(function (entry) {
      const item = document.createElement("span");
      item.innerHTML = '<i class="kind-' + entry[0] + '"></i>';
      item.appendChild(document.createTextNode(entry[1]));
      legend.appendChild(item);
    });
  }

  // ---- zoom and pan --------------------------------------------------------------------------------------------
  function applyView() {
    viewport.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.scale + ")");
    writeState();
  }

  function fit(chosen) {  // the whole drawing, centred, as large as the canvas allows (small graphs not blown up)
    const [left, top, width, height] = data.viewBox;
    view.scale = Math.min(canvas.clientWidth / width, canvas.clientHeight / height, MAX_FIT_SCALE);
    view.x = (canvas.clientWidth - width * view.scale) / 2 - left * view.scale;
    view.y = (canvas.clientHeight - height * view.scale) / 2 - top * view.scale;
    view.chosen = chosen;
    applyView();
  }

  function zoomAt(factor, screenX, screenY) {  // keep the drawing point under (screenX, screenY) where it is
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
    view.x = screenX - (screenX - view.x) * scale / view.scale;
    view.y = screenY - (screenY - view.y) * scale / view.scale;
    view.scale = scale;
    view.chosen = true;
    applyView();
  }

  function zoomAtCentre(factor) { zoomAt(factor, canvas.clientWidth / 2, canvas.clientHeight / 2); }

  function panBy(dx, dy) {
    view.x += dx;
    view.y += dy;
    view.chosen = true;
    applyView();
  }

  // The box around the current tensor and the op that made it, when both fit in the canvas; else the tensor's.
  function focus(node, op) {
    const left = Math.min(node.x - node.w / 2, op.x - op.w / 2), right = Math.max(node.x + node.w / 2, op.x + op.w / 2);
    const top = Math.min(node.y - node.h / 2, op.y - op.h / 2), bottom = Math.max(node.y + node.h / 2, op.y + op.h / 2);
    const both = { x: (left + right) / 2, y: (top + bottom) / 2, w: right - left, h: bottom - top };
    const fits = both.w * view.scale <= canvas.clientWidth && both.h * view.scale <= canvas.clientHeight;
    return fits ? both : node;
  }

  // A large graph's overview is too small to read: unless the learner chose the view, a step comes that close.
  function comeCloseToRead(node) {
    if (view.chosen || view.scale >= READABLE_SCALE) return;
    view.scale = READABLE_SCALE;
    view.x = canvas.clientWidth / 2 - node.x * view.scale;
    view.y = canvas.clientHeight / 2 - node.y * view.scale;
  }

  function follow(box) {  // when the box is not wholly in view, pan (never zoom) to centre it along that axis
    const left = (box.x - box.w / 2) * view.scale + view.x, right = (box.x + box.w / 2) * view.scale + view.x;
    const top = (box.y - box.h / 2) * view.scale + view.y, bottom = (box.y + box.h / 2) * view.scale + view.y;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (left < 0 || right > width) view.x = width / 2 - box.x * view.scale;
    if (top < 0 || bottom > height) view.y = height / 2 - box.y * view.scale;
    applyView();
  }

  function listenToPointers() {  // one pointer drags the drawing; two pinch-zoom it (touch screens)
    const down = new Map();
    svg.addEventListener("pointerdown", function (event) {
      svg.setPointerCapture(event.pointerId);
      down.set(event.pointerId, [event.clientX, event.clientY]);
      svg.classList.add("dragging");
    });
    svg.addEventListener("pointermove", function (event) {
      if (!down.has(event.pointerId)) return;
      const before = Array.from(down.values());
      down.set(event.pointerId, [event.clientX, event.clientY]);
      const after = Array.from(down.values());
      if (after.length === 1) panBy(after[0][0] - before[0][0], after[0][1] - before[0][1]);
      if (after.length === 2) pinch(before, after);
    });
    ["pointerup", "pointercancel"].forEach(function (type) {
      svg.addEventListener(type, function (event) {
        down.delete(event.pointerId);
        if (!down.size) svg.classList.remove("dragging");
      });
    });
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      const box = svg.getBoundingClientRect();
      zoomAt(Math.exp(-event.deltaY * 0.002), event.clientX - box.left, event.clientY - box.top);
    }, { passive: false });
  }

  function pinch(before, after) {  // zoom by the change of the fingers' distance, about their midpoint
    const distance = function (p) { return Math.hypot(p[0][0] - p[1][0], p[0][1] - p[1][1]); };
    const box = svg.getBoundingClientRect();
    const midX = (after[0][0] + after[1][0]) / 2 - box.left, midY = (after[0][1] + after[1][1]) / 2 - box.top;
    if (distance(before) > 0) zoomAt(distance(after) / distance(before), midX, midY);
  }

  // ---- state at a step ------------------------------------------------------------------------------------------
  function computedNodes() {  // ids of the tensors and ops known after the forward steps done so far
    const known = new Set(data.nodes.filter(function (n) { return n.kind !== "op" && !n.op; })
                                    .map(function (n) { return n.id; }));
    data.forward.slice(0, Math.min(step, data.forward.length)).forEach(function (s) {
      known.add(s.node); known.add(s.op);
    });
    return known;
  }

  function gradientLabels() {  // node id -> its "∂f/∂node = …" lines after the backward steps done so far
    const labels = {};
    data.backward.slice(0, Math.max(0, step - data.forward.length)).forEach(function (s) {
      Object.assign(labels, s.labels);
    });
    return labels;
  }

  function current() {
    if (step === 0) return { phase: "start" };
    if (step <= data.forward.length) return { phase: "forward", index: step, info: data.forward[step - 1] };
    const index = step - data.forward.length;
    return { phase: "backward", index: index, info: data.backward[index - 1] };
  }

  function markNodes(now, known, labels) {
    data.nodes.forEach(function (node) {
      const classes = ["node", "kind-" + node.kind];
      if (!known.has(node.id)) classes.push("pending");
      if (now.info && (now.info.node === node.id || now.info.op === node.id)) classes.push("current");
      node.shape_.setAttribute("class", classes.join(" "));
      if (now.info && now.info.node === node.id) node.shape_.setAttribute("aria-current", "step");
      else node.shape_.removeAttribute("aria-current");
      (node.gradTexts || []).forEach(function (line, i) { line.textContent = (labels[node.id] || [])[i] || ""; });
    });
  }

  function markEdges(now, known) {  // the edges in use now, and on each input edge of a backward step what it carries
    const carried = {};
    if (now.phase === "backward") {
      now.info.inputs.forEach(function (input) {
        // a large tensor's summary would not fit on an edge: its shape says what travels, the panel the values
        if (input.sent) (carried[input.to] = carried[input.to] || []).push(input.sent.listing ? input.sent.size
                                                                                              : input.sent.text);
      });
    }
    data.edgeLabels.textContent = "";
    data.edges.forEach(function (edge) {
      const classes = ["edge"];
      if (!known.has(edge.from) || !known.has(edge.to)) classes.push("pending");
      const inUse = now.info && (edge.to === now.info.op || edge.from === now.info.op);
      const idle = now.phase === "backward" && edge.to === now.info.op && !carried[edge.from];
      if (inUse && !idle) classes.push(now.phase);
      edge.shape.setAttribute("class", classes.join(" "));
      if (now.phase === "backward" && edge.to === now.info.op && carried[edge.from]) {
        labelEdge(edge, "+= " + carried[edge.from].join(" + "));
      }
    });
  }

  // A label nearer the input than the op, where the edges into one op run close together, and on the outer side of
  // its edge (the side its input lies on), so the labels of edges that meet at one op do not run into each other.
  function labelEdge(edge, content) {
    const spot = edge.shape.getPointAtLength(edge.shape.getTotalLength() * 0.4);
    const from = nodesById[edge.from], to = nodesById[edge.to];
    if (data.direction === "TB") {
      const left = from.x < to.x;
      text(data.edgeLabels, spot.x + (left ? -6 : 6), spot.y + 4, content, "edge-label")
        .setAttribute("text-anchor", left ? "end" : "start");
    } else {
      text(data.edgeLabels, spot.x, spot.y + (from.y > to.y ? 15 : -6), content, "edge-label");
    }
  }

  function render() {
    const known = computedNodes(), labels = gradientLabels(), now = current();
    markNodes(now, known, labels);
    markEdges(now, known);
    const total = now.phase === "forward" ? data.forward.length : data.backward.length;
    document.getElementById("progress").textContent =
      now.phase === "start" ? "start" : now.phase + " step " + now.index + " of " + total;
    document.getElementById("panel").innerHTML = explain(now);
    document.getElementById("back").disabled = step === 0;
    document.getElementById("next").disabled = step === lastStep;
    if (now.info) {
      comeCloseToRead(nodesById[now.info.node]);
      follow(focus(nodesById[now.info.node], nodesById[now.info.op]));
    }
    writeState();
  }

  // ---- the panel --------------------------------------------------------------------------------------------------
  function escapeHtml(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function math(content) { return "<span class='math'>" + escapeHtml(content) + "</span>"; }

  function numbersHtml(shown) {  // a value as text; a larger tensor also with its shape and its values on a click
    if (!shown.listing) return math(shown.text);
    return math(shown.text) + " <span class='shape'>" + escapeHtml(shown.shape) + "</span>" +
      "<details><summary>values</summary><pre>" + escapeHtml(shown.listing) + "</pre></details>";
  }

  function explainStart() {
    return "<h2>Start</h2><p>The graph of " + math(data.output) + ": boxes are tensors (name, shape, value), " +
      "ellipses are ops. Only the inputs are known yet.</p>" +
      "<p>Press <b>next ▶</b> or <kbd>→</kbd> to run the forward pass, one op at a time; then the backward pass " +
      "sends ∂" + escapeHtml(data.output) + " back through the graph, one chain-rule step per op.</p>" +
      "<p><kbd>←</kbd> <kbd>→</kbd> step, <kbd>Home</kbd> <kbd>End</kbd> first and last step; " +
      "<kbd>+</kbd> <kbd>−</kbd> or the wheel zoom, <kbd>0</kbd> fits the window; drag, or <kbd>↑</kbd> " +
      "<kbd>↓</kbd> and <kbd>Shift</kbd>+<kbd>←</kbd> <kbd>→</kbd>, pan. The current node stays in view.</p>";
  }

  function explainForward(now) {
    const s = now.info;
    return "<h2>Forward: " + escapeHtml(s.text) + "</h2>" +
      "<p>" + escapeHtml(nodesById[s.node].label) + " = " + numbersHtml(s.value) + "</p>" +
      (s.value.listing ? "" : "<p class='shape'>" + escapeHtml(s.value.shape) + "</p>") +
      (now.index === data.forward.length && data.backward.length ? "<p>Forward done. Next: backward.</p>" : "");
  }

  function explainInput(input) {
    if (input.none) return "<div class='input none'><p>" + escapeHtml(input.none) + "</p></div>";
    const scalar = !input.sent.listing;
    return "<div class='input'>" +
      (input.local ? "<p>local derivative " + math(input.local) + "</p>" : "") +
      "<p>chain rule " + math(input.chain) + "</p>" +
      (scalar ? "" : "<p>the engine sends " + numbersHtml(input.sent) + "</p>") +
      "<p>now " + escapeHtml(input.totalName) + " = " + numbersHtml(input.total) + "</p></div>";
  }

  function explainBackward(now) {
    const s = now.info;
    return "<h2>Backward at " + escapeHtml(madeBy[s.node]) + "</h2>" +
      "<p>upstream " + escapeHtml(s.upstreamName) + " = " + numbersHtml(s.upstream) + "</p>" +
      "<p>each input receives upstream × local derivative, added to what it already holds:</p>" +
      s.inputs.map(explainInput).join("");
  }

  function explain(now) {
    if (now.phase === "start") return explainStart();
    return now.phase === "forward" ? explainForward(now) : explainBackward(now);
  }

  function writeState() {  // a machine-readable copy of what the page shows, for tests
    const now = current(), labels = gradientLabels(), byName = {};
    Object.keys(labels).forEach(function (id) { byName[nodesById[id].label] = labels[id].join(" "); });
    document.getElementById("state").textContent = JSON.stringify({
      step: step, phase: now.phase, index: now.index || 0,
      node: now.info ? nodesById[now.info.node].label : null,
      upstream: now.phase === "backward" ? now.info.upstream.text : null,
      grads: byName,
      view: { scale: view.scale, x: view.x, y: view.y },
      drawn: document.querySelectorAll("#graph .node").length,
    });
  }

  // ---- controls -------------------------------------------------------------------------------------------------
  function go(to) {
    step = Math.max(0, Math.min(lastStep, to));
    render();
  }

  const KEYS = {  // key -> [action without Shift, action with Shift]
    ArrowRight: [function () { go(step + 1); }, function () { panBy(-PAN_STEP, 0); }],
    ArrowLeft: [function () { go(step - 1); }, function () { panBy(PAN_STEP, 0); }],
    ArrowUp: [function () { panBy(0, PAN_STEP); }],
    ArrowDown: [function () { panBy(0, -PAN_STEP); }],
    Home: [function () { go(0); }],
    End: [function () { go(lastStep); }],
    "+": [function () { zoomAtCentre(ZOOM_STEP); }],
    "=": [function () { zoomAtCentre(ZOOM_STEP); }],
    "-": [function () { zoomAtCentre(1 / ZOOM_STEP); }],
    "0": [function () { fit(true); render(); }],
  };

  function listenToKeys() {
    document.addEventListener("keydown", function (event) {
      const actions = KEYS[event.key];
      if (!actions || event.ctrlKey || event.metaKey || event.altKey) return;
      event.preventDefault();
      (event.shiftKey && actions[1] ? actions[1] : actions[0])();
    });
  }

  function listenToButtons() {
    const clicks = { reset: function () { go(0); }, back: function () { go(step - 1); },
                     next: function () { go(step + 1); }, "zoom-in": function () { zoomAtCentre(ZOOM_STEP); },
                     "zoom-out": function () { zoomAtCentre(1 / ZOOM_STEP); },
                     fit: function () { fit(true); render(); } };
    Object.keys(clicks).forEach(function (id) { document.getElementById(id).addEventListener("click", clicks[id]); });
    window.addEventListener("resize", function () { if (!view.chosen) fit(false); render(); });
  }

  drawLegend();
  drawGraph();
  listenToPointers();
  listenToKeys();
  listenToButtons();
  fit(false);
  render();
  // #autostep=N presses "next" N times on load (a shareable link to a step)
  const wanted = /autostep=(\d+)/.exec(window.location.hash);
  if (wanted) go(Number(wanted[1]));
})();
