// The explorer: draws the graph from the data Python embedded, then replays the forward pass (one op per
// step) and the backward pass (one chain-rule step per op, as trace_backward recorded it).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const LINE = 15;  // px between text lines in a node
  const nodesById = {}, madeBy = {};  // madeBy: tensor id -> its forward step text, "c = Add(x, y)"
  data.nodes.forEach(function (node) { nodesById[node.id] = node; });
  data.forward.forEach(function (s) { madeBy[s.node] = s.text; });
  const lastStep = data.forward.length + data.backward.length;
  let step = 0;  // 0: only the inputs are known; then forward steps; then backward steps

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

  // Cubic curves through the route points, leaving and entering each point horizontally.
  function edgePath(points) {
    let path = "M" + points[0][0] + "," + points[0][1];
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1], [x1, y1] = points[i], dx = (x1 - x0) / 2;
      path += " C" + (x0 + dx) + "," + y0 + " " + (x1 - dx) + "," + y1 + " " + x1 + "," + y1;
    }
    return path;
  }

  function drawGraph() {
    const svg = document.getElementById("graph");
    const [minX, minY, width, height] = data.viewBox;
    svg.setAttribute("viewBox", [minX, minY, width, height].join(" "));
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    const defs = element("defs", {}, svg);
    const marker = element("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8,
                                       markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
    element("path", { d: "M0,0 L10,5 L0,10 z", fill: "#666" }, marker);
    data.edges.forEach(function (edge) {
      edge.shape = element("path", { d: edgePath(edge.points), class: "edge", "marker-end": "url(#arrow)" }, svg);
    });
    data.nodes.forEach(function (node) {
      const group = element("g", { class: "node kind-" + node.kind, id: "node-" + node.id }, svg);
      if (node.kind === "op") {
        element("ellipse", { cx: node.x, cy: node.y, rx: node.w / 2, ry: node.h / 2 }, group);
        text(group, node.x, node.y + 4, node.label, "name");
      } else {
        element("rect", { x: node.x - node.w / 2, y: node.y - node.h / 2, width: node.w, height: node.h, rx: 3 },
                group);
        const top = node.y - node.h / 2 + LINE;
        text(group, node.x, top, node.label, "name");
        text(group, node.x, top + LINE, node.shape);
        text(group, node.x, top + 2 * LINE, node.value);
        node.gradText = text(group, node.x, node.y + node.h / 2 + LINE, "", "grad");
      }
      node.shape_ = group;
    });
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

  // ---- state at a step ------------------------------------------------------------------------------
  function computedNodes() {  // ids of the tensors and ops known after the forward steps done so far
    const known = new Set(data.nodes.filter(function (n) { return n.kind !== "op" && !n.op; })
                                    .map(function (n) { return n.id; }));
    data.forward.slice(0, Math.min(step, data.forward.length)).forEach(function (s) {
      known.add(s.node); known.add(s.op);
    });
    return known;
  }

  function gradients() {  // node id -> ∂out/∂node as known after the backward steps done so far
    const grads = {};
    data.backward.slice(0, Math.max(0, step - data.forward.length)).forEach(function (s) {
      Object.assign(grads, s.totals);
    });
    return grads;
  }

  function current() {
    if (step === 0) return { phase: "start" };
    if (step <= data.forward.length) return { phase: "forward", index: step, info: data.forward[step - 1] };
    const index = step - data.forward.length;
    return { phase: "backward", index: index, info: data.backward[index - 1] };
  }

  function render() {
    const known = computedNodes(), grads = gradients(), now = current();
    data.nodes.forEach(function (node) {
      const classes = ["node", "kind-" + node.kind];
      if (!known.has(node.id)) classes.push("pending");
      if (now.info && (now.info.node === node.id || now.info.op === node.id)) classes.push("current");
      node.shape_.setAttribute("class", classes.join(" "));
      if (node.gradText) {
        node.gradText.textContent = node.id in grads ? "∂" + data.output + " = " + grads[node.id] : "";
      }
    });
    data.edges.forEach(function (edge) {
      const classes = ["edge"];
      if (!known.has(edge.from) || !known.has(edge.to)) classes.push("pending");
      if (now.info && (edge.to === now.info.op || edge.from === now.info.op)) classes.push(now.phase);
      edge.shape.setAttribute("class", classes.join(" "));
    });
    const total = now.phase === "forward" ? data.forward.length : data.backward.length;
    document.getElementById("progress").textContent =
      now.phase === "start" ? "start" : now.phase + " step " + now.index + " of " + total;
    document.getElementById("panel").innerHTML = explain(now, grads);
    document.getElementById("back").disabled = step === 0;
    document.getElementById("next").disabled = step === lastStep;
    writeState(now, grads);
  }

  function escapeHtml(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function explain(now, grads) {
    const name = function (id) { return escapeHtml(nodesById[id].label); };
    if (now.phase === "start") {
      const inputs = data.nodes.filter(function (n) { return n.kind !== "op" && !n.op; });
      return "<h2>Start</h2><p>Only the inputs are known. Press <b>next ▶</b> (or →) to run the forward pass, " +
        "one op at a time; then the backward pass sends ∂" + escapeHtml(data.output) +
        " back, one op at a time.</p>" +
        "<table>" + inputs.map(function (n) {
          return "<tr><td><b>" + name(n.id) + "</b></td><td>" + escapeHtml(n.value) + "</td></tr>";
        }).join("") + "</table>";
    }
    const s = now.info;
    if (now.phase === "forward") {
      return "<h2>Forward: " + escapeHtml(s.text) + "</h2>" +
        "<p>value <span class='math'>" + escapeHtml(nodesById[s.node].value) + "</span>, shape " +
        escapeHtml(nodesById[s.node].shape) + "</p>" +
        (now.index === data.forward.length && data.backward.length ? "<p>Forward done. Next: backward.</p>" : "");
    }
    const d = "∂" + escapeHtml(data.output);
    const sent = s.sent.map(function (item) {
      return "<tr><td>" + d + "/∂" + name(item[0]) + "</td><td>+= " + escapeHtml(item[1]) + "</td><td>now " +
        escapeHtml(grads[item[0]]) + "</td></tr>";
    }).join("");
    return "<h2>Backward at " + escapeHtml(madeBy[s.node]) + "</h2>" +
      "<p>upstream gradient <span class='math'>" + d + "/∂" + name(s.node) + " = " + escapeHtml(s.upstream) +
      "</span></p>" +
      "<p>local rule<br><span class='rule'>" + escapeHtml(s.rule) + "</span></p>" +
      "<p>chain rule: each input receives upstream × local derivative</p>" +
      (sent ? "<table>" + sent + "</table>" : "<p>no input needs a gradient</p>");
  }

  function writeState(now, grads) {  // a machine-readable copy of what the page shows, for tests
    const byName = {};
    Object.keys(grads).forEach(function (id) { byName[nodesById[id].label] = grads[id]; });
    document.getElementById("state").textContent = JSON.stringify({
      step: step, phase: now.phase, index: now.index || 0,
      node: now.info ? nodesById[now.info.node].label : null,
      upstream: now.phase === "backward" ? now.info.upstream : null,
      rule: now.phase === "backward" ? now.info.rule : null,
      grads: byName,
      drawn: document.querySelectorAll("#graph .node").length,
    });
  }

  function go(to) {
    step = Math.max(0, Math.min(lastStep, to));
    render();
  }

  drawLegend();
  drawGraph();
  document.getElementById("reset").addEventListener("click", function () { go(0); });
  document.getElementById("back").addEventListener("click", function () { go(step - 1); });
  document.getElementById("next").addEventListener("click", function () { go(step + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") go(step + 1);
    else if (event.key === "ArrowLeft") go(step - 1);
    else if (event.key === "Home") go(0);
  });
  render();
  // #autostep=N presses "next" N times on load (a shareable link to a step, and the browser test's handle)
  const wanted = /autostep=(\d+)/.exec(window.location.hash);
  if (wanted) {
    for (let i = 0; i < Number(wanted[1]); i++) document.getElementById("next").click();
  }
})();
