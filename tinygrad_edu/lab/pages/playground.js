// The optimizer playground's script. It computes nothing about optimizers or functions: every position, loss,
// gradient and state comes from the data Python wrote into the page, looked up at the sliders' grid point and
// drawn. Layout of the data: see tinygrad_edu/lab/playground_page.py.
"use strict";

const DATA = JSON.parse(document.getElementById("playground-data").textContent);
const SVG_NS = "http://www.w3.org/2000/svg";
const MARGIN = {left: 64, right: 16, top: 12, bottom: 50};  // room for the tick labels around each picture
const LOSS_BOX = {width: 480, height: 400};
const LOG_DECADES = 12;  // a log axis shows at most this many decades, so an exact minimum does not squash the rest
const FAR = 1e4;  // SVG units: points of a run that flew off are drawn at most this far out (then clipped)
const ARROW = 36;  // SVG units: the length of the −∇f arrow, which shows the direction only
const PLAY_DELAY = 120;  // ms between steps while playing

const $ = (id) => document.getElementById(id);
const state = {
  fn: 0, step: DATA.steps, target: "*", lrOffset: 0, shown: new Set(DATA.shown), timer: null,
  // positions[function][label] = [index of η in its rates, index of β₁, index of β₂]
  positions: DATA.functions.map((fn) => Object.fromEntries(DATA.optimizers.map((o) => [o.label, [
    fn.optimizers[o.label].start, o.startBetas[0] ?? 0, o.startBetas[1] ?? 0]]))),
};

// ---- looking up the precomputed runs -------------------------------------------------------------------------------
function currentFunction() { return DATA.functions[state.fn]; }

function settingsOf(optimizer) {
  const entry = currentFunction().optimizers[optimizer.label];
  const [rate, first, second] = state.positions[state.fn][optimizer.label];
  return {lr: entry.lr[rate], best: rate === entry.start, beta1: optimizer.symbols[0] ? DATA.beta1[first] : null,
          beta2: optimizer.symbols[1] ? DATA.beta2[second] : null};
}

function runOf(optimizer) {
  // the runs are in the order of itertools.product(rates, β₁ grid, β₂ grid); a β it does not take has one value
  const entry = currentFunction().optimizers[optimizer.label];
  const [rate, first, second] = state.positions[state.fn][optimizer.label];
  const counts = optimizer.symbols.map((symbol, k) => (symbol ? [DATA.beta1, DATA.beta2][k].length : 1));
  const firstIndex = optimizer.symbols[0] ? first : 0, secondIndex = optimizer.symbols[1] ? second : 0;
  return entry.runs[(rate * counts[0] + firstIndex) * counts[1] + secondIndex];
}

function stepsIn(run) { return run.loss.length; }

function vectorAt(values, t, dim) {
  const start = t * dim;
  return values.slice(start, start + dim);
}

function shownOptimizers() { return DATA.optimizers.filter((o) => state.shown.has(o.label)); }

function targeted() {
  return state.target === "*" ? DATA.optimizers : DATA.optimizers.filter((o) => o.label === state.target);
}

// ---- numbers as text -----------------------------------------------------------------------------------------------
function formatNumber(value, digits = 4) {
  if (value === null || value === undefined) return "–";
  if (value === 0) return "0";
  const size = Math.abs(value);
  const text = size >= 1e5 || size < 1e-3
    ? value.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e")
    : String(Number(value.toPrecision(digits)));
  return text.replace(/-/g, "−");
}

const SUPERSCRIPTS = {"-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
                      "7": "⁷", "8": "⁸", "9": "⁹"};
function powerOfTen(exponent) {
  return "10" + String(exponent).split("").map((c) => SUPERSCRIPTS[c]).join("");
}

function vectorText(values) {
  return values.length === 1 ? formatNumber(values[0]) : "(" + values.map((v) => formatNumber(v)).join(", ") + ")";
}

// ---- SVG helpers ---------------------------------------------------------------------------------------------------
function element(name, attributes, parent, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

function linearMap(domain, range) {
  const scale = (range[1] - range[0]) / (domain[1] - domain[0]);
  return (value) => clamp(range[0] + (value - domain[0]) * scale, -FAR, FAR);
}

function niceTicks(low, high, count) {
  const rough = (high - low) / count;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough);
  const ticks = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    ticks.push(Math.abs(value) < step * 1e-9 ? 0 : value);
  }
  return ticks;
}

