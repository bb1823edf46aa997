// The Explorer in the browser: one recorded K-means run (kmeans_app/explorer/payload.py), stepped,
// played and scrubbed here, with no message to the server while stepping. Dragging a centre
// recomputes the nearest centres, cells and inertia live; "Run from here" asks the server for one
// new run from the dragged centres. The math (nearestCentre, inertia, voronoiCells, target) is the
// same as kmeans_core / kmeans_app/explorer/voronoi.py / kmeans_app/explorer/stepper.py: tests/js checks it on shared cases.

export const PLOTLY_URL = "/app/static/plotly.min.js";
const STORE = "kmeans-explorer:"; // sessionStorage: the cursor of each run id (page switch, reload)
const SYMBOL_CODES = [0, 1, 2, 5, 4, 3, 6, 17, 13, 14, 7, 8, 25, 26, 19, 24, 30, 28, 18, 35];
// The same 20 symbols as figures/style.SYMBOLS, as text for the legend.
const SYMBOL_GLYPHS = ["●", "■", "◆", "▲", "✕", "✚", "▼", "★", "⬟", "⬢", "◀", "▶", "⧗", "⋈", "⏶", "⬥", "⊠", "⊗", "✶", "✳"];
const MAX_TRAIL = 30; // past positions drawn per centre
const GRAB_PX = 22; // a press this close to a centre drags it
const CONFIG = { displayModeBar: false, responsive: false }; // resizing: a ResizeObserver on the chart

// ---------------------------------------------------------------- the math (pure functions)

/** A base64 array from payload.encode ({t: "f8" | "u1" | "u2" | "u4", b}) as a typed array. */
export function decode(spec) {
  const bin = atob(spec.b);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const Type = { f8: Float64Array, u1: Uint8Array, u2: Uint16Array, u4: Uint32Array }[spec.t];
  return new Type(bytes.buffer); // little-endian, as every browser and node platform is
}

/** Squared distance between point i of xy (flat x0, y0, x1, ...) and centre j of c (flat too). */
function dist2(xy, i, c, j) {
  const dx = xy[2 * i] - c[2 * j], dy = xy[2 * i + 1] - c[2 * j + 1];
  return dx * dx + dy * dy;
}

/** Index of the nearest centre of every point (ties go to the lower index, as in kmeans_core.assign). */
export function nearestCentre(xy, centres) {
  const m = xy.length / 2, k = centres.length / 2;
  const labels = new Uint16Array(m);
  for (let i = 0; i < m; i++) {
    let best = 0, bestD = dist2(xy, i, centres, 0);
    for (let j = 1; j < k; j++) {
      const d = dist2(xy, i, centres, j);
      if (d < bestD) { best = j; bestD = d; } // strict: an exact tie keeps the lower index
    }
    labels[i] = best;
  }
  return labels;
}

/** J = sum over points of the squared distance to the centre of its cluster. */
export function inertia(xy, centres, labels) {
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += dist2(xy, i, centres, labels[i]);
  return total;
}

/** Keep the part of convex polygon poly ([[x, y], ...]) where normal . p <= offset (Sutherland-Hodgman). */
export function clip(poly, normal, offset) {
  if (poly.length === 0) return poly;
  // Scale-aware: vertices on the line count as on it (same rule as voronoi._clip).
  let big = 1;
  for (const [x, y] of poly) big = Math.max(big, Math.abs(x), Math.abs(y));
  const tol = 1e-12 * (Math.abs(normal[0]) + Math.abs(normal[1])) * big;
  const side = poly.map(([x, y]) => {
    const s = normal[0] * x + normal[1] * y - offset;
    return Math.abs(s) <= tol ? 0 : s;
  });
  if (side.every((s) => s <= 0)) return poly; // the line misses the polygon
  const out = [];
  for (let a = 0; a < poly.length; a++) {
    const b = (a + 1) % poly.length;
    const sa = side[a], sb = side[b];
    if (sa <= 0) out.push(poly[a]);
    if ((sa < 0 && sb > 0) || (sb < 0 && sa > 0)) {
      const t = sa / (sa - sb);
      out.push([poly[a][0] + t * (poly[b][0] - poly[a][0]), poly[a][1] + t * (poly[b][1] - poly[a][1])]);
    }
  }
  return out;
}

/** Area of a simple polygon (shoelace); 0 below three vertices. */
export function polygonArea(poly) {
  if (poly.length < 3) return 0;
  let s = 0;
  for (let a = 0; a < poly.length; a++) {
    const b = (a + 1) % poly.length;
    s += poly[a][0] * poly[b][1] - poly[b][0] * poly[a][1];
  }
  return Math.abs(s) / 2;
}

/** The Voronoi cell of every centre inside box [xmin, xmax, ymin, ymax]: the box cut by the bisector
 * half-planes |p - ci|^2 <= |p - cj|^2, i.e. (cj - ci) . p <= (|cj|^2 - |ci|^2) / 2. Of coincident
 * centres only the lowest index gets a cell; slivers (area <= 1e-12 of the box) are empty. */
