// Projector mode in the Explorer's chart: 20 px ticks, larger frame text, black thick cell outlines.
// Run: node --test tests/js
import { test } from "node:test";
import assert from "node:assert/strict";

import { baseLayout, cellShapes } from "../../kmeans_app/explorer/explorer.js";

function run(big) {
  return { big, run: "r", box: [0, 4, 0, 4], axes: ["a", "b"], cells: true, colors: ["#E69F00", "#56B4E9"],
    steps: [{}, {}, {}], curve: { xs: [1, 2], ys: [5, 4] } };
}
const centres = [1, 1, 3, 3];

test("projector mode enlarges every axis text of both panels to at least 20 px", () => {
  for (const big of [false, true]) {
    const base = baseLayout(run(big), []), over = base;
    const sizes = [base.font.size, base.xaxis.tickfont.size, base.yaxis.tickfont.size, base.xaxis.title.font.size,
      over.xaxis2.tickfont.size, over.yaxis2.tickfont.size, over.font.size];
    if (big) assert.ok(sizes.every((s) => s >= 20), String(sizes));
    else assert.ok(Math.min(...sizes) < 20, String(sizes));
  }
});

test("projector mode draws the cells with thick black outlines", () => {
  const plainShapes = cellShapes(run(false), centres), big = cellShapes(run(true), centres);
  assert.equal(plainShapes.length, 2);
  assert.equal(big.length, 2);
  for (const s of plainShapes) assert.ok(s.line.width < 2 && s.line.color !== "#000");
  for (const s of big) assert.ok(s.line.width >= 3 && s.line.color === "#000");
  assert.deepEqual(big.map((s) => s.path), plainShapes.map((s) => s.path)); // the same cells
});