function drawAxes(svg, box, xTicks, yTicks, labels) {
  const group = element("g", {class: "axes"}, svg);
  const bottom = MARGIN.top + box.height;
  for (const [value, x] of xTicks) {
    element("line", {class: "tick", x1: x, x2: x, y1: MARGIN.top, y2: bottom}, group);
    element("text", {x: x, y: bottom + 19, "text-anchor": "middle"}, group, value);
  }
  for (const [value, y] of yTicks) {
    element("line", {class: "tick", x1: MARGIN.left, x2: MARGIN.left + box.width, y1: y, y2: y}, group);
    element("text", {x: MARGIN.left - 7, y: y + 5, "text-anchor": "end"}, group, value);
  }
  element("rect", {class: "axis-line", x: MARGIN.left, y: MARGIN.top, width: box.width, height: box.height}, group);
  element("text", {x: MARGIN.left + box.width / 2, y: bottom + 42, "text-anchor": "middle"}, group, labels[0]);
  element("text", {x: 16, y: MARGIN.top + box.height / 2, "text-anchor": "middle",
                   transform: `rotate(-90 16 ${MARGIN.top + box.height / 2})`}, group, labels[1]);
}

function prepare(svg, box, clipId) {
  svg.textContent = "";
  const width = MARGIN.left + box.width + MARGIN.right, height = MARGIN.top + box.height + MARGIN.bottom;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const clip = element("clipPath", {id: clipId}, element("defs", {}, svg));
  element("rect", {x: MARGIN.left, y: MARGIN.top, width: box.width, height: box.height}, clip);
}

function pathData(points) {
  let text = "", pen = "M";
  for (const point of points) {
    if (point === null) { pen = "M"; continue; }  // a step with no finite value breaks the line
    text += `${pen}${point[0].toFixed(1)} ${point[1].toFixed(1)}`;
    pen = "L";
  }
  return text || "M0 0";
}

function dashOf(optimizer) { return optimizer.dashed ? "6 4" : "none"; }

// ---- the picture: contours (or the 1-D curve) and the paths --------------------------------------------------------
function pictureMaps(fn) {
  const picture = fn.picture;
  return {x: linearMap(picture.x, [MARGIN.left, MARGIN.left + picture.width]),
          y: linearMap(picture.y, [MARGIN.top + picture.height, MARGIN.top])};
}

function bandColor(band, count) {
  const share = band / Math.max(count - 1, 1);  // 0 in the lowest band (the valley), 1 in the highest
  return `hsl(${48 + 160 * share}, ${70 - 30 * share}%, ${96 - 22 * share}%)`;
}

function drawBands(svg, picture) {
  // one rectangle per run of equal band characters in a row, centred on the samples
  const group = element("g", {"clip-path": "url(#paths-clip)"}, svg);
  const rows = picture.bands.length, columns = picture.bands[0].length;
  const cellWidth = picture.width / (columns - 1), cellHeight = picture.height / (rows - 1);
  picture.bands.forEach((row, r) => {
    const top = MARGIN.top + picture.height - (r + 0.5) * cellHeight;
    let start = 0;
    for (let c = 1; c <= columns; c++) {
      if (c < columns && row[c] === row[start]) continue;
      element("rect", {x: MARGIN.left + (start - 0.5) * cellWidth, y: top, width: (c - start) * cellWidth + 0.5,
                       height: cellHeight + 0.5, fill: bandColor(parseInt(row[start], 36), picture.bandCount)}, group);
      start = c;
    }
  });
}

function drawPicture() {
  const fn = currentFunction(), picture = fn.picture, svg = $("paths");
  prepare(svg, picture, "paths-clip");
  const maps = pictureMaps(fn);
  const shift = `translate(${MARGIN.left} ${MARGIN.top})`;
  if (fn.dim === 2) {
    drawBands(svg, picture);
    const lines = element("g", {transform: shift, "clip-path": "url(#paths-clip-local)"}, svg);
    for (const d of picture.contours) element("path", {class: "contour", d: d}, lines);
  } else {
    element("path", {class: "curve", d: picture.curve, transform: shift}, svg);
  }
  const local = element("clipPath", {id: "paths-clip-local"}, svg.querySelector("defs"));
  element("rect", {x: 0, y: 0, width: picture.width, height: picture.height}, local);
  const yRange = picture.y;
  drawAxes(svg, picture, niceTicks(picture.x[0], picture.x[1], 6).map((v) => [formatNumber(v), maps.x(v)]),
           niceTicks(yRange[0], yRange[1], 6).map((v) => [formatNumber(v), maps.y(v)]),
           fn.dim === 2 ? ["x", "y"] : ["x", fn.best === null ? "f(x)" : "f(x) − f*"]);
  element("g", {id: "trajectories", "clip-path": "url(#paths-clip)"}, svg);
  $("paths-caption").textContent = fn.dim === 2
    ? `paths over the contours of f (● start${fn.minimum ? ", ★ minimum" : ""}; arrows: −∇f at step t)`
    : "f along x, and the points x₀ … x_t each optimizer visited";
}

