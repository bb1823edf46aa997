// The Explorer's JavaScript math against the Python answers in cases.json (written by make_cases.py):
// nearest centre, inertia, Voronoi cells, cursor moves, base64 arrays and changed-label decoding.
// Run: node --test tests/js
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import {
  clip, decode, decodeRun, fmt, inertia, nearestCentre, plain, polygonArea, target, voronoiCells,
} from "../../kmeans_app/explorer/explorer.js";

const cases = JSON.parse(readFileSync(new URL("./cases.json", import.meta.url)));

for (const c of cases.geometry) {
  test(`nearest centre and inertia: ${c.name}`, () => {
    const xy = Float64Array.from(c.points), centres = Float64Array.from(c.centres);
    const labels = nearestCentre(xy, centres);
    assert.deepEqual(Array.from(labels), c.labels);
    // the data are exact halves or 3-decimal numbers of size <= 10: rounding is ~1e-16 of the sum
    const tol = 1e-12 * Math.max(1, c.inertia);
    assert.ok(Math.abs(inertia(xy, centres, labels) - c.inertia) <= tol, `${inertia(xy, centres, labels)} vs ${c.inertia}`);
  });

  test(`Voronoi cells: ${c.name}`, () => {
    const got = voronoiCells(Float64Array.from(c.centres), c.box);
    const size = Math.max(c.box[1] - c.box[0], c.box[3] - c.box[2]);
    assert.equal(got.length, c.cells.length);
    got.forEach((poly, j) => {
      const want = c.cells[j];
      assert.equal(poly.length, want.length, `cell ${j}: ${JSON.stringify(poly)} vs ${JSON.stringify(want)}`);
      poly.forEach(([x, y], v) => {
        assert.ok(Math.abs(x - want[v][0]) <= 1e-12 * size && Math.abs(y - want[v][1]) <= 1e-12 * size,
          `cell ${j} vertex ${v}: (${x}, ${y}) vs (${want[v]})`);
      });
    });
    // the cells tile the box: their areas add up to its area
    const total = got.reduce((s, p) => s + polygonArea(p), 0);
    const boxArea = (c.box[1] - c.box[0]) * (c.box[3] - c.box[2]);
    assert.ok(Math.abs(total - boxArea) <= 1e-9 * boxArea, `${total} vs ${boxArea}`);
  });

  test(`every point lies in the cell of its nearest centre: ${c.name}`, () => {
    const xy = Float64Array.from(c.points), labels = nearestCentre(xy, Float64Array.from(c.centres));
    const cells = voronoiCells(Float64Array.from(c.centres), c.box);
    for (let i = 0; i < labels.length; i++) {
      const [x, y] = [xy[2 * i], xy[2 * i + 1]];
      if (x < c.box[0] || x > c.box[1] || y < c.box[2] || y > c.box[3]) continue;
      const cell = cells[labels[i]];
      assert.ok(cell.length >= 3, `point ${i} has a centre without a cell`);
      // inside a convex polygon, or on its edge: the polygon clipped to the point's side keeps the point
      let inside = true;
      for (let a = 0; a < cell.length; a++) {
        const [p, q] = [cell[a], cell[(a + 1) % cell.length]];
        const cross = (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
        if (cross < -1e-9) inside = false;
      }
      assert.ok(inside, `point (${x}, ${y}) is outside the cell of centre ${labels[i]}`);
    }
  });
}

test("clip keeps a polygon the line misses and cuts one it crosses", () => {
  const square = [[0, 0], [2, 0], [2, 2], [0, 2]];
  assert.deepEqual(clip(square, [1, 0], 5), square);
  assert.deepEqual(clip(square, [1, 0], 1), [[0, 0], [1, 0], [1, 2], [0, 2]]);
  assert.deepEqual(clip(square, [1, 0], -1), []);
});

test("the cursor moves like kmeans_app.stepper.target", () => {
  const { phases, moves } = cases.target;
  for (const [action, want] of Object.entries(moves)) {
    assert.deepEqual(phases.map((_, i) => target(phases, i, action)), want, action);
  }
  assert.throws(() => target(phases, 0, "jump"));
});

test("base64 arrays decode to the values Python encoded", () => {
  for (const { spec, values } of cases.encoding.arrays) {
    assert.deepEqual(Array.from(decode(spec)), values, spec.t);
  }
});

test("changed-label sets expand to the full labels of every step", () => {
  const { sets, index, expanded, kinds } = cases.encoding.labels;
  assert.deepEqual(kinds, ["full", "changes", "full"]); // the case exercises both encodings
  const m = expanded[0].length, k = 6, T = index.length;
  const run = decodeRun({
    mode: "run", m, k, labels: sets, xy: { t: "f8", b: "" },
    centres: { t: "f8", b: Buffer.from(new Float64Array(T * 2 * k).buffer).toString("base64") },
    steps: index.map((L, i) => ({ L, phase: i === 0 ? "init" : "assign" })),
  });
  index.forEach((L, i) => {
    if (L < 0) assert.equal(run.labelsOf[i], null);
    else assert.deepEqual(Array.from(run.labelsOf[i]), expanded[L], `step ${i}`);
  });
});

test("numbers read like narration.fmt and user text is escaped for Plotly", () => {
  assert.equal(fmt(1440.4), "1,440");
  assert.equal(fmt(512.34), "512.3");
  assert.equal(fmt(1.234), "1.23");
  assert.equal(fmt(0), "0");
  assert.equal(fmt(0.012345), "0.0123");
  assert.equal(plain(`<b onmouseover="x">&'`), "&lt;b onmouseover=&quot;x&quot;&gt;&amp;&#x27;");
});