export function voronoiCells(centres, box) {
  const k = centres.length / 2;
  const [xmin, xmax, ymin, ymax] = box;
  const square = [[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]];
  const minArea = 1e-12 * Math.max((xmax - xmin) * (ymax - ymin), 1e-300);
  const c = (j) => [centres[2 * j], centres[2 * j + 1]];
  const cells = [];
  for (let i = 0; i < k; i++) {
    const ci = c(i);
    // nearest neighbours first (a stable sort, like numpy's): they shrink the cell fastest
    const d2 = Array.from({ length: k }, (_, j) => (c(j)[0] - ci[0]) ** 2 + (c(j)[1] - ci[1]) ** 2);
    const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => d2[a] - d2[b] || a - b);
    let poly = square;
    for (const j of order) {
      if (j === i) continue;
      const cj = c(j);
      const normal = [cj[0] - ci[0], cj[1] - ci[1]];
      if (normal[0] === 0 && normal[1] === 0) { // coincident: the lower index owns the whole cell
        if (j < i) { poly = []; break; }
        continue;
      }
      poly = clip(poly, normal, (cj[0] * cj[0] + cj[1] * cj[1] - ci[0] * ci[0] - ci[1] * ci[1]) / 2);
      if (poly.length === 0) break;
    }
    cells.push(polygonArea(poly) <= minArea ? [] : poly);
  }
  return cells;
}

/** Where a control moves the cursor in a run with these phases (kmeans_app/stepper.target). */
export function target(phases, cursor, action) {
  const last = phases.length - 1;
  cursor = Math.min(Math.max(Math.trunc(cursor), 0), last);
  if (action === "reset") return 0;
  if (action === "back") return Math.max(cursor - 1, 0);
  if (action === "next") return Math.min(cursor + 1, last);
  if (action === "converge") return last;
  if (action === "assign" || action === "update") {
    return cursor < last && phases[cursor + 1] === action ? cursor + 1 : cursor;
  }
  if (action === "iteration") {
    for (let i = cursor + 1; i <= last; i++) if (phases[i] === "update") return i;
    return last;
  }
  throw new Error(`unknown action ${action}`);
}

/** A number short enough to read from the back of a room (kmeans_app/narration.fmt). */
export function fmt(x) {
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return "0";
  return String(Number(x.toPrecision(3)));
}

/** User text for a Plotly title or label: Plotly reads a subset of HTML, so escape it (style.plain). */
export function plain(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

// ---------------------------------------------------------------- plotly.js, loaded once per page

export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__kmeansPlotly) { // shared with the other components of this app
    window.__kmeansPlotly = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = PLOTLY_URL;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => { window.__kmeansPlotly = null; reject(new Error(`could not load ${PLOTLY_URL}`)); };
      document.head.appendChild(s);
    });
  }
  return window.__kmeansPlotly;
}

// ---------------------------------------------------------------- one run, decoded

/** The payload with its arrays decoded: points, centres per step, the labels of every step. */
export function decodeRun(p) {
  const xy = decode(p.xy);
  const run = { ...p, xy, phases: [], labelsOf: [], centresOf: [] };
  if (p.mode !== "run") return run;
  const flat = decode(p.centres), k = p.k, m = p.m;
  const sets = [];
  let last = null;
  for (const s of p.labels) { // each distinct labelling: full codes, or the changes from the one before
    const cur = s.full ? Uint16Array.from(decode(s.full)) : Uint16Array.from(last);
    if (!s.full) {
      const idx = decode(s.idx), val = decode(s.val);
      for (let t = 0; t < idx.length; t++) cur[idx[t]] = val[t];
    }
    sets.push(cur);
    last = cur;
  }
  p.steps.forEach((s, i) => {
    run.phases.push(s.phase);
    run.centresOf.push(flat.subarray(2 * k * i, 2 * k * (i + 1)));
    run.labelsOf.push(s.L < 0 ? null : sets[s.L]);
  });
  run.sets = sets;
  run.unassigned = new Uint16Array(m).fill(k);
  return run;
}

// ---------------------------------------------------------------- drawing one step

/** Plotly colour scale: code j < k is cluster j's colour, code k the grey of "not assigned yet". */
function colourScale(colors, grey) {
  const all = [...colors, grey], n = all.length, scale = [];
  all.forEach((c, j) => { scale.push([j / n, c], [(j + 1) / n, c]); });
  return scale;
}

/** The cells of the centres as Plotly layout shapes (cheaper to redraw than k filled traces). */
export function cellShapes(run, centres) {
  if (!run.cells) return [];
  const shapes = [];
  voronoiCells(centres, run.box).forEach((poly, j) => {
    if (!poly.length) return;
    shapes.push({ type: "path", path: pathOf(poly, true), xref: "x", yref: "y", layer: "below", fillcolor: run.colors[j] + "22",
      line: { width: run.big ? 3 : 1.5, color: run.big ? "#000" : run.colors[j] }, name: `cell ${j + 1}` });
  });
  return shapes;
}