function positionsOf(run, fn, last) {
  const maps = pictureMaps(fn), points = [];
  for (let t = 0; t <= last; t++) {
    const x = vectorAt(run.x, t, fn.dim);
    const y = fn.dim === 2 ? x[1] : run.loss[t];
    points.push(x[0] === null || y === null ? null : [maps.x(x[0]), maps.y(y)]);
  }
  return points;
}

function drawArrow(group, at, gradient, picture, color) {
  if (!at || gradient[0] === null || gradient[1] === null) return;
  // −∇f as the picture stretches it (SVG's y grows downwards), at a fixed length: only its direction is shown,
  // since gradients span many orders of magnitude
  const across = -gradient[0] * picture.width / (picture.x[1] - picture.x[0]);
  const up = gradient[1] * picture.height / (picture.y[1] - picture.y[0]);
  const length = Math.hypot(across, up);
  if (!(length > 0) || !isFinite(length)) return;
  const dx = across / length * ARROW, dy = up / length * ARROW;
  const tip = [at[0] + dx, at[1] + dy], back = [-dx / 4, -dy / 4], side = [-dy / 8, dx / 8];
  element("path", {class: "arrow", stroke: color, fill: color, d: `M${at[0]} ${at[1]}L${tip[0]} ${tip[1]}` +
    `M${tip[0]} ${tip[1]}l${back[0] + side[0]} ${back[1] + side[1]}l${-2 * side[0]} ${-2 * side[1]}Z`}, group);
}

function drawTrajectories() {
  const fn = currentFunction(), group = $("trajectories");
  group.textContent = "";
  const maps = pictureMaps(fn);
  for (const optimizer of shownOptimizers()) {
    const run = runOf(optimizer), last = stepsIn(run) - 1, t = Math.min(state.step, last);
    const all = positionsOf(run, fn, last), now = all.slice(0, t + 1);
    const look = {stroke: optimizer.color, "stroke-dasharray": dashOf(optimizer), "data-optimizer": optimizer.label};
    element("path", {...look, class: "path-all", d: pathData(all)}, group);
    element("path", {...look, class: "path-now", d: pathData(now)}, group);
    const at = now[now.length - 1];
    if (fn.dim === 2) drawArrow(group, at, vectorAt(run.g, t, 2), fn.picture, optimizer.color);
    if (at) element("circle", {class: "now", cx: at[0], cy: at[1], r: 5, fill: optimizer.color}, group);
  }
  const start = fn.dim === 2 ? [maps.x(fn.start[0]), maps.y(fn.start[1])] : null;
  if (start) element("circle", {class: "start", cx: start[0], cy: start[1], r: 4}, group);
  if (fn.minimum && fn.dim === 2) {
    element("text", {class: "minimum", x: maps.x(fn.minimum[0]), y: maps.y(fn.minimum[1]) + 6,
                     "text-anchor": "middle"}, group, "★");
  }
}

// ---- the loss curves -----------------------------------------------------------------------------------------------
function lossScale(fn) {
  // f − f* ≥ 0 spans decades: log scale; without a minimum (the saddle) f falls below 0: sign · log10(1 + |f|)
  if (fn.best !== null) return (value) => Math.log10(Math.max(value, 1e-300));
  return (value) => Math.sign(value) * Math.log10(1 + Math.abs(value));
}

function lossRange(fn, scale, runs) {
  // the runs that stayed finite set the range, so one diverged run (f ~ 1e200) does not flatten the others
  const steady = runs.filter((run) => !run.diverged);
  const values = (steady.length ? steady : runs).flatMap((run) => run.loss.filter((v) => v !== null).map(scale));
  let high = Math.max(...values, fn.best !== null ? -1 : 1), low = Math.min(...values, 0);
  if (fn.best !== null) {
    high = Math.ceil(high);
    low = Math.max(Math.floor(low), high - LOG_DECADES);
  }
  return low < high ? [low, high] : [low - 1, high + 1];
}

