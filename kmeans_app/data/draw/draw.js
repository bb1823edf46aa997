// Draw points: click an empty spot of the chart to add a point, click a point to remove it.
//
// The drawing stays in the browser (no message to the server per click); the draft is
// kept in sessionStorage so a page switch or a reload keeps it. Only "Use these points"
// sends the points (one trigger value, one rerun). Python checks them again
// (kmeans_app/data/draw/points.py): this file only snaps clicks to the same 0.01 grid.
// Nothing here inserts HTML: every text goes through textContent.

const PLOTLY_URL = "/app/static/plotly.min.js";
const STORE = "kmeans-draw-draft";
const HIT_PX = 9; // a click this close to a point (in pixels) removes it
const POINT_COLOUR = "#0072B2";

/** plotly.js, loaded once per page and shared with the Explorer component (same global promise). */
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__kmeansPlotly) {
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

/** A coordinate snapped to the canvas grid: the same arithmetic as points.snap in Python. */
export function snap(v, low, high, cells) {
  const t = Math.min(cells, Math.max(0, Math.floor(((v - low) / (high - low)) * cells + 0.5)));
  return low + (t * (high - low)) / cells;
}

/** Index of the point nearest to pixel (px, py) within `radius` pixels, or -1. */
export function hit(points, px, py, toPixel, radius = HIT_PX) {
  let best = -1, bestD = radius * radius;
  points.forEach(([x, y], i) => {
    const [qx, qy] = toPixel(x, y);
    const d = (qx - px) ** 2 + (qy - py) ** 2;
    if (d <= bestD) { best = i; bestD = d; }
  });
  return best;
}

function samePoints(a, b) {
  return a.length === b.length && a.every((p, i) => p[0] === b[i][0] && p[1] === b[i][1]);
}

function readDraft() {
  try { return JSON.parse(sessionStorage.getItem(STORE)); } catch { return null; }
}

class DrawView {
  constructor(parent) {
    this.root = parent.querySelector(".kd-root");
    const q = (role) => this.root.querySelector(`[data-role="${role}"]`);
    this.el = { plot: q("plot"), count: q("count") };
    this.buttons = Object.fromEntries([...this.root.querySelectorAll("[data-action]")].map((b) => [b.dataset.action, b]));
    this.points = []; this.history = []; this.basis = undefined; this.data = null; this.drawn = false;
    for (const [action, b] of Object.entries(this.buttons)) b.addEventListener("click", () => this.act(action));
    this.el.plot.addEventListener("click", (e) => this.click(e));
    // Redraw on resize (window, sidebar, an expander opening); a hidden chart (closed expander) waits.
    this.resize = new ResizeObserver(() => {
      if (this.drawn && this.el.plot.offsetParent !== null) window.Plotly.Plots.resize(this.el.plot).catch(() => {});
    });
    this.resize.observe(this.el.plot);
  }

  destroy() {
    this.resize.disconnect();
    if (window.Plotly) window.Plotly.purge(this.el.plot);
  }

  /** New data from the server (every script run). A new set of points in use replaces the draft. */
  async update(data, setTrigger) {
    this.setTrigger = setTrigger;
    this.data = data;
    if (data.basis !== this.basis) {
      const saved = readDraft();
      this.points = saved && saved.basis === data.basis && Array.isArray(saved.points) ? saved.points : data.points;
      this.basis = data.basis;
      this.history = [];
    }
    this.root.dataset.projector = data.projector ? "1" : "0";
    this.buttons.use.disabled = false;
    try {
      await loadPlotly();
    } catch (err) {
      this.el.count.textContent = `The chart could not be drawn: ${err.message}.`;
      return;
    }
    if (this.data !== data) return; // newer data arrived while plotly.js loaded
    this.draw();
    this.root.dataset.ready = "1";
  }

  act(action) {
    if (action === "use") {
      this.buttons.use.disabled = true; // until the server answers (the next update)
      this.setTrigger("use", { points: this.points });
      return;
    }
    if (action === "clear" && this.points.length) this.change([]);
    if (action === "undo" && this.history.length) { this.points = this.history.pop(); this.save(); this.draw(); }
  }

  change(points) {
    this.history.push(this.points);
    if (this.history.length > 200) this.history.shift();
    this.points = points;
    this.save();
    this.draw();
  }

  save() {
    try { sessionStorage.setItem(STORE, JSON.stringify({ basis: this.basis, points: this.points })); } catch { /* storage full or off: the draft lives until the page closes */ }
  }

  /** The plot area's rectangle and the data <-> pixel maps. */
  frame() {
    const area = this.el.plot.querySelector(".nsewdrag");
    if (!area) return null;
    const r = area.getBoundingClientRect(), { low, high } = this.data, w = high - low;
    return {
      r,
      toPixel: (x, y) => [r.left + ((x - low) / w) * r.width, r.top + ((high - y) / w) * r.height],
      toData: (px, py) => [low + ((px - r.left) / r.width) * w, high - ((py - r.top) / r.height) * w],
    };
  }

  click(e) {
    const f = this.frame();
    if (!f || e.clientX < f.r.left || e.clientX > f.r.right || e.clientY < f.r.top || e.clientY > f.r.bottom) return;
    const i = hit(this.points, e.clientX, e.clientY, f.toPixel);
    if (i >= 0) return this.change(this.points.filter((_, j) => j !== i));
    if (this.points.length >= this.data.max) {
      this.el.count.textContent = `At most ${this.data.max.toLocaleString("en")} points: remove some first.`;
      return;
    }
    const { low, high, cells } = this.data;
    const [x, y] = f.toData(e.clientX, e.clientY);
    this.change([...this.points, [snap(x, low, high, cells), snap(y, low, high, cells)]]);
  }

  status() {
    const n = this.points.length, d = this.data;
    const inUse = d.basis && samePoints(this.points, d.points);
    let text = `${n.toLocaleString("en")} point${n === 1 ? "" : "s"}`;
    if (inUse) text += " · in use on every page";
    else if (n < d.min) text += ` · draw at least ${d.min}, then press "Use these points"`;
    else text += d.basis ? " · changed, not used yet" : " · not used yet";
    return text;
  }

  draw() {
    const d = this.data, big = d.projector, P = this.points;
    const font = { size: big ? 20 : 14, color: big ? "#000" : undefined };
    const axis = { range: [d.low, d.high], autorange: false, fixedrange: true, dtick: 1, zeroline: false,
      showline: true, linecolor: big ? "#000" : "#888", mirror: true, gridcolor: big ? "#bbb" : "#e5e5e5",
      tickfont: font };
    const trace = { type: "scatter", mode: "markers", x: P.map((p) => p[0]), y: P.map((p) => p[1]),
      marker: { size: big ? 18 : 11, color: POINT_COLOUR, line: { width: big ? 2.5 : 1, color: big ? "#000" : "#fff" } },
      hoverinfo: "skip" };
    const layout = { height: big ? 500 : 420, margin: { l: big ? 56 : 40, r: 10, t: 10, b: big ? 50 : 36 },
      xaxis: { ...axis, constrain: "domain" }, yaxis: { ...axis, scaleanchor: "x", scaleratio: 1, constrain: "domain" },
      hovermode: false, dragmode: false, showlegend: false, plot_bgcolor: "#fff", paper_bgcolor: "rgba(0,0,0,0)",
      font };
    window.Plotly.react(this.el.plot, [trace], layout, { displayModeBar: false, responsive: true, scrollZoom: false });
    this.drawn = true;
    this.el.count.textContent = this.status();
    this.buttons.undo.disabled = !this.history.length;
    this.buttons.clear.disabled = !P.length;
    this.root.dataset.count = String(P.length);
  }
}

const views = new WeakMap();

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let view = views.get(parentElement);
  if (!view) {
    view = new DrawView(parentElement);
    views.set(parentElement, view);
  }
  const token = {};
  view.token = token;
  view.update(data, setTriggerValue);
  // Streamlit may run an older call's cleanup late: only the latest call's cleanup tears down.
  return () => {
    if (view.token !== token) return;
    view.destroy();
    views.delete(parentElement);
  };
}