/** An SVG path through [[x, y], ...], closed or not. */
function pathOf(pts, closed) {
  return pts.map(([x, y], t) => `${t ? "L" : "M"}${x},${y}`).join("") + (closed ? "Z" : "");
}

// One Plotly chart: the points (WebGL) and, on the right, the inertia of every half-step (one
// SVG line). Everything that moves at a half-step — the cells, the centres, their trails, the
// inertia so far and the shown step — is a layout shape, so a step is one Plotly.relayout of
// shapes (a few ms), and the points are recoloured in place only when their labels change.

const r2 = (x) => Math.round(x * 100) / 100;
const ring = (n, r, turn) => Array.from({ length: n }, (_, i) => {
  const a = turn + (2 * Math.PI * i) / n;
  return [r2(r * Math.cos(a)), r2(r * Math.sin(a))];
});
const star = (n, r, inner, turn) => Array.from({ length: 2 * n }, (_, i) => {
  const a = turn + (Math.PI * i) / n, q = i % 2 ? inner : r;
  return [r2(q * Math.cos(a)), r2(q * Math.sin(a))];
});
const UP = Math.PI / 2;

/** The outline of Plotly marker symbol ``code`` at radius r px, as a path in pixels (y up). */
export function glyphPath(code, r) {
  const w = 0.36 * r, plus = [[w, r], [w, w], [r, w], [r, -w], [w, -w], [w, -r], [-w, -r], [-w, -w], [-r, -w], [-r, w], [-w, w], [-w, r]];
  const turned = (pts, a) => pts.map(([x, y]) => [r2(x * Math.cos(a) - y * Math.sin(a)), r2(x * Math.sin(a) + y * Math.cos(a))]);
  const q = 0.7 * r, cross = `M${-q},${-q}L${q},${q}M${-q},${q}L${q},${-q}`;
  const s = 0.9 * r, square = [[s, s], [-s, s], [-s, -s], [s, -s]];
  const shapes = {
    0: () => pathOf(ring(24, r, 0), true),
    1: () => pathOf(square, true),
    2: () => pathOf(ring(4, 1.25 * r, UP), true),
    3: () => pathOf(plus, true),
    4: () => pathOf(turned(plus, Math.PI / 4), true),
    5: () => pathOf(ring(3, 1.25 * r, UP), true),
    6: () => pathOf(ring(3, 1.25 * r, -UP), true),
    7: () => pathOf(ring(3, 1.25 * r, Math.PI), true),
    8: () => pathOf(ring(3, 1.25 * r, 0), true),
    13: () => pathOf(ring(5, 1.1 * r, UP), true),
    14: () => pathOf(ring(6, 1.05 * r, UP), true),
    17: () => pathOf(star(5, 1.3 * r, 0.55 * r, UP), true),
    18: () => pathOf(star(6, 1.2 * r, 0.7 * r, UP), true),
    19: () => pathOf(star(3, 1.35 * r, 0.45 * r, UP), true),
    24: () => pathOf([[1.4 * r, 0], [0, 0.75 * r], [-1.4 * r, 0], [0, -0.75 * r]], true),
    25: () => pathOf([[-r, r], [r, r], [-r, -r], [r, -r]], true),
    26: () => pathOf([[-r, r], [r, -r], [r, r], [-r, -r]], true),
    28: () => pathOf(ring(24, r, 0), true) + cross,
    30: () => pathOf(square, true) + cross,
    35: () => pathOf(star(8, 1.25 * r, 0.3 * r, UP), true),
  };
  return (shapes[code] || shapes[0])();
}

/** A marker drawn as a shape: glyph ``code`` of radius r px at (x, y) on axes xa / ya. */
function markerShape(name, code, r, x, y, fill, line, xa = "x", ya = "y") {
  return { type: "path", name, xref: xa, yref: ya, xsizemode: "pixel", ysizemode: "pixel", xanchor: x, yanchor: y,
    path: glyphPath(code, r), fillcolor: fill, line };
}

/** The centres, their trails and the inertia panel's moving parts, as layout shapes. */
export function stepShapes(run, view) {
  const { k, colors } = run;
  const { centres, cursor } = view;
  const out = [];
  for (const [j, pts] of trails(run, cursor, view.dragged ? centres : null).entries()) {
    out.push({ type: "path", name: `centre path ${j + 1}`, xref: "x", yref: "y", path: pathOf(pts, false),
      line: { color: colors[j], width: 2, dash: "dot" } });
  }
  const line = { width: run.big ? 5 : 3, color: "black" };
  for (let j = 0; j < k; j++) {
    out.push(markerShape(`centre ${j + 1}`, SYMBOL_CODES[j % SYMBOL_CODES.length], run.big ? 16 : 11,
      centres[2 * j], centres[2 * j + 1], colors[j], line));
  }
  const { xs, ys } = run.curve, upto = xs.findIndex((i) => i > cursor);
  const n = upto < 0 ? xs.length : upto;
  if (n >= 2) {
    out.push({ type: "path", name: "inertia so far", xref: "x2", yref: "y2", line: { color: "#0072B2", width: 3 },
      path: pathOf(xs.slice(0, n).map((x, t) => [x, ys[t]]), false) });
  }
  const now = run.steps[cursor].j;
  if (now !== null) out.push(markerShape("shown step", 0, 10, cursor, now, "rgba(0,0,0,0)", { width: 3, color: "black" }, "x2", "y2"));
  if (view.liveInertia !== null && view.liveInertia !== undefined) {
    out.push(markerShape("dragged centres", 17, 8, cursor, view.liveInertia, "#CC79A7", { width: 1, color: "black" }, "x2", "y2"));
  }
  return out;
}