function lossTicks(fn, range, map) {
  // decades: 10^k on the log axis; 0 and ±10^k on the signed one, at most about four a side
  const top = Math.floor(Math.max(Math.abs(range[0]), Math.abs(range[1])));
  const every = Math.max(1, Math.ceil((fn.best !== null ? range[1] - range[0] : top) / 5));
  const ticks = [];
  if (fn.best !== null) {
    for (let k = Math.ceil(range[0]); k <= range[1]; k += every) ticks.push([powerOfTen(k), map(k)]);
    return ticks;
  }
  ticks.push(["0", map(0)]);
  for (let k = 0; k <= top; k += every) {
    const position = Math.log10(1 + Math.pow(10, k));
    if (position <= range[1]) ticks.push([powerOfTen(k), map(position)]);
    if (-position >= range[0]) ticks.push(["−" + powerOfTen(k), map(-position)]);
  }
  return ticks;
}

function drawLoss() {
  const fn = currentFunction(), svg = $("loss"), box = LOSS_BOX;
  prepare(svg, box, "loss-clip");
  const optimizers = shownOptimizers(), runs = optimizers.map(runOf), scale = lossScale(fn);
  const range = lossRange(fn, scale, runs);
  const x = linearMap([0, DATA.steps], [MARGIN.left, MARGIN.left + box.width]);
  const y = linearMap(range, [MARGIN.top + box.height, MARGIN.top]);
  drawAxes(svg, box, niceTicks(0, DATA.steps, 6).map((v) => [String(v), x(v)]), lossTicks(fn, range, y),
           ["step t", fn.best !== null ? "f(θ_t) − f*  (log scale)" : "f(θ_t)  (sign · log(1 + |f|) scale)"]);
  const group = element("g", {"clip-path": "url(#loss-clip)"}, svg);
  element("line", {class: "marker-line", x1: x(state.step), x2: x(state.step), y1: MARGIN.top,
                   y2: MARGIN.top + box.height}, group);
  optimizers.forEach((optimizer, k) => {
    const points = runs[k].loss.map((v, t) => (v === null ? null : [x(t), y(scale(v))]));
    element("path", {class: "path-now", d: pathData(points), stroke: optimizer.color,
                     "stroke-dasharray": dashOf(optimizer), "data-optimizer": optimizer.label}, group);
    const at = points[Math.min(state.step, points.length - 1)];
    if (at) element("circle", {class: "now", cx: at[0], cy: at[1], r: 4.5, fill: optimizer.color}, group);
  });
  const diverged = optimizers.filter((optimizer, k) => runs[k].diverged).map((optimizer) => optimizer.label);
  $("loss-caption").textContent = `loss per step, marker at t = ${state.step}` +
    (diverged.length && diverged.length < runs.length ? ` (y range without ${diverged.join(", ")}: diverged)` : "");
}

// ---- the state cards -----------------------------------------------------------------------------------------------
function settingsText(optimizer) {
  const now = settingsOf(optimizer), parts = [`η = ${formatNumber(now.lr)}`];
  optimizer.symbols.forEach((symbol, k) => {
    if (symbol) parts.push(`${symbol} = ${[now.beta1, now.beta2][k]}`);
  });
  return parts.join(" · ") + (optimizer.fixed ? ` · fixed: ${optimizer.fixed}` : "");
}

function cardRow(body, name, title, values) {
  const row = document.createElement("tr");
  row.dataset.quantity = name;
  const heading = document.createElement("th");
  heading.textContent = title;
  row.appendChild(heading);
  values.forEach((value, axis) => {
    const cell = document.createElement("td");
    cell.dataset.axis = axis;
    cell.textContent = formatNumber(value);
    if (value !== null) cell.title = String(value);
    row.appendChild(cell);
  });
  body.appendChild(row);
}

