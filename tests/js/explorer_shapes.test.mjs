// What moves at a half-step is drawn as Plotly layout shapes (explorer.js stepShapes): the centres
// as pixel-sized glyphs at their data positions, their dotted trails, the inertia so far and the
// shown step on the inertia panel. Run: node --test tests/js
import { test } from "node:test";
import assert from "node:assert/strict";

import { glyphPath, inertiaRange, stepShapes } from "../../kmeans_app/explorer/explorer.js";

const CODES = [0, 1, 2, 5, 4, 3, 6, 17, 13, 14, 7, 8, 25, 26, 19, 24, 30, 28, 18, 35];

/** A recorded run of k = 2: init, assign, update, assign (the last changes nothing). */
function run() {
  const c0 = [0, 0, 4, 4], c1 = [1, 0, 3, 4];
  return {
    k: 2, big: false, colors: ["#E69F00", "#56B4E9"], phases: ["init", "assign", "update", "assign"],
    centresOf: [c0, c0, c1, c1], steps: [{ j: null }, { j: 10 }, { j: 6 }, { j: 6 }],
    curve: { xs: [1, 2, 3], ys: [10, 6, 6] },
  };
}

function points(path) { // the numbers of an SVG path, as [x, y] pairs
  const nums = path.match(/-?\d+(\.\d+)?/g).map(Number);
  return Array.from({ length: nums.length / 2 }, (_, i) => [nums[2 * i], nums[2 * i + 1]]);
}

test("every centre is a pixel-sized glyph anchored at its data position", () => {
  const r = run();
  for (const cursor of [0, 2, 3]) {
    const shapes = stepShapes(r, { centres: r.centresOf[cursor], cursor });
    for (let j = 0; j < r.k; j++) {
      const s = shapes.find((t) => t.name === `centre ${j + 1}`);
      assert.equal(s.xsizemode, "pixel");
      assert.equal(s.ysizemode, "pixel");
      assert.deepEqual([s.xanchor, s.yanchor], [r.centresOf[cursor][2 * j], r.centresOf[cursor][2 * j + 1]]);
      assert.equal(s.fillcolor, r.colors[j]);
    }
  }
});

test("trails follow the centres' updates and the inertia so far stops at the cursor", () => {
  const r = run();
  const at = (cursor) => stepShapes(r, { centres: r.centresOf[cursor], cursor });
  assert.equal(at(0).filter((s) => s.name.startsWith("centre path")).length, 0); // one position: no trail
  assert.equal(at(0).find((s) => s.name === "shown step"), undefined); // the start has no inertia
  const trail = at(2).find((s) => s.name === "centre path 1");
  assert.deepEqual(points(trail.path), [[0, 0], [1, 0]]);
  assert.equal(trail.line.color, r.colors[0]);
  assert.deepEqual(points(at(2).find((s) => s.name === "inertia so far").path), [[1, 10], [2, 6]]);
  const shown = at(2).find((s) => s.name === "shown step");
  assert.deepEqual([shown.xref, shown.yref, shown.xanchor, shown.yanchor], ["x2", "y2", 2, 6]);
});

test("a dragged configuration shows its live inertia, and the panel's range includes it", () => {
  const r = run();
  const shapes = stepShapes(r, { centres: [2, 2, 2, 3], cursor: 3, dragged: true, liveInertia: 40 });
  assert.equal(shapes.find((s) => s.name === "dragged centres").yanchor, 40);
  const [lo, hi] = inertiaRange(r, 40);
  assert.ok(lo < 6 && hi > 40);
  const [lo0, hi0] = inertiaRange(r, null);
  assert.ok(lo0 < 6 && hi0 > 10 && hi0 < 40);
});

test("the 20 glyphs are distinct closed outlines that scale with the radius", () => {
  const paths = CODES.map((c) => glyphPath(c, 10));
  assert.equal(new Set(paths).size, CODES.length);
  for (const [i, p] of paths.entries()) {
    assert.match(p, /^M.*Z/);
    const ext = Math.max(...points(p).map(([x, y]) => Math.max(Math.abs(x), Math.abs(y))));
    assert.ok(ext >= 7 && ext <= 15, `glyph ${CODES[i]} extent ${ext}`);
    const ext2 = Math.max(...points(glyphPath(CODES[i], 20)).map(([x, y]) => Math.max(Math.abs(x), Math.abs(y))));
    assert.ok(Math.abs(ext2 - 2 * ext) < 0.1, `glyph ${CODES[i]} does not scale`);
  }
  // pixel paths have y pointing up: the up-triangle's apex is at +y, the down-triangle's at -y
  const ys = (c) => points(glyphPath(c, 10)).map(([, y]) => y);
  assert.ok(Math.max(...ys(5)) > -Math.min(...ys(5)));
  assert.ok(-Math.min(...ys(6)) > Math.max(...ys(6)));
});