/** The chart's traces: the points coloured and shaped by cluster, the inertia line, optionally a line to each centre. */
export function baseTraces(run, view) {
  const { k, m } = run;
  const { centres, labels, lines } = view;
  const codes = labels || run.unassigned;
  const traces = [{
    type: "scattergl", mode: "markers", x: run.px, y: run.py, name: "points",
    showlegend: false, hoverinfo: "x+y",
    marker: { color: codes, symbol: symbolsOf(run, codes), colorscale: run.scale, cmin: -0.5, cmax: k + 0.5,
      size: (m <= 2000 ? 8 : 5) * (run.big ? 1.6 : 1), opacity: 0.9,
      line: { width: run.big ? 1 : 0.5, color: "rgba(0,0,0,0.45)" } },
  }, { // every recorded inertia in grey; the shapes draw the part up to the cursor over it
    type: "scatter", mode: "lines", xaxis: "x2", yaxis: "y2", x: run.curve.xs, y: run.curve.ys, name: "inertia",
    showlegend: false, line: { color: "#d0d0d0", width: 2 }, hovertemplate: "step %{x}: %{y:.4g}<extra></extra>",
  }];
  if (lines && labels) { // a segment from every point to its centre, separated by gaps
    const x = new Float64Array(3 * m), y = new Float64Array(3 * m);
    for (let i = 0; i < m; i++) {
      x[3 * i] = run.xy[2 * i]; y[3 * i] = run.xy[2 * i + 1];
      x[3 * i + 1] = centres[2 * labels[i]]; y[3 * i + 1] = centres[2 * labels[i] + 1];
      x[3 * i + 2] = NaN; y[3 * i + 2] = NaN;
    }
    traces.push({ type: "scattergl", mode: "lines", x, y, hoverinfo: "skip", showlegend: false,
      name: "to centre", line: { width: 0.6, color: "rgba(60,60,60,0.35)" } });
  }
  return traces;
}

// Recolouring 5,000 WebGL points through Plotly.react recomputes the whole trace (about 10x the
// cost of the colours themselves). Points only change colour and symbol between steps, so after
// Plotly has drawn each cluster once, its look (colour, marker shape) is reused from Plotly's own
// WebGL scene and only the colour buffers are updated. Any other change goes through Plotly.react.

/** Remember how Plotly drew each cluster code (from the points' WebGL marker options). */
function learnLooks(gd, run, codes) {
  run.looks = []; // only what this very scene drew: marker shapes from an earlier one are not reusable
  const mo = markerOptions(gd, run);
  if (!mo) return;
  for (let p = 0; p < codes.length; p++) {
    if (!run.looks[codes[p]]) run.looks[codes[p]] = [mo.colors[p], mo.markers[p], mo.symbols[p]];
  }
}

function markerOptions(gd, run) {
  const plots = gd._fullLayout && gd._fullLayout._plots;
  const scene = plots && plots.xy && plots.xy._scene;
  const mo = scene && scene.markerOptions && scene.markerOptions[0];
  const ok = mo && Array.isArray(mo.colors) && Array.isArray(mo.markers) && Array.isArray(mo.symbols) &&
    mo.colors.length === run.m;
  return ok ? mo : null;
}

/** Give the points these cluster codes in place; false when a code has not been drawn by Plotly yet. */
function recolourPoints(gd, run, codes) {
  const mo = markerOptions(gd, run);
  if (!mo) return false;
  for (let p = 0; p < codes.length; p++) if (!run.looks[codes[p]]) return false;
  for (let p = 0; p < codes.length; p++) {
    const look = run.looks[codes[p]];
    mo.colors[p] = look[0]; mo.markers[p] = look[1]; mo.symbols[p] = look[2];
  }
  const trace = gd.data[0]; // keep the figure's data in step, for any later full redraw (a resize)
  trace.marker.color = codes;
  trace.marker.symbol = symbolsOf(run, codes);
  const scene = gd._fullLayout._plots.xy._scene;
  scene.scatter2d.update(scene.markerOptions);
  scene.draw();
  return true;
}

function symbolsOf(run, codes) {
  if (codes === run.unassigned) return 0;
  let s = run.symbolCache.get(codes);
  if (!s) { s = Array.from(codes, (c) => SYMBOL_CODES[c % SYMBOL_CODES.length]); run.symbolCache.set(codes, s); }
  return s;
}