function drawCard(optimizer, fn) {
  const run = runOf(optimizer), last = stepsIn(run) - 1, t = Math.min(state.step, last);
  const card = document.createElement("article");
  card.className = "card";
  card.dataset.optimizer = optimizer.label;
  card.dataset.step = t;
  card.style.borderLeftColor = optimizer.color;
  card.innerHTML = `<h3><span class="swatch"></span><span class="name"></span></h3><p class="settings"></p>` +
    `<table><thead><tr><th>t = ${t}</th></tr></thead><tbody></tbody></table>`;
  card.querySelector(".swatch").style.borderTopColor = optimizer.color;
  card.querySelector(".swatch").classList.toggle("dashed", optimizer.dashed);
  card.querySelector(".name").textContent = optimizer.label;
  card.querySelector(".settings").textContent = settingsText(optimizer);
  const names = fn.dim === 2 ? ["x", "y"] : ["x"];
  for (const name of names) {
    const th = document.createElement("th");
    th.textContent = name;
    card.querySelector("thead tr").appendChild(th);
  }
  const body = card.querySelector("tbody");
  cardRow(body, "theta", "θ", vectorAt(run.x, t, fn.dim));
  cardRow(body, "loss", fn.best !== null ? "f − f*" : "f", [run.loss[t]]);
  cardRow(body, "grad", "∇f(θ)", vectorAt(run.g, t, fn.dim));
  for (const [symbol, values] of Object.entries(run.state)) {
    cardRow(body, `state:${symbol}`, symbol, vectorAt(values, t, fn.dim));
  }
  if (run.diverged) {
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = `diverged: f or ∇f stopped being a finite number at step ${last}`;
    card.appendChild(note);
  }
  return card;
}

function drawCards() {
  const fn = currentFunction(), box = $("states");
  box.textContent = "";
  for (const optimizer of shownOptimizers()) box.appendChild(drawCard(optimizer, fn));
  $("states-heading").textContent = `After t = ${state.step} steps: θ_t, f, ∇f(θ_t) and what each optimizer holds`;
}

// ---- the grid note -------------------------------------------------------------------------------------------------
function drawGridNote() {
  const fn = currentFunction();
  const start = fn.start.map((v) => formatNumber(v)).join(", ");
  $("grid-text").textContent = `${DATA.steps} steps of every optimizer from θ₀ = (${start}) ` +
    `on ${fn.name}, run in Python with tinygrad_edu.optim at every point of this grid; the sliders snap to it. ` +
    `β₁ (or momentum μ) ∈ {${DATA.beta1.join(", ")}}, β₂ (or α, ρ) ∈ {${DATA.beta2.join(", ")}} for the ` +
    `optimizers that take them. Learning rates: for each optimizer, neighbours in the series ` +
    `${DATA.lrSeries.map((v) => formatNumber(v)).join(", ")} around the rate (underlined) that gets f lowest in ` +
    `${DATA.steps} steps without leaving the picture, at its default β; a rate its settings fix is the only one.`;
  const table = $("grid-table");
  table.innerHTML = "<thead><tr><th>optimizer</th><th>learning rates η</th><th>β sliders move</th>" +
    "<th>fixed settings</th></tr></thead>";
  const body = document.createElement("tbody");
  for (const optimizer of DATA.optimizers) {
    const entry = fn.optimizers[optimizer.label], row = document.createElement("tr");
    const rates = entry.lr.map((lr, i) => (i === entry.start ? `<span class="best">${formatNumber(lr)}</span>`
                                                             : formatNumber(lr))).join(", ");
    const moved = optimizer.symbols.filter((s) => s).join(", ") || "–";
    row.innerHTML = `<td></td><td>${rates}</td><td>${moved}</td><td></td>`;
    row.cells[0].textContent = optimizer.label;
    row.cells[3].textContent = optimizer.fixed || "–";
    body.appendChild(row);
  }
  table.appendChild(body);
}

// ---- controls ------------------------------------------------------------------------------------------------------
function buildControls() {
  const functionSelect = $("function");
  DATA.functions.forEach((fn, i) => functionSelect.add(new Option(fn.name, i)));
  const list = $("optimizer-list");
  for (const optimizer of DATA.optimizers) {
    const label = document.createElement("label"), box = document.createElement("input");
    const swatch = document.createElement("span");
    box.type = "checkbox";
    box.value = optimizer.label;
    box.checked = state.shown.has(optimizer.label);
    swatch.className = "swatch" + (optimizer.dashed ? " dashed" : "");
    swatch.style.borderTopColor = optimizer.color;
    label.append(box, swatch, optimizer.label);
    list.appendChild(label);
  }
  const target = $("target");
  target.add(new Option("every optimizer", "*"));
  for (const optimizer of DATA.optimizers) target.add(new Option(optimizer.label, optimizer.label));
  $("step").min = 0;
  $("step").max = DATA.steps;
}

function rateSliderRange() {
  if (state.target !== "*") {
    const entry = currentFunction().optimizers[state.target];
    return [0, entry.lr.length - 1, state.positions[state.fn][state.target][0]];
  }
  const longest = Math.max(...DATA.optimizers.map((o) => currentFunction().optimizers[o.label].lr.length));
  return [-(longest - 1), longest - 1, state.lrOffset];
}

