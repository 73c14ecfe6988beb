// The training playground: draws the numbers Python recorded (see lab/training_page.py) and looks them up by run
// and epoch. Nothing here trains or computes a network: every value shown is read from the JSON data block.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("training-data").textContent);
  const state = { run: 0, epoch: 0, showValidation: false, timer: null };
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const LAYER_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  const TRAIN_COLOR = "#1f77b4", VALIDATION_COLOR = "#ff7f0e";
  const lastEpoch = Math.max(...data.runs.map((run) => run.epochs[run.epochs.length - 1]));
  const symbolValue = {};
  Array.from(data.symbols).forEach((symbol, value) => { symbolValue[symbol] = value; });

  // ---- looking numbers up --------------------------------------------------------------------------------------
  const currentRun = () => data.runs[state.run];
  // a run stopped early shows its last epoch for every later one
  const epochOf = (run) => Math.min(state.epoch, run.epochs[run.epochs.length - 1]);

  function regionIndex(run, epoch) {
    let index = 0;
    run.regionEpochs.forEach((kept, i) => { if (kept <= epoch) index = i; });
    return index;
  }

  // style "fixed": digits after the point; "precision": digits in all (a table column's width); else as short as
  // the digits allow (0.01, not 0.01000)
  function format(value, digits, style) {
    if (value === null || value === undefined) return "–";
    if (style === "fixed") return value.toFixed(digits);
    return style === "precision" ? value.toPrecision(digits) : Number(value.toPrecision(digits)).toString();
  }

  // ---- decision regions ----------------------------------------------------------------------------------------
  function hexToRgb(hex) {
    const number = parseInt(hex.slice(1), 16);
    return [(number >> 16) & 255, (number >> 8) & 255, number & 255];
  }

  // One pixel per lattice cell: the class colour mixed into white, stronger where the net is surer.
  function regionImage(code) {
    const size = data.grid, image = document.createElement("canvas");
    image.width = image.height = size;
    const context = image.getContext("2d"), pixels = context.createImageData(size, size);
    const colors = data.colors.map(hexToRgb);
    for (let cell = 0; cell < size * size; cell++) {
      const value = symbolValue[code[cell]];
      const rgb = colors[Math.floor(value / data.levels)];
      const strength = 0.18 + 0.5 * (value % data.levels) / (data.levels - 1);
      for (let channel = 0; channel < 3; channel++) {
        pixels.data[4 * cell + channel] = Math.round(255 + strength * (rgb[channel] - 255));
      }
      pixels.data[4 * cell + 3] = 255;
    }
    context.putImageData(pixels, 0, 0);
    return image;
  }

  function drawPoints(context, points, side, hollow) {
    const [xLow, xHigh, yLow, yHigh] = data.extent;
    const radius = Math.max(2.2, side / 170);
    for (const [x, y, label] of points) {
      context.beginPath();
      context.arc((x - xLow) / (xHigh - xLow) * side, (yHigh - y) / (yHigh - yLow) * side, radius, 0, 2 * Math.PI);
      context.fillStyle = hollow ? "#ffffff" : data.colors[label];
      context.strokeStyle = hollow ? data.colors[label] : "#222";
      context.lineWidth = hollow ? 2 : 0.7;
      context.fill();
      context.stroke();
    }
  }

  function drawRegions() {
    const canvas = $("regions"), side = canvas.clientWidth, scale = window.devicePixelRatio || 1;
    canvas.width = canvas.height = Math.round(side * scale);
    const context = canvas.getContext("2d"), run = currentRun(), epoch = epochOf(run);
    const index = regionIndex(run, epoch);
    context.setTransform(scale, 0, 0, scale, 0, 0);
    context.imageSmoothingEnabled = true;  // blend the lattice cells into smooth boundaries
    context.drawImage(regionImage(run.regions[index]), 0, 0, side, side);
    drawPoints(context, data.points.train, side, false);
    if (state.showValidation) drawPoints(context, data.points.val, side, true);
    const [xLow, xHigh, yLow, yHigh] = data.extent.map((value) => format(value, 3));
    const kept = run.regionEpochs[index] === epoch ? "" :
      ` The regions were kept every ${data.regionEvery} epochs: these are epoch ${run.regionEpochs[index]}'s.`;
    $("regions-caption").textContent = `x₁ from ${xLow} to ${xHigh} (left to right), x₂ from ${yLow} to ` +
      `${yHigh} (bottom to top); a ${data.grid} × ${data.grid} lattice.${kept}`;
  }

  function buildClassLegend() {
    const items = data.colors.map((color, k) =>
      `<span><i class="swatch" style="background:${color}"></i>class ${k}</span>`);
    items.push('<span><i class="dot" style="background:#888"></i>training point</span>');
    items.push('<span><i class="ring"></i>validation point</span>');
    items.push("<span>paler: the net is less sure (max softmax probability)</span>");
    $("class-legend").innerHTML = items.join("");
  }

  // ---- charts --------------------------------------------------------------------------------------------------
  function element(parent, name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function niceTicks(low, high, count) {
    const raw = (high - low) / count, power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
    const ticks = [];
    for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
      ticks.push(+tick.toPrecision(12));  // 0.30000000000000004 -> 0.3
    }
    return ticks;
  }

  // The y range of all series (positive values only on a log axis), with a little room above and below.
  function valueRange(series, log) {
    const values = series.flatMap((line) => line.points.map((point) => point[1]))
      .filter((value) => value !== null && Number.isFinite(value) && (!log || value > 0));
    if (values.length === 0) return log ? [0.1, 1] : [0, 1];
    let low = Math.min(...values), high = Math.max(...values);
    if (log) return [Math.pow(10, Math.floor(Math.log10(low))), Math.pow(10, Math.ceil(Math.log10(high)))];
    if (high === low) { high += 0.5; low -= 0.5; }
    const room = 0.05 * (high - low);
    return [low - room, high + room];
  }

  function drawAxes(svg, frame, yTicks, y, log) {
    const { left, right, top, bottom } = frame;
    for (const tick of yTicks) {
      element(svg, "line", { class: "grid", x1: left, x2: right, y1: y(tick), y2: y(tick) });
      const label = log ? powerOfTen(tick) : format(tick, 3);
      element(svg, "text", { x: left - 5, y: y(tick) + 4, "text-anchor": "end" }, label);
    }
    for (const tick of niceTicks(0, lastEpoch, Math.max(2, Math.min(8, Math.floor((right - left) / 55))))) {
      const x = frame.x(tick);
      element(svg, "line", { class: "axis", x1: x, x2: x, y1: bottom, y2: bottom + 4 });
      element(svg, "text", { x: x, y: bottom + 16, "text-anchor": "middle" }, String(tick));
    }
    element(svg, "line", { class: "axis", x1: left, x2: right, y1: bottom, y2: bottom });
    element(svg, "line", { class: "axis", x1: left, x2: left, y1: top, y2: bottom });
    element(svg, "text", { x: (left + right) / 2, y: bottom + 30, "text-anchor": "middle" }, "epoch");
  }

  function pathOf(points, x, y) {
    let path = "", pen = "M";
    for (const [epoch, value] of points) {
      if (value === null || !Number.isFinite(y(value))) { pen = "M"; continue; }
      path += `${pen}${x(epoch).toFixed(1)},${y(value).toFixed(1)}`;
      pen = "L";
    }
    return path;
  }

  // series: [{points: [[epoch, value], ...], color, dashed, faded}]; a marker at the current epoch, with a dot
  // on every bright series there.
  function lineChart(svg, series, log) {
    svg.replaceChildren();
    const width = svg.clientWidth || 400, height = svg.clientHeight || 230;
    const frame = { left: 50, right: width - 10, top: 8, bottom: height - 36 };
    const [low, high] = valueRange(series, log);
    const scale = (value) => (log ? Math.log10(value) : value);
    frame.x = (epoch) => frame.left + (frame.right - frame.left) * epoch / Math.max(1, lastEpoch);
    const share = (value) => (scale(value) - scale(low)) / (scale(high) - scale(low));
    const y = (value) => frame.bottom - (frame.bottom - frame.top) * share(value);
    const yTicks = log ? decades(low, high) : niceTicks(low, high, 5);
    drawAxes(svg, frame, yTicks, y, log);
    for (const line of series) {
      const attributes = { class: line.faded ? "series faded" : "series", d: pathOf(line.points, frame.x, y) };
      if (!line.faded) attributes.stroke = line.color;
      if (line.dashed) attributes["stroke-dasharray"] = "6 4";
      element(svg, "path", attributes);
    }
    const markerX = frame.x(epochOf(currentRun()));
    element(svg, "line", { class: "marker", x1: markerX, x2: markerX, y1: frame.top, y2: frame.bottom });
    for (const line of series.filter((line) => !line.faded)) {
      const here = line.points.find((point) => point[0] === epochOf(currentRun()));
      if (here && here[1] !== null && Number.isFinite(y(here[1]))) {
        element(svg, "circle", { cx: markerX, cy: y(here[1]), r: 3.5, fill: line.color, stroke: "#fff" });
      }
    }
  }

  // 0.01, 0.1, 1, 10, 100 as they are; smaller and larger powers as 10⁻⁵, 10⁴
  function powerOfTen(tick) {
    const power = Math.round(Math.log10(tick));
    if (power >= -2 && power <= 3) return String(tick);
    return "10" + String(power).replace(/[-\d]/g, (c) => "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"["-0123456789".indexOf(c)]);
  }

  function decades(low, high) {
    const ticks = [];
    for (let power = Math.round(Math.log10(low)); power <= Math.round(Math.log10(high)); power++) {
      ticks.push(Math.pow(10, power));
    }
    return ticks;
  }

  const byEpoch = (run, values) => run.epochs.map((epoch, i) => [epoch, values[i]]);

  function drawCurves() {
    const run = currentRun(), others = data.runs.filter((other) => other !== run);
    for (const quantity of ["loss", "accuracy"]) {
      const series = others.map((other) => ({ points: byEpoch(other, other[quantity]), faded: true }));
      series.push({ points: byEpoch(run, run[quantity]), color: TRAIN_COLOR });
      series.push({ points: byEpoch(run, run["val_" + quantity]), color: VALIDATION_COLOR, dashed: true });
      lineChart($(quantity + "-chart"), series, false);
    }
    const layerSeries = (values) => values.map((v, i) => ({ points: byEpoch(run, v), color: LAYER_COLORS[i % 8] }));
    lineChart($("weights-chart"), layerSeries(run.weights), false);
    lineChart($("gradients-chart"), layerSeries(run.gradients), true);
  }

  function buildCurveLegends() {
    const others = data.runs.length < 2 ? "" :
      '<span><i style="border-color:#c8c8c8"></i>the other runs (training)</span>';
    const curves = `<span><i style="border-color:${TRAIN_COLOR}"></i>training</span>` +
      `<span><i class="dashed" style="border-color:${VALIDATION_COLOR}"></i>validation</span>${others}`;
    $("loss-legend").innerHTML = $("accuracy-legend").innerHTML = curves;
  }

  function layerName(i) { return `W${String(i + 1).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d])}`; }

  function drawLayerLegends() {
    const run = currentRun();
    const items = run.layers.map((layer, i) => `<span><i style="border-color:${LAYER_COLORS[i % 8]}"></i>` +
      `${layerName(i)} (${layer.shape[1]} → ${layer.shape[0]})</span>`);
    $("weights-legend").innerHTML = $("gradients-legend").innerHTML = items.join("");
  }

  // ---- the numbers at the epoch --------------------------------------------------------------------------------
  function fillNumbers() {
    const run = currentRun(), epoch = epochOf(run), i = run.epochs.indexOf(epoch);
    $("numbers-epoch").textContent = epoch === state.epoch ? String(epoch) : `${epoch} (this run stopped there)`;
    for (const quantity of ["loss", "val_loss", "accuracy", "val_accuracy"]) {
      document.querySelector(`[data-quantity="${quantity}"]`).textContent = format(run[quantity][i], 4, "fixed");
    }
    document.querySelector('[data-quantity="lr"]').textContent = i === 0 ? "– (no step yet)" : format(run.lr[i - 1], 4);
    $("layers").tBodies[0].innerHTML = run.layers.map((layer, l) =>
      `<tr><th scope="row"><i class="legend-line" style="border-color:${LAYER_COLORS[l % 8]}"></i>` +
      `${layerName(l)}</th>` +
      `<td>${layer.shape[0]} × ${layer.shape[1]}</td>` +
      `<td data-layer="${l}" data-quantity="weight">${format(run.weights[l][i], 4, "precision")}</td>` +
      `<td data-layer="${l}" data-quantity="gradient">${format(run.gradients[l][i], 4, "precision")}</td></tr>`)
      .join("");
    const s = run.settings;
    const decay = s.weight_decay ? `, weight decay ${s.weight_decay}` : "";
    const schedule = s.schedule === "none" ? "constant rate" : `${s.schedule} schedule`;
    const dropout = s.dropout ? `, dropout ${s.dropout}` : "";
    $("settings").textContent = `This run: ${s.optimizer} at lr ${format(s.lr, 4)}${decay}, ${schedule}, ` +
      `${s.activation} activation, ${s.init} init${dropout}; trained in ${format(run.seconds, 2)} s.`;
  }

  // ---- controls ------------------------------------------------------------------------------------------------
  function redraw() {
    $("epoch").value = state.epoch;
    $("epoch-value").textContent = state.epoch;
    drawRegions();
    drawCurves();
    drawLayerLegends();
    fillNumbers();
  }

  function setEpoch(epoch) {
    state.epoch = Math.max(0, Math.min(lastEpoch, Math.round(epoch)));
    redraw();
  }

  function setRun(index) {
    if (index < 0 || index >= data.runs.length) return;
    state.run = index;
    document.querySelectorAll('#runs input')[index].checked = true;
    redraw();
  }

  function buildRunSwitch() {
    $("runs").innerHTML = data.runs.map((run, i) =>
      `<label class="run"><input type="radio" name="run" value="${i}"${i === 0 ? " checked" : ""}>` +
      `<span>${i + 1}: ${run.label}</span></label>`).join("");
    $("runs").addEventListener("change", (event) => setRun(Number(event.target.value)));
    $("run-switch").hidden = data.runs.length < 2;
  }

  function togglePlay() {
    if (state.timer !== null) { stopPlaying(); return; }
    if (state.epoch >= lastEpoch) setEpoch(0);
    state.timer = setInterval(() => { if (state.epoch >= lastEpoch) stopPlaying(); else setEpoch(state.epoch + 1); },
      Math.max(60, 4000 / Math.max(1, lastEpoch)));
    $("play").textContent = "❚❚ pause";
    $("play").setAttribute("aria-pressed", "true");
  }

  function stopPlaying() {
    clearInterval(state.timer);
    state.timer = null;
    $("play").textContent = "▶ play";
    $("play").setAttribute("aria-pressed", "false");
  }

  // Keys anywhere on the page, except where a control already uses them (the slider, the run buttons).
  function onKey(event) {
    if (event.target.tagName === "INPUT" || event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = { ArrowRight: state.epoch + 1, ArrowLeft: state.epoch - 1, Home: 0, End: lastEpoch };
    if (event.key in moves) setEpoch(moves[event.key]);
    else if (/^[1-9]$/.test(event.key)) setRun(Number(event.key) - 1);
    else return;
    event.preventDefault();
  }

  function start() {
    $("description").textContent = data.description;
    $("epoch").max = lastEpoch;
    $("epoch-max").textContent = lastEpoch;
    buildRunSwitch();
    buildClassLegend();
    buildCurveLegends();
    $("epoch").addEventListener("input", (event) => { stopPlaying(); setEpoch(Number(event.target.value)); });
    $("play").addEventListener("click", togglePlay);
    $("show-val").addEventListener("change", (event) => {
      state.showValidation = event.target.checked;
      drawRegions();
    });
    document.addEventListener("keydown", onKey);
    window.addEventListener("resize", redraw);
    redraw();
  }

  // for a curious learner's console (and the tests): the data and the state the page draws from
  window.trainingPage = { data: data, state: state, setEpoch: setEpoch, setRun: setRun };
  start();
})();