/** Each centre's path over the last MAX_TRAIL updates (and the dragged position): [[x, y], ...] per cluster. */
function trails(run, cursor, live) {
  const moves = [];
  for (let i = 0; i <= cursor; i++) if (run.phases[i] !== "assign") moves.push(run.centresOf[i]);
  const kept = moves.slice(-MAX_TRAIL);
  if (live) kept.push(live);
  if (kept.length < 2) return [];
  return run.colors.map((_, j) => kept.map((pos) => [pos[2 * j], pos[2 * j + 1]]));
}

/** The recorded inertia of every half-step that has one: {xs, ys}. */
function inertiaCurve(run) {
  const xs = [], ys = [];
  run.steps.forEach((s, i) => { if (s.j !== null) { xs.push(i); ys.push(s.j); } });
  return { xs, ys };
}

/** The inertia panel's value range: the recorded values, and a dragged value beyond them. */
export function inertiaRange(run, live) {
  const ys = run.curve.ys.concat(live === null || live === undefined ? [] : [live]);
  if (!ys.length) return [0, 1];
  let lo = Math.min(...ys), hi = Math.max(...ys);
  const pad = Math.max(hi - lo, Math.abs(hi) * 1e-3, 1e-12) * 0.06;
  return [lo - pad, hi + pad];
}

const PLOT_W = 0.64; // the data panel's share of the width; the inertia panel is on the right

function axes(run) {
  const [x0, x1, y0, y1] = run.box, ticks = { size: run.big ? 20 : 14 }, titleFont = { size: run.big ? 22 : 16 };
  return {
    xaxis: { domain: [0, PLOT_W], range: [x0, x1], autorange: false, constrain: "domain", zeroline: false,
      title: { text: plain(run.axes[0]), font: titleFont }, tickfont: ticks },
    yaxis: { range: [y0, y1], autorange: false, scaleanchor: "x", scaleratio: 1, constrain: "domain", zeroline: false,
      title: { text: plain(run.axes[1]), font: titleFont }, tickfont: ticks },
    xaxis2: { domain: [PLOT_W + 0.1, 1], anchor: "y2", title: { text: "half-step" }, tickfont: ticks,
      range: [0.5, Math.max(run.steps.length - 1, 1) + 0.5], autorange: false },
    yaxis2: { anchor: "x2", domain: [0.5, 1], title: { text: "inertia" }, tickfont: ticks, range: inertiaRange(run, null),
      autorange: false },
  };
}

const FRAME = { font: { size: 16 }, margin: { l: 60, r: 10, t: 10, b: 50 }, hovermode: "closest", dragmode: false,
  showlegend: false };

/** The frame in projector mode: 22 px text, black on white, room for the larger tick labels. */
function frame(run) {
  if (!run.big) return FRAME;
  return { ...FRAME, font: { size: 22, color: "#000" }, margin: { l: 80, r: 10, t: 10, b: 70 } };
}

export function baseLayout(run, shapes) {
  return { ...frame(run), uirevision: run.run, shapes, ...axes(run) };
}

function pickTraces(run) {
  const picked = run.picked;
  return [
    { type: "scattergl", mode: "markers", x: run.px, y: run.py, name: "points", showlegend: false,
      hoverinfo: "x+y", marker: { color: run.grey, size: (run.m <= 2000 ? 8 : 5) * (run.big ? 1.6 : 1),
        line: { width: 0.5, color: "white" } } },
    { type: "scattergl", mode: "markers+text", name: "picked centres", hoverinfo: "skip", showlegend: false,
      x: picked.map((i) => run.xy[2 * i]), y: picked.map((i) => run.xy[2 * i + 1]),
      text: picked.map((_, j) => String(j + 1)), textposition: "top center", textfont: { size: run.big ? 24 : 18 },
      marker: { color: picked.map((_, j) => run.colors[j]), symbol: picked.map((_, j) => run.symbols[j]), size: run.big ? 32 : 22,
        line: { width: 3, color: "black" } } },
  ];
}

function pickLayout(run) {
  const [x0, x1, y0, y1] = run.box;
  return { ...frame(run), xaxis: { range: [x0, x1], autorange: false, constrain: "domain", title: { text: plain(run.axes[0]) } },
    yaxis: { range: [y0, y1], autorange: false, scaleanchor: "x", scaleratio: 1, constrain: "domain",
      title: { text: plain(run.axes[1]) } } };
}

// ---------------------------------------------------------------- the view: DOM, cursor, events

class ExplorerView {
  constructor(root) {
    this.root = root.querySelector(".kx-root");
    const q = (role) => this.root.querySelector(`[data-role="${role}"]`);
    this.el = { plot: q("plot"), chart: this.root.querySelector(".kx-chart"), slider: q("slider"), where: q("where"), label: q("label"), story: q("story"),
      speed: q("speed"), lines: q("lines"), hint: q("hint"), math: q("math"), mathTitle: q("math-title"),
      source: q("source"), legend: q("legend") };
    this.buttons = Object.fromEntries([...this.root.querySelectorAll("[data-action]")].map((b) => [b.dataset.action, b]));
    this.root.kxView = this; // for the browser benchmark and debugging
    this.run = null; this.cursor = 0; this.timer = null; this.drag = null; this.dragged = null;
    this.frame = 0; this.sourceFor = null;
    this.listen();
  }

