"""Lloyd's algorithm with bounds: the same E step, most distances skipped.

Once Lloyd's algorithm has settled a little, most points keep their cluster from
one iteration to the next, yet plain Lloyd computes all k distances of every
point again. The triangle inequality tells which points cannot have changed.

**The bound.** When the distances of a point x are computed, keep its gap

    g = ||x - m_b|| - ||x - m_a||       a the nearest centre, b the runner-up

If the centres then move by p_1, ..., p_k, the distance to m_a grows by at most
p_a and the distance to any other centre shrinks by at most max_j p_j, so the
gap shrinks by at most p_a + max_j p_j. While what is left of the gap is still
positive, m_a is still the nearest centre: x needs no distance at all. This is
Hamerly's algorithm (2010), with its upper bound u and lower bound l folded into
the one number g = l - u (Hamerly's test u <= l is g >= 0).

**Bookkeeping.** Instead of shrinking n gaps every iteration, keep running totals
of the movement per cluster, total_j = sum over iterations of (p_j + max p), and
store per point the threshold h = g + total_a at the time its distances were
computed. The point must be looked at again once total_a >= h. A first filter
with one float32 per point (g + the sum of 2 max p, which bounds every total_j's
growth) keeps that test to the few candidates. So an iteration costs one
comparison per point, plus all k distances for the few points whose test fails
(computed in blocks, exactly as plain Lloyd computes them).

**Exactly Lloyd's labels, despite rounding.** Distances are computed as
||x||^2 - 2 x.m + ||m||^2 in floating point (on centred data), which is off by at
most eps = c (d + 66) u * 2 max ||x||^2, u the unit roundoff, c a safety factor
(the 66 covers plain Lloyd's packed argmin, which rounds the last 5 bits of each
distance away). Centres are means of rows, so ||m||^2 <= max ||x||^2 (starting
centres farther out widen eps). Two consequences:

- the gap is computed from the rounded distances pessimistically:
  g = sqrt(D_b - eps) - sqrt(D_a + eps), a lower bound of the true gap;
- a point is skipped only while its true gap exceeds sqrt(2 eps). Then the
  true squared distances differ by more than (gap)^2 > 2 eps, more than both
  roundings together, so plain Lloyd's rounded argmin picks the same centre.

Movements are rounded up and totals kept with a relative safety margin, so
every bound holds for the numbers the machine actually computes. A skipped
point therefore has exactly the label plain Lloyd would give it; a recomputed
point gets its label from the same arithmetic as plain Lloyd (same matrix
product, same argmin rule, ties to the lowest index). Only a point within
2 eps of a tie (in float64 below 1e-12 of max ||x||^2 up to d = 200) can come
out differently, if the matrix product rounds differently for a different
number of rows; it then goes to whichever centre that rounding puts first. Everything else (M step, empty-cluster relocation, stopping rules,
history) is plain Lloyd's code, so labels, centres and n_iter are the same.

While many points still change cluster (early iterations from a random start),
bounds would fail for most of them anyway: as long as more than PLAIN_SHARE of
the labels changed in the last E step, the step is plain Lloyd's own; the
bounded steps start with one full pass once the labels settle.

The inertia of an E step (recorded in history_) is tracked without visiting
every point: the last E step's value, minus the M step's exact gain, minus
what each point that changed cluster saved.
"""

from contextlib import contextmanager

import numpy as np

from .lloyd import PACKED_MAX_K

# Above this share of points to recompute, recompute them all: contiguous blocks, no gather.
FULL_SHARE = 0.5
# And while more than this share changed cluster in the last E step, do that with plain
# Lloyd's step (no runner-up, no thresholds): bounds kept then would fail next time anyway.
PLAIN_SHARE = 0.05
_SLACK = 2.0**-20  # relative slack of the float32 first filter (it only has to let through a superset)
_SAFETY = 8  # c above: the rounding analysis gives about 2; the margin costs almost nothing


def use_bounds(n, d, k):
    """algorithm="auto": whether the bounds pay off for n rows, d features, k clusters.

    Measured (the "auto" table in docs/benchmarks.md, whole fits to convergence): the
    bounded step has a fixed cost per iteration (a few dozen numpy calls) and its first
    passes also find each point's runner-up, so it loses below about 10,000 rows, and
    with k <= 4 in few dimensions (plain Lloyd's E step is then only a few short
    distances per point); it wins from 50,000 rows at k >= 5 or d >= 32, and from
    5,000 rows at k >= 20.
    """
    return (n >= 50_000 and (k >= 5 or (k >= 2 and d >= 32))) or (n >= 5_000 and k >= 20)