function updateRateSlider() {
  const slider = $("lr"), [low, high, value] = rateSliderRange();
  Object.assign(slider, {min: low, max: high});
  slider.value = value;
  slider.disabled = high === low;
  if (state.target !== "*") {
    const now = settingsOf(DATA.optimizers.find((o) => o.label === state.target));
    $("lr-value").textContent = `= ${formatNumber(now.lr)}${now.best ? " (its best here)" : ""}`;
  } else if (state.lrOffset === 0) {
    $("lr-value").textContent = "each optimizer at its best rate";
  } else {
    const ratio = formatNumber(Math.pow(10, Math.abs(state.lrOffset) / 2), 2);
    $("lr-value").textContent = `each ${Math.abs(state.lrOffset)} step(s) ${state.lrOffset > 0 ? "above" : "below"} ` +
      `its best (×${state.lrOffset > 0 ? "" : "1/"}${ratio} or so)`;
  }
}

function updateBetaSlider(k) {
  const name = ["beta1", "beta2"][k], slider = $(name), grid = [DATA.beta1, DATA.beta2][k];
  const takers = targeted().filter((o) => o.symbols[k]);
  slider.min = 0;
  slider.max = grid.length - 1;
  slider.disabled = takers.length === 0 || grid.length === 1;
  if (takers.length === 0) {
    $(`${name}-value`).textContent = state.target === "*" ? "" : `– (${state.target} has none)`;
    return;
  }
  const values = new Set(takers.map((o) => state.positions[state.fn][o.label][k + 1]));
  slider.value = state.positions[state.fn][takers[0].label][k + 1];
  const symbols = [...new Set(takers.map((o) => o.symbols[k]))].join(", ");
  $(`${name}-value`).textContent = values.size === 1 ? `${symbols} = ${grid[slider.value]}`
                                                     : "each at its own value (in its card)";
}

function updateSliders() {
  updateRateSlider();
  updateBetaSlider(0);
  updateBetaSlider(1);
  $("step").value = state.step;
  $("step-value").textContent = `= ${state.step} of ${DATA.steps}`;
  const fn = currentFunction();
  $("formula").textContent = `f = ${fn.formula}`;
}

function moveRate(value) {
  const positions = state.positions[state.fn];
  if (state.target !== "*") {
    positions[state.target][0] = value;
    return;
  }
  state.lrOffset = value;
  for (const optimizer of DATA.optimizers) {
    const entry = currentFunction().optimizers[optimizer.label];
    positions[optimizer.label][0] = clamp(entry.start + value, 0, entry.lr.length - 1);
  }
}

function moveBeta(k, value) {
  for (const optimizer of targeted()) {
    if (optimizer.symbols[k]) state.positions[state.fn][optimizer.label][k + 1] = value;
  }
}

function redraw(whole) {
  if (whole) {
    drawPicture();
    drawGridNote();
  }
  drawTrajectories();
  drawLoss();
  drawCards();
  updateSliders();
}

function stopPlaying() {
  clearInterval(state.timer);
  state.timer = null;
  $("play").textContent = "▶ play";
}

function togglePlay() {
  if (state.timer) return stopPlaying();
  if (state.step >= DATA.steps) state.step = 0;
  $("play").textContent = "❚❚ pause";
  state.timer = setInterval(() => {
    state.step = Math.min(state.step + 1, DATA.steps);
    redraw(false);
    if (state.step >= DATA.steps) stopPlaying();
  }, PLAY_DELAY);
}

function listen() {
  $("function").addEventListener("change", (event) => {
    state.fn = Number(event.target.value);
    state.lrOffset = 0;
    redraw(true);
  });
  $("optimizer-list").addEventListener("change", (event) => {
    if (event.target.checked) state.shown.add(event.target.value);
    else state.shown.delete(event.target.value);
    redraw(false);
  });
  $("target").addEventListener("change", (event) => {
    state.target = event.target.value;
    state.lrOffset = 0;
    updateSliders();
  });
  $("lr").addEventListener("input", (event) => { moveRate(Number(event.target.value)); redraw(false); });
  $("beta1").addEventListener("input", (event) => { moveBeta(0, Number(event.target.value)); redraw(false); });
  $("beta2").addEventListener("input", (event) => { moveBeta(1, Number(event.target.value)); redraw(false); });
  $("step").addEventListener("input", (event) => {
    stopPlaying();
    state.step = Number(event.target.value);
    redraw(false);
  });
  $("play").addEventListener("click", togglePlay);
}

buildControls();
listen();
redraw(true);