  listen() {
    const on = (el, ev, fn, opts) => el.addEventListener(ev, fn, opts);
    for (const [action, b] of Object.entries(this.buttons)) on(b, "click", () => this.act(action));
    on(this.el.slider, "input", () => { this.pause(); this.go(Number(this.el.slider.value)); });
    on(this.el.speed, "change", () => { if (this.timer) { this.pause(); this.play(); } });
    on(this.el.lines, "change", () => this.draw());
    on(this.root, "keydown", (e) => this.key(e));
    const chart = this.el.chart;
    on(chart, "pointerdown", (e) => this.pointerDown(e), true);
    on(chart, "pointermove", (e) => this.pointerMove(e), true);
    on(chart, "pointerup", (e) => this.pointerUp(e), true);
    on(chart, "pointercancel", (e) => this.pointerUp(e), true);
    this.resize = new ResizeObserver(() => {
      if (!window.Plotly) return;
      if (this.el.plot.data) window.Plotly.Plots.resize(this.el.plot);
      this.baseFor = null; // after a resize the next step redraws the points in full (and relearns them)
    });
    this.resize.observe(chart);
  }

  destroy() {
    this.pause();
    this.resize.disconnect();
    if (window.Plotly) window.Plotly.purge(this.el.plot);
  }

  /** New data from the server (each script run): a new run resets the view, the same one keeps it. */
  async show(data, setTrigger) {
    this.setTrigger = setTrigger;
    this.buttons["run-from"].disabled = false;
    this.root.dataset.projector = data.projector ? "1" : "0"; // the page's projector mode (not part of the run)
    if (this.run && this.run.run === data.run && this.run.mode === data.mode && String(this.run.picked) === String(data.picked)
        && this.run.big === Boolean(data.projector)) return;
    this.root.dataset.ready = "0"; // until the new run is drawn
    const run = decodeRun(data);
    run.big = Boolean(data.projector); // projector mode: larger text and markers, black cell outlines
    run.px = new Float64Array(run.m); run.py = new Float64Array(run.m);
    for (let i = 0; i < run.m; i++) { run.px[i] = run.xy[2 * i]; run.py[i] = run.xy[2 * i + 1]; }
    run.scale = colourScale(run.colors, run.grey);
    if (run.mode === "run") run.curve = inertiaCurve(run);
    run.symbolCache = new Map();
    run.looks = []; // per cluster code, how Plotly drew it (see recolourPoints)
    this.pause();
    this.dragged = null;
    this.run = run;
    this.root.dataset.mode = run.mode;
    this.root.dataset.run = run.run;
    this.showDragButtons(false);
    try {
      await loadPlotly();
    } catch (err) {
      this.el.label.textContent = `The chart could not be drawn: ${err.message}.`;
      return;
    }
    if (this.run !== run) return; // a newer payload arrived while plotly.js loaded
    if (run.mode === "pick") return this.showPick();
    const last = run.steps.length - 1;
    this.el.slider.max = String(last);
    this.drawLegend();
    const saved = Number(sessionStorage.getItem(STORE + run.run));
    this.cursor = Number.isInteger(saved) && saved >= 0 && saved <= last ? saved : 0;
    this.draw();
    if (run.autoplay && sessionStorage.getItem(STORE + run.run) === null) this.play();
    this.root.dataset.ready = "1";
  }

  drawLegend() {
    const run = this.run;
    this.el.legend.replaceChildren(...run.colors.map((c, j) => {
      const li = document.createElement("li");
      const key = document.createElement("span");
      key.className = "kx-key";
      key.style.color = c;
      key.textContent = SYMBOL_GLYPHS[j % SYMBOL_GLYPHS.length];
      li.append(key, `cluster ${j + 1}`);
      return li;
    }));
  }

  showPick() {
    const run = this.run, P = window.Plotly, n = run.picked.length;
    this.el.label.textContent = n < run.k ? `Click a point to place centre ${n + 1} of ${run.k}` : `All ${run.k} centres picked`;
    this.el.story.textContent = run.sampled ? `The chart shows ${run.m.toLocaleString("en-US")} of the ${run.n.toLocaleString("en-US")} rows.` : "";
    this.el.hint.textContent = "";
    this.baseFor = null;
    P.react(this.el.plot, pickTraces(run), pickLayout(run), CONFIG);
    if (!this.el.plot.__kxPick) { // one click handler for the life of the plot
      this.el.plot.__kxPick = true;
      this.el.plot.on("plotly_click", (ev) => {
        const pt = ev.points && ev.points.find((p) => p.curveNumber === 0);
        if (pt && this.run.mode === "pick") this.setTrigger("pick", { run: this.run.run, point: pt.pointNumber });
      });
    }
    this.root.dataset.ready = "1";
  }