@contextmanager
def bounded_e_step(engine, n_clusters):
    """Make ``engine.assign`` use the bounds for one run (the M step is unchanged)."""
    engine.bounded = _BoundedAssign(engine, n_clusters)
    try:
        yield
    finally:
        engine.bounded = None


class _BoundedAssign:
    """The E step with one threshold per point; same contract as ``_Engine.assign``."""

    def __init__(self, engine, k):
        self.engine, self.k = engine, k
        self.u = float(np.finfo(engine.dtype).eps) / 2  # unit roundoff of the engine's dtype
        self.norm_max = float(engine.x_sq.max())  # max ||x||^2, later also max ||m||^2
        self.h = np.empty(engine.n)  # per point: recompute once total[label] >= h
        self.h_any = np.empty(engine.n, dtype=np.float32)  # the same with 2 max p for any label
        self.total = np.zeros(k)  # per cluster: sum over iterations of (p_j + max p), rounded up
        self.total_any = 0.0  # sum of 2 max p: at least every total_j's growth
        self.centers = None  # centres of the last E step
        self.value = None  # inertia after the last E step (engine units)
        self.stale = (None, None)  # (label buffer written two calls ago, rows changed since)
        self.valid = False  # whether h holds thresholds for every row
        self.changed_share = 1.0  # share of labels the last E step changed

    @property
    def eps(self):
        """Bound on the rounding error of any computed squared distance (module docstring)."""
        return _SAFETY * (self.engine.d + 66) * self.u * 2 * self.norm_max

    def assign(self, centers, labels, old_labels):
        """Fill ``labels`` with the nearest centres; return (inertia, number of labels changed)."""
        eng, k = self.engine, self.k
        c64 = centers.astype(np.float64)
        norm = float(np.einsum("ij,ij->i", c64, c64).max())
        rows = None  # None: every row
        # After a relocation every row is recomputed: the M step's gain already counts a
        # relocated point as moved, so the running inertia below would count it twice.
        relocated, eng.last_relocated = eng.last_relocated, ()
        if old_labels is not None and self.valid and norm <= self.norm_max and not relocated:
            # p_j, rounded up: the computed norm is within (d + 2) u of the true one
            step = c64 - self.centers
            p = np.sqrt(np.einsum("ij,ij->i", step, step)) * (1 + 4 * (eng.d + 4) * self.u)
            self.total = (self.total + p + p.max()) * (1 + 4 * self.u)
            self.total_any = (self.total_any + 2 * p.max()) * (1 + _SLACK)
            # A first cheap filter on one float32 per point, then the per-cluster test.
            maybe = np.flatnonzero(self.h_any <= self.total_any)
            rows = maybe[self.h[maybe] <= self.total.take(old_labels[maybe])]
            if len(rows) > FULL_SHARE * eng.n:
                rows = None
        self.norm_max = max(self.norm_max, norm)  # a far starting centre widens eps (then all rows are recomputed)
        self.centers = c64
        if rows is None and self.changed_share > PLAIN_SHARE:
            # Early on most points move: bounds would fail anyway, plain Lloyd's step is cheaper.
            value, n_changed = eng.assign_all(centers, labels, old_labels)
            eng.last_gain, eng.last_relocated = 0.0, ()
            self.valid = False  # no thresholds were kept: the next step sees every row again
            self.value, self.stale, self.changed_share = value, (None, None), n_changed / eng.n
            return value, n_changed
        if old_labels is not None and rows is not None:
            self._sync(labels, old_labels)  # rows not recomputed keep their label
        value, decrease, moved = self._recompute(centers, labels, old_labels, rows)
        gain, eng.last_gain = eng.last_gain, 0.0
        if rows is not None:  # J(new labels) = J(last E step) - M step's gain - what movers saved
            value = max(self.value - gain - decrease, 0.0)
        self.value, self.valid = value, True
        self.stale = (old_labels, moved)
        self.changed_share = (len(moved) if old_labels is not None else eng.n) / eng.n
        eng.note_moved(k, old_labels, labels, moved)
        return value, len(moved) if old_labels is not None else eng.n

    def _sync(self, labels, old_labels):
        """Make ``labels`` equal to ``old_labels`` (the two buffers _run_lloyd alternates)."""
        buffer, changed = self.stale
        if buffer is labels and changed is not None:
            labels[changed] = old_labels[changed]  # it lags behind by the last call's changes only
        else:
            np.copyto(labels, old_labels)

    def _recompute(self, centers, labels, old_labels, rows):
        """All k distances for ``rows`` (None: all), new labels and thresholds for them.

        Returns (sum of w * nearest distance, sum of w * what changed points saved,
        changed rows in increasing order).
        """
        eng, k = self.engine, self.k
        kernel = _packed_nearest_two if eng.dtype == np.float64 and k <= PACKED_MAX_K else _nearest_two
        B = np.empty((eng.d + 2, k), dtype=eng.dtype)  # as in _Engine.assign: [x, 1, ||x||^2] @ B
        B[: eng.d] = -2.0 * centers.T
        B[eng.d] = np.einsum("ij,ij->i", centers, centers)
        B[eng.d + 1] = 1.0
        BT = np.ascontiguousarray(B.T)
        eps = self.eps
        margin = 2.0 * np.sqrt(2.0 * eps)
        total, total_any = self.total, self.total_any

        def state():
            return np.empty(eng.chunks(k)[0][1] * k, dtype=eng.dtype)

        def task(buf, s, e):
            if rows is None:
                idx, xa = slice(s, e), eng.Xa[s:e]
            else:
                idx = rows[s:e]
                xa = eng.Xa.take(idx, axis=0)
            old = None if old_labels is None else old_labels[idx]
            lab, d1, d2, d_old = kernel(xa, B, BT, buf, old)
            labels[idx] = lab
            # The gap, pessimistic on both sides, minus what it must keep (module docstring).
            # A negative gap needs no special case: the totals only grow, so it fails next time.
            gap = np.sqrt(np.maximum(d2 - eps, 0.0))
            gap -= np.sqrt(d1 + eps)
            gap -= margin
            self.h_any[idx] = (gap + total_any) * (1 - _SLACK)
            gap += total.take(lab)
            gap *= 1 - 4 * self.u
            self.h[idx] = gap
            w = None if eng.unit_weights else eng.w64[idx]
            value = float(d1.sum() if w is None else d1 @ w)
            if old is None:
                return value, 0.0, None
            changed = np.flatnonzero(lab != old)
            saved = d_old[changed] - d1[changed]
            decrease = float(saved.sum() if w is None else saved @ w[changed])
            return value, decrease, changed + s if rows is None else idx[changed]

        n_rows = eng.n if rows is None else len(rows)
        results = eng.run(k, task, state, n_rows=n_rows)
        value = sum(r[0] for r in results)
        decrease = sum(r[1] for r in results)
        moved = None if old_labels is None else (
            np.concatenate([r[2] for r in results]) if results else np.empty(0, dtype=np.intp))
        return value, decrease, moved