  // --- the cursor ---
  act(action) {
    if (!this.run || this.run.mode !== "run") return;
    if (action === "play") return this.timer ? this.pause() : this.play();
    if (action === "run-from") return this.runFromHere();
    if (action === "discard") { this.dragged = null; this.showDragButtons(false); return this.draw(); }
    this.pause();
    this.go(target(this.run.phases, this.cursor, action));
  }

  go(i) {
    this.dragged = null;
    this.showDragButtons(false);
    this.cursor = Math.min(Math.max(i, 0), this.run.steps.length - 1);
    try { sessionStorage.setItem(STORE + this.run.run, String(this.cursor)); } catch { /* storage full or off */ }
    this.draw();
  }

  play() {
    const last = this.run.steps.length - 1;
    if (this.cursor >= last) this.go(0);
    const ms = 1000 / Number(this.el.speed.value);
    this.buttons.play.textContent = "❚❚ Pause";
    this.root.dataset.playing = "1";
    this.timer = setInterval(() => {
      if (this.cursor >= this.run.steps.length - 1) return this.pause();
      this.go(this.cursor + 1);
    }, ms);
  }

  pause() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.buttons.play.textContent = "▶ Play";
    delete this.root.dataset.playing;
  }

  key(e) {
    if (!this.run || this.run.mode !== "run" || e.target.tagName === "SELECT") return;
    const moves = { ArrowRight: "next", ArrowLeft: "back", Home: "reset", End: "converge" };
    if (moves[e.key]) { e.preventDefault(); this.pause(); this.go(target(this.run.phases, this.cursor, moves[e.key])); }
    else if (e.key === " " && e.target.tagName !== "BUTTON") { e.preventDefault(); this.act("play"); }
  }

  // --- drawing ---
  draw() {
    const started = performance.now();
    const run = this.run, i = this.cursor, step = run.steps[i];
    const last = run.steps.length - 1;
    const dragged = this.dragged;
    const centres = dragged || run.centresOf[i];
    let labels = run.labelsOf[i], live = null;
    if (dragged) { labels = nearestCentre(run.xy, dragged); live = inertia(run.xy, dragged, labels); }
    const P = window.Plotly, view = { centres, labels, cursor: i, lines: this.el.lines.checked, dragged: !!dragged, liveInertia: live };
    const shapes = cellShapes(run, centres).concat(stepShapes(run, view)), lines = view.lines && !!labels;
    const range = inertiaRange(run, live);
    const sameBase = this.baseFor === run && !lines && this.baseLines === lines;
    if (sameBase && (this.baseLabels === labels || recolourPoints(this.el.plot, run, labels || run.unassigned))) {
      const edit = { shapes }; // one relayout of shapes: the cells, centres, trails and inertia marks
      if (String(range) !== String(this.range)) edit["yaxis2.range"] = range; // a dragged inertia beyond the recorded ones
      P.relayout(this.el.plot, edit);
    } else {
      const layout = baseLayout(run, shapes);
      layout.yaxis2.range = range;
      P.react(this.el.plot, baseTraces(run, view), layout, CONFIG);
      learnLooks(this.el.plot, run, labels || run.unassigned);
      this.baseFor = run; this.baseLines = lines;
    }
    this.range = range;
    this.baseLabels = labels;
    // For bench/browser_bench.py: the first animation frame after the update call, and a draw count.
    const work = performance.now() - started; // the synchronous work: our code and Plotly's update call
    requestAnimationFrame(() => {
      Object.assign(this.root.dataset, { drawnAt: String(performance.now()), drawMs: String(work), draws: String(++this.frame) });
    });
    this.el.slider.value = String(i);
    this.el.where.textContent = `${i} / ${last}`;
    this.el.label.textContent = step.label;
    this.el.story.textContent = dragged ? this.dragStory(live) : step.text;
    this.el.hint.textContent = this.hint();
    for (const a of ["reset", "back", "assign", "update", "iteration", "converge"]) {
      this.buttons[a].disabled = target(run.phases, i, a) === i;
    }
    this.drawMath(step.phase);
  }

  dragStory(live) {
    const run = this.run;
    const what = run.sampled ? `the drawn sample's inertia (${run.m.toLocaleString("en-US")} of ${run.n.toLocaleString("en-US")} rows)` : "inertia";
    const was = run.steps[this.cursor].j;
    return `Your centres: every point coloured by its nearest centre, ${what} ${fmt(live)}` +
      (was === null ? "." : ` (the recorded step: ${fmt(was)}).`) + " Run from here to let K-means continue.";
  }

  hint() {
    const run = this.run;
    const parts = ["Keys: → / ← one half-step, space play/pause, Home, End."];
    if (run.draggable) parts.push("Drag a centre to try your own.");
    else if (run.d > 2) parts.push(`The data has ${run.d} features: the chart shows the first two principal components, without cells.`);
    if (run.sampled) parts.push(`The chart draws ${run.m.toLocaleString("en-US")} of the ${run.n.toLocaleString("en-US")} rows; every row is clustered.`);
    return parts.join(" ");
  }

  drawMath(phase) {
    const run = this.run;
    const words = { init: "start", assign: "assignment", update: "update" };
    this.el.mathTitle.textContent = `The math of step ${this.cursor}: ${words[phase]}`;
    const box = this.el.math;
    box.replaceChildren(...run.math.map((b) => {
      const div = document.createElement("div");
      const active = b.phases.includes(phase);
      div.className = "kx-block" + (active ? " kx-active" : "");
      div.dataset.block = b.key;
      const title = document.createElement("div");
      title.className = "kx-block-title";
      title.textContent = active ? `▶ ${b.title} · this step` : b.title;
      const f = document.createElement("div");
      f.className = "kx-formula";
      f.textContent = b.formula;
      div.append(title, f);
      if (active) { const w = document.createElement("div"); w.className = "kx-words"; w.textContent = b.words; div.append(w); }
      return div;
    }));
    if (this.sourceFor === phase) return; // the source only changes with the phase
    this.sourceFor = phase;
    const [[title, code], [loopTitle, loopCode]] = run.source[phase];
    const block = (head, text, open) => {
      const d = document.createElement("details");
      d.className = "kx-source";
      d.open = open;
      const s = document.createElement("summary");
      s.textContent = head;
      const pre = document.createElement("pre");
      pre.textContent = text;
      d.append(s, pre);
      return d;
    };
    this.el.source.replaceChildren(block(`Source: ${title}`, code, false), block(`The loop that calls it: ${loopTitle}`, loopCode, false));
  }

  // --- dragging a centre ---
  toData(e) { // pointer position -> data coordinates of the main axes
    const gd = this.el.plot, fl = gd._fullLayout;
    if (!fl || !fl.xaxis) return null;
    const r = gd.getBoundingClientRect();
    const px = e.clientX - r.left - fl.xaxis._offset; // pixels from the axes' origin
    const py = e.clientY - r.top - fl.yaxis._offset;
    return [fl.xaxis.p2d(px), fl.yaxis.p2d(py), px, py];
  }

  nearestCentreAt(e) {
    const run = this.run, fl = this.el.plot._fullLayout, at = this.toData(e);
    if (!at) return -1;
    const centres = this.dragged || run.centresOf[this.cursor];
    let best = -1, bestD = GRAB_PX * GRAB_PX;
    for (let j = 0; j < run.k; j++) {
      const dx = fl.xaxis.d2p(centres[2 * j]) - at[2], dy = fl.yaxis.d2p(centres[2 * j + 1]) - at[3];
      if (dx * dx + dy * dy <= bestD) { best = j; bestD = dx * dx + dy * dy; }
    }
    return best;
  }

  pointerDown(e) {
    const run = this.run;
    if (!run || run.mode !== "run" || !run.draggable || e.button !== 0) return;
    const j = this.nearestCentreAt(e);
    if (j < 0) return;
    e.preventDefault(); e.stopPropagation();
    this.pause();
    this.dragged = Float64Array.from(this.dragged || run.centresOf[this.cursor]);
    this.drag = { j, pending: false };
    this.el.chart.setPointerCapture(e.pointerId);
    this.el.chart.classList.add("kx-dragging");
    this.root.focus({ preventScroll: true });
  }

  pointerMove(e) {
    if (!this.drag) {
      if (this.run && this.run.draggable && this.run.mode === "run") {
        this.el.chart.classList.toggle("kx-over-centre", this.nearestCentreAt(e) >= 0);
      }
      return;
    }
    e.preventDefault(); e.stopPropagation();
    const at = this.toData(e);
    const [x0, x1, y0, y1] = this.run.box;
    this.dragged[2 * this.drag.j] = Math.min(Math.max(at[0], x0), x1);
    this.dragged[2 * this.drag.j + 1] = Math.min(Math.max(at[1], y0), y1);
    if (!this.drag.pending) { // at most one redraw per animation frame
      this.drag.pending = true;
      requestAnimationFrame(() => { if (this.drag) this.drag.pending = false; if (this.dragged) this.draw(); });
    }
  }

  pointerUp(e) {
    if (!this.drag) return;
    e.preventDefault(); e.stopPropagation();
    this.drag = null;
    this.el.chart.classList.remove("kx-dragging");
    this.draw();
    this.showDragButtons(true);
  }

  showDragButtons(on) {
    this.buttons["run-from"].hidden = !on;
    this.buttons.discard.hidden = !on;
  }

  runFromHere() {
    if (!this.dragged) return;
    const c = [];
    for (let j = 0; j < this.run.k; j++) c.push([this.dragged[2 * j], this.dragged[2 * j + 1]]);
    this.buttons["run-from"].disabled = true;
    this.el.story.textContent = "Running K-means from your centres…";
    this.setTrigger("run_from", { run: this.run.run, centres: c });
  }
}

// ---------------------------------------------------------------- the Streamlit entry point

const VIEWS = new WeakMap(); // one view per mounted element: Streamlit calls this again on each new payload

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let view = VIEWS.get(parentElement);
  if (!view) {
    view = new ExplorerView(parentElement);
    VIEWS.set(parentElement, view);
  }
  view.show(data, setTriggerValue);
  return () => { view.destroy(); VIEWS.delete(parentElement); };
}