def _packed_nearest_two(xa, B, BT, buf, old):
    """Nearest centre exactly as ``_Engine.assign``'s packed kernel, plus the runner-up's distance.

    Returns (labels, nearest, runner-up, distance to the ``old`` label), squared, float64.
    """
    k, m = BT.shape[0], len(xa)
    bits = (k - 1).bit_length()
    low = np.int64((1 << bits) - 1)
    DT = buf[: k * m].reshape(k, m)
    np.matmul(BT, xa.T, out=DT)
    K = DT.view(np.int64)  # index in the low mantissa bits: see _Engine.assign
    np.bitwise_and(K, ~low, out=K)
    np.bitwise_or(K, np.arange(k, dtype=np.int64)[:, None], out=K)
    key = np.minimum.reduce(K, axis=0)
    lab = np.bitwise_and(key, low).astype(np.intp)
    flat = K.reshape(-1)
    at = lab * m + np.arange(m)  # each row's nearest entry in the flat (k, m) block
    d_old = None if old is None else _unpack(flat.take(old * m + np.arange(m)), low)
    flat[at] = _INF_BITS  # out of the way: the next minimum is the runner-up
    return lab, _unpack(key, low), _unpack(np.minimum.reduce(K, axis=0), low), d_old


_INF_BITS = np.float64(np.inf).view(np.int64)


def _unpack(keys, low):
    np.bitwise_and(keys, ~low, out=keys)
    out = keys.view(np.float64)
    return np.maximum(out, 0.0, out=out)


def _nearest_two(xa, B, BT, buf, old):
    """Nearest centre exactly as ``_Engine.assign``'s argmin kernel, plus the runner-up's distance."""
    k, m = B.shape[1], len(xa)
    D = buf[: m * k].reshape(m, k)
    np.matmul(xa, B, out=D)
    lab = np.argmin(D, axis=1)
    flat = D.reshape(-1)
    at = np.arange(0, m * k, k) + lab
    d1 = flat.take(at).astype(np.float64)
    d_old = None if old is None else np.maximum(flat.take(np.arange(0, m * k, k) + old).astype(np.float64), 0.0)
    flat[at] = np.inf
    d2 = D.min(axis=1).astype(np.float64)
    return lab, np.maximum(d1, 0.0), np.maximum(d2, 0.0), d_old
