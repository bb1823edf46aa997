"""Lloyd's algorithm in the matrix form: the E step (assign) and the M step (update).

With X (n, d) and centres M (k, d):

    D = ||x||^2 - 2 X M^T + ||m||^2        squared distances, (n, k)
    y = rowwise_argmin(D)                  E step
    M = Z^T X / Z^T 1                      M step, Z = one_hot(y)

``assign``, ``update`` and ``inertia`` below compute exactly that, a block of
rows at a time, so no (n, k) matrix and no one-hot Z is ever held in memory.
They are the readable versions, used for new data (predict, score) and shown
to learners. ``KMeans.fit`` runs the same math through ``_Engine`` at the
bottom of this file, which prepares the data once per fit and reuses buffers
and both CPU cores; its tricks are each explained where they are used.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

from ._validation import check_data, check_labels, check_sample_weight, scale_exponent

BLOCK_BYTES = 2 * 2**20  # an (rows, k) block of distances stays around 2 MiB: it fits in cache
# Up to this many clusters the E step packs the centre index into the distance's low
# mantissa bits (at most 5 bits: ties closer than ~1e-14 relative go to the lower index).
PACKED_MAX_K = 32
# The M step updates the previous sums instead of summing all rows again when at most
# one row in this many changed cluster (measured break-even: about 1 in 7 at d=2, 1 in 4 at d=64).
_INCREMENTAL_SHARE = 10


def _row_chunks(n_rows, n_centers, itemsize=8):
    """Slices of about BLOCK_BYTES / (k * itemsize) rows covering range(n_rows)."""
    step = max(256, BLOCK_BYTES // (itemsize * max(n_centers, 1)))
    return [slice(start, min(start + step, n_rows)) for start in range(0, n_rows, step)]


def _frame(X, centers):
    """Origin and power-of-two exponent that keep the expanded formula accurate and finite.

    Moving the origin to the centres' mean changes no distance, but keeps
    ||x||^2 and 2 x.m from being huge, nearly equal numbers that cancel; the
    power of two (usually 2**0) keeps squares of very large or tiny values in range.
    """
    origin = centers.mean(axis=0)
    return origin, scale_exponent(X.dtype, X, centers)


def _squared_distances(X, centers, origin, exponent):
    """Yield (rows, D) with D = ||x||^2 - 2 X M^T + ||m||^2 for a block of rows.

    D is in the rescaled units ``(x - origin) * 2**exponent``; multiply by
    ``2**(-2 * exponent)`` for the original ones.
    """
    M = np.ldexp(centers - origin, exponent)
    m_sq = np.einsum("ij,ij->i", M, M)  # ||m||^2 for every centre, (k,)
    for rows in _row_chunks(len(X), len(M), X.itemsize):
        x = np.ldexp(X[rows] - origin, exponent)
        x_sq = np.einsum("ij,ij->i", x, x)  # ||x||^2 for every row of the block
        yield rows, x_sq[:, None] - 2.0 * (x @ M.T) + m_sq


def _check_X_centers(X, centers):
    X = check_data(X)
    centers = check_data(centers, name="centers").astype(X.dtype, copy=False)
    if centers.shape[1] != X.shape[1]:
        raise ValueError(
            f"centers have {centers.shape[1]} features but X has {X.shape[1]}"
        )
    return X, centers


def assign(X, centers):
    """E step: index of the nearest centre for every row, and its squared distance.

    y_i = argmin_j ||x_i - m_j||^2, computed as rowwise_argmin(||x||^2 - 2 X M^T + ||m||^2).
    Ties go to the lowest centre index.

    Parameters
    ----------
    X : array-like of shape (n, d)
    centers : array-like of shape (k, d)

    Returns
    -------
    labels : ndarray of shape (n,), int
    min_sq_dist : ndarray of shape (n,), squared distance to the nearest centre
    """
    X, centers = _check_X_centers(X, centers)
    origin, exponent = _frame(X, centers)
    labels = np.empty(len(X), dtype=np.intp)
    min_sq = np.empty(len(X), dtype=X.dtype)
    for rows, D in _squared_distances(X, centers, origin, exponent):
        labels[rows] = D.argmin(axis=1)  # y = rowwise_argmin(D)
        min_sq[rows] = D[np.arange(len(D)), labels[rows]]
    # Rounding can leave a tiny negative value for a point sitting on its centre.
    # Back in original units a distance beyond the float64 range is honestly inf.
    with np.errstate(over="ignore"):
        return labels, np.ldexp(np.maximum(min_sq, 0.0), -2 * exponent)


def update(X, labels, n_clusters, sample_weight=None):
    """M step: sums and weights per cluster, so that M = Z^T X / Z^T 1.

    Parameters
    ----------
    X : array-like of shape (n, d)
    labels : array-like of shape (n,), integers in [0, n_clusters)
    n_clusters : int
    sample_weight : array-like of shape (n,), optional

    Returns
    -------
    sums : ndarray (k, d)      Z^T X, weighted
    counts : ndarray (k,)      Z^T 1, weighted
    Centres are ``sums / counts[:, None]`` where ``counts > 0``; the caller
    decides what to do with empty clusters.
    """
    X = check_data(X)
    labels = check_labels(labels, len(X), n_clusters)
    w = check_sample_weight(sample_weight, len(X), np.float64)
    # Z^T 1 and Z^T X without building Z: bincount adds each row's weight
    # (or one coordinate of it) into the bin of its cluster.
    counts = np.bincount(labels, weights=w, minlength=n_clusters)
    sums = np.empty((n_clusters, X.shape[1]))
    for j in range(X.shape[1]):
        sums[:, j] = np.bincount(labels, weights=X[:, j] * w, minlength=n_clusters)
    if not np.isfinite(sums).all():
        raise ValueError("the cluster sums Z^T X overflow float64; rescale X (KMeans does this itself)")
    return sums.astype(X.dtype, copy=False), counts.astype(X.dtype, copy=False)


def inertia(X, centers, labels, sample_weight=None):
    """Sum of (weighted) squared distances from each point to the centre of its cluster.

    J = sum_i w_i ||x_i - m_{y_i}||^2, computed from the differences directly
    (not the expanded formula) because this is the number that gets reported.
    """
    X, centers = _check_X_centers(X, centers)
    labels = check_labels(labels, len(X), len(centers))
    w = check_sample_weight(sample_weight, len(X), np.float64)
    origin, exponent = _frame(X, centers)
    M = np.ldexp(centers - origin, exponent)
    total = 0.0
    for rows in _row_chunks(len(X), 1, X.itemsize):
        diff = np.ldexp(X[rows] - origin, exponent) - M[labels[rows]]
        total += float(np.einsum("ij,ij->i", diff, diff) @ w[rows])
    return float(np.ldexp(total, -2 * exponent))


# ---------------------------------------------------------------------------
# The fast engine used by KMeans.fit and kmeans_plusplus. Same math as above.
# ---------------------------------------------------------------------------

try:  # optional: pins BLAS to one thread while our own two workers run
    from threadpoolctl import ThreadpoolController
except ImportError:  # the core works without it, on one thread
    ThreadpoolController = None

_PARALLEL_WORK = 2**21  # below ~n*k*d of 2M flops per pass, threads cost more than they save
_pool = None
_controller = None


def _n_workers():
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    # KMEANS_THREADS caps the workers: the class server runs one process per core, one thread each.
    cap = os.environ.get("KMEANS_THREADS", "2").strip()
    cap = int(cap) if cap.isdigit() else 2
    return max(1, min(2, cores, cap)) if ThreadpoolController is not None else 1


def _get_pool():
    global _pool, _controller
    if _pool is None:
        _controller = ThreadpoolController()
        _pool = ThreadPoolExecutor(max_workers=_n_workers(), thread_name_prefix="kmeans_core")
    return _pool


def _row_mean(X):
    """``X.mean(axis=0)``, bit for bit, faster for 2 to 4 columns.

    numpy sums C-ordered rows one after the other when d >= 2; a running sum
    down each column (cumsum) adds the same numbers in the same order, in a few
    long loops instead of n loops of d elements. Two neighbouring columns read
    as one complex column are summed in one loop (real and imaginary parts apart).
    """
    n, d = X.shape
    if not 2 <= d <= 4:
        return X.mean(axis=0)
    sums = []
    for j in range(0, d - 1, 2):
        pair = np.cumsum(X[:, j : j + 2].view(np.complex64 if X.dtype == np.float32 else np.complex128)[:, 0])[-1]
        sums += [pair.real, pair.imag]
    if d % 2:
        sums.append(np.cumsum(X[:, d - 1])[-1])
    return np.array(sums, dtype=X.dtype) / n


class _Engine:
    """X prepared once per fit: rescaled, centred, with a column of ones, plus buffers.

    All arrays inside are in the engine's units ``(X * 2**exponent) - mean``;
    ``to_original`` and ``sq_to_original`` convert results back.

    Parameters
    ----------
    X : validated float array (n, d), not modified.
    sample_weight : validated weights (n,).
    extra : arrays (e.g. initial centres) that must also fit the rescaling.
    """

    def __init__(self, X, sample_weight, extra=()):
        n, d = X.shape
        self.n, self.d, self.dtype = n, d, X.dtype
        self.exponent = scale_exponent(X.dtype, X, *extra)
        # Rows [x, 1, ||x||^2]: one matmul with [-2 M^T ; ||m||^2 ; 1] gives the whole
        # ||x||^2 - 2 x.m + ||m||^2, without separate passes adding the norms to every block.
        self.Xa = np.empty((n, d + 2), dtype=X.dtype)
        Xc = self.Xa[:, :d]
        if self.exponent:
            X = np.ldexp(X, self.exponent)  # a rescaled copy (only for huge or tiny values)
        X = np.ascontiguousarray(X)
        # Centring first (as scikit-learn does) keeps ||x||^2 - 2 x.m + ||m||^2
        # from cancelling catastrophically when the data sits far from the origin.
        # numpy's mean of the C-ordered rows, bit for bit scikit-learn's, so exact ties break the same way.
        self.mean = _row_mean(X)
        if d <= 4:  # column by column: a few n-long loops run far faster than n tiny ones
            for j in range(d):
                np.subtract(X[:, j], self.mean[j], out=Xc[:, j])
        else:
            np.subtract(X, self.mean, out=Xc)
        self.Xa[:, d] = 1.0
        self.Xc = Xc
        self.x_sq = self.Xa[:, d + 1]
        if d <= 2:  # by columns too, bit for bit the einsum (x_0^2 + x_1^2, rounded the same way)
            np.multiply(Xc[:, 0], Xc[:, 0], out=self.x_sq)
            if d == 2:
                self.x_sq += Xc[:, 1] * Xc[:, 1]
        else:
            np.einsum("ij,ij->i", Xc, Xc, out=self.x_sq)
        # Weights rescaled by a power of two too, so w * x cannot overflow.
        w = sample_weight
        self.w_exponent = scale_exponent(np.float32, w) if w.max() > 2.0**40 or w.max() < 2.0**-40 else 0
        self.w = np.ldexp(w, self.w_exponent).astype(X.dtype) if self.w_exponent else w.astype(X.dtype)
        self.unit_weights = bool((self.w == 1).all())
        self.w64 = self.w.astype(np.float64)
        self._XwT = None
        self._XaT = None
        self._W1 = None
        self._one_block = {}
        self._chunks = {}
        self._states = {}
        self._moved = None  # (old_labels, labels, rows whose label differs), set by assign
        self.bounded = None  # hamerly.py's E step while a bounded run is on (see bounded_e_step)
        self.last_gain = 0.0  # the last M step's decrease of the objective (the bounded E step uses it)
        self.last_relocated = ()  # and the points it relocated
        self._sums = None  # (labels, sums, counts, rows changed since the last full sums)

    # -- units ---------------------------------------------------------------
    def to_engine(self, centers):
        return (np.ldexp(centers, self.exponent) - self.mean).astype(self.dtype)

    def to_original(self, centers):
        centers = np.asarray(centers, dtype=np.float64) + self.mean
        return (np.ldexp(centers, -self.exponent) if self.exponent else centers).astype(self.dtype)

    def sq_to_original(self, value):
        """Convert a (weighted) sum of squares back; may be inf if it exceeds float64."""
        if not (self.exponent or self.w_exponent):  # the usual case: nothing was rescaled
            return float(value)
        with np.errstate(over="ignore"):
            return float(np.ldexp(value, -2 * self.exponent - self.w_exponent))

    def length_to_original(self, value):
        return np.ldexp(value, -self.exponent) if self.exponent else value

    # -- parallel plumbing -----------------------------------------------------
    def chunks(self, k, min_parts=1, n_rows=None):
        """(start, stop) blocks of about BLOCK_BYTES / (k * itemsize) rows covering range(n_rows)."""
        n = self.n if n_rows is None else n_rows
        key = (k, min_parts, n)
        if key not in self._chunks:
            if len(self._chunks) > 64:  # the bounded E step asks for many row counts
                self._chunks.clear()
            rows = max(256, BLOCK_BYTES // (self.dtype.itemsize * k))
            rows = max(1, min(rows, -(-n // min_parts)))
            self._chunks[key] = [(s, min(s + rows, n)) for s in range(0, n, rows)]
        return self._chunks[key]

    def parallel(self, k, n_rows=None):
        n = self.n if n_rows is None else n_rows
        return _n_workers() > 1 and n * k * (self.d + 1) >= _PARALLEL_WORK and n >= 4096

    def one_block(self, k):
        """Whether this is a small fit: all n x k distances (and X) in one block, on one thread.

        Small fits cost numpy calls, not flops, so their E and M steps (``_assign_one_block``,
        ``_one_hot_sums``) work on the whole of X at once, in buffers kept between iterations.
        """
        if k not in self._one_block:
            self._one_block[k] = (self.dtype == np.float64 and k <= PACKED_MAX_K and not self.parallel(k)
                                  and self.n * max(k, self.d + 2) * self.dtype.itemsize <= BLOCK_BYTES)
        return self._one_block[k]

    @property
    def XaT(self):
        """(d + 2, n) copy of Xa for small fits: each column one contiguous row, as BLAS likes it."""
        if self._XaT is None:
            self._XaT = np.ascontiguousarray(self.Xa.T)
        return self._XaT

    def run(self, k, task, per_worker_state, n_rows=None):
        """Run ``task(state, start, stop)`` over the row chunks; return results in chunk order.

        ``n_rows``: chunks of range(n_rows) instead of all rows (the task maps them to rows).

        Two workers (the calling thread and one pool thread) take the next chunk in turn,
        so when other load on the machine slows one of them the other simply does more;
        results are kept in chunk order, so sums do not depend on who computed what.
        BLAS is pinned to one thread meanwhile, because two single-threaded matmuls on
        separate blocks beat one two-threaded matmul per small block.
        """
        def state(worker):
            # Buffers live as long as the engine: no fresh 2 MiB pages every iteration.
            key = (per_worker_state.__qualname__, k, worker)
            if key not in self._states:
                self._states[key] = per_worker_state()
            return self._states[key]

        if not self.parallel(k, n_rows):
            st = state(0)
            return [task(st, s, e) for s, e in self.chunks(k, n_rows=n_rows)]
        chunks = self.chunks(k, min_parts=2, n_rows=n_rows)
        results = [None] * len(chunks)
        lock = threading.Lock()
        queue = iter(range(len(chunks)))

        def work(worker):
            st = state(worker)
            while True:
                with lock:
                    i = next(queue, None)
                if i is None:
                    return
                results[i] = task(st, *chunks[i])

        other = _get_pool().submit(work, 1)
        work(0)
        other.result()
        return results

    @contextmanager
    def threads(self, k):
        """Pin BLAS to one thread for the whole fit.

        With two workers, two single-threaded matmuls beat one two-threaded one per
        block; on the serial path the blocks are too small for BLAS threads to pay off,
        and their spinning doubled the CPU time of small fits (and stalled a busy server).
        """
        if ThreadpoolController is None:
            yield
            return
        _get_pool()
        with _controller.limit(limits=1, user_api="blas"):
            yield

    # -- E step ------------------------------------------------------------------
    def assign(self, centers, labels, old_labels=None):
        """Fill ``labels`` (intp, (n,)) with the nearest centre of each row.

        Returns (inertia in engine units, number of labels that differ from old_labels).
        The rows that changed are kept for the next ``update`` (see ``cluster_sums``).
        """
        if self.bounded is not None:  # same contract, most distances skipped (hamerly.py)
            return self.bounded.assign(centers, labels, old_labels)
        return self.assign_all(centers, labels, old_labels)

    def assign_all(self, centers, labels, old_labels=None):
        """``assign`` computing every distance (what the bounded E step falls back to)."""
        k, d = centers.shape
        if self.one_block(k):
            return self._assign_one_block(centers, labels, old_labels)
        B = np.empty((d + 2, k), dtype=self.dtype)
        B[:d] = -2.0 * centers.T
        B[d] = np.einsum("ij,ij->i", centers, centers)
        B[d + 1] = 1.0

        def finish(s, e, lab, near):
            """Inertia part, number of changed labels and, if few, the rows that changed, for rows s:e."""
            part = float(near.sum(dtype=np.float64)) if self.unit_weights else float(
                near.astype(np.float64) @ self.w64[s:e])
            if old_labels is None:
                return part, e - s, None
            changed = lab != old_labels[s:e]
            count = int(np.count_nonzero(changed))
            # The row list is only worth building when the M step can use it (few changes).
            moved = np.flatnonzero(changed) + s if count * _INCREMENTAL_SHARE <= e - s else None
            return part, count, moved

        def state():
            rows = self.chunks(k)[0][1]
            return np.empty((rows, k), dtype=self.dtype), np.arange(rows) * k, np.empty(rows, self.dtype)

        def task(st, s, e):
            buf, offsets, near = st
            m = e - s
            block = buf[:m]
            np.matmul(self.Xa[s:e], B, out=block)
            lab = labels[s:e]
            np.argmin(block, axis=1, out=lab)  # ties go to the lowest index, as in scikit-learn
            # the chosen entry of each row, picked from the flat block by offset + label
            np.take(block.reshape(-1), offsets[:m] + lab, out=near[:m])
            near_m = near[:m]
            np.maximum(near_m, 0.0, out=near_m)  # rounding can leave -1e-17 on a centre
            return finish(s, e, lab, near_m)

        bits = (k - 1).bit_length()
        low = np.int64((1 << bits) - 1)
        index = np.arange(k, dtype=np.int64)[:, None]
        BT = np.ascontiguousarray(B.T)

        def packed_state():
            rows = self.chunks(k)[0][1]
            return np.empty(rows * k), np.empty(rows, dtype=np.int64)

        def packed_task(st, s, e):
            flat, keys = st
            m = e - s
            DT = flat[: k * m].reshape(k, m)  # one row per centre: the reductions run along rows
            np.matmul(BT, self.Xa[s:e].T, out=DT)
            # Non-negative doubles order like their bit patterns read as integers, so writing
            # the centre index into the lowest mantissa bits makes one elementwise min give
            # both the distance and its argmin (exact ties still go to the lowest index).
            # A rounding-negative distance (-1e-17, a point on a centre) still wins, rightly.
            K = DT.view(np.int64)
            np.bitwise_and(K, ~low, out=K)
            np.bitwise_or(K, index, out=K)
            key = np.minimum.reduce(K, axis=0, out=keys[:m])
            lab = labels[s:e]
            np.bitwise_and(key, low, out=lab)
            np.bitwise_and(key, ~low, out=key)
            near = key.view(np.float64)
            np.maximum(near, 0.0, out=near)
            return finish(s, e, lab, near)

        if self.dtype == np.float64 and k <= PACKED_MAX_K:
            results = self.run(k, packed_task, packed_state)
        else:
            results = self.run(k, task, state)
        moved = [r[2] for r in results]
        self._moved = None
        if old_labels is not None and all(m is not None for m in moved):
            self._moved = (old_labels, labels, np.concatenate(moved))
        return sum(r[0] for r in results), sum(r[1] for r in results)

    def _one_block_state(self, k):
        """Buffers of a small fit, kept between iterations: B^T, one (k, n) block, keys, indices, low bits."""
        BT = np.empty((k, self.d + 2))
        BT[:, self.d + 1] = 1.0
        low = np.int64((1 << (k - 1).bit_length()) - 1)
        self._states["one_block", k] = (BT, np.empty((k, self.n)), np.empty(self.n, dtype=np.int64),
                                        np.arange(k, dtype=np.int64)[:, None], low)

    def _assign_one_block(self, centers, labels, old_labels):
        """``assign_all``'s packed kernel on all rows at once (a small fit, see ``one_block``).

        The same arithmetic as the blocked kernel (same products, same packed minimum);
        only the buffers, kept between iterations, and the contiguous (d + 2, n) copy of Xa differ.
        """
        k, d = centers.shape
        if ("one_block", k) not in self._states:
            self._one_block_state(k)
        BT, DT, keys, index, low = self._states["one_block", k]
        np.multiply(centers, -2.0, out=BT[:, :d])  # [-2 M, ||m||^2, 1]: B^T of assign_all
        np.einsum("ij,ij->i", centers, centers, out=BT[:, d])
        np.matmul(BT, self.XaT, out=DT)  # D^T, (k, n)
        K = DT.view(np.int64)  # the centre index into the low mantissa bits, as in packed_task
        np.bitwise_and(K, ~low, out=K)
        np.bitwise_or(K, index, out=K)
        np.minimum.reduce(K, axis=0, out=keys)
        np.bitwise_and(keys, low, out=labels)
        np.maximum(keys, 0, out=keys)  # a negative distance (rounding, on a centre) becomes +0.0
        np.bitwise_and(keys, ~low, out=keys)
        near = keys.view(np.float64)
        value = float(near.sum(dtype=np.float64)) if self.unit_weights else float(near @ self.w64)
        self._moved = None
        if old_labels is None:
            return value, self.n
        changed = labels != old_labels
        count = int(np.count_nonzero(changed))
        if count * _INCREMENTAL_SHARE <= self.n:  # few changes: the M step moves just these rows
            self._moved = (old_labels, labels, np.flatnonzero(changed))
        return value, count

    def note_moved(self, k, old_labels, labels, moved):
        """Keep the rows that changed (increasing order) for the incremental M step.

        The bounded E step calls this; it applies plain ``assign``'s rule (a list only
        when at most 1 row in _INCREMENTAL_SHARE changed in every chunk), so both give
        the M step the same input and the centres come out bit for bit the same.
        """
        self._moved = None
        if old_labels is None or moved is None:
            return
        chunks = self.chunks(k, min_parts=2 if self.parallel(k) else 1)
        bounds = np.array([s for s, _ in chunks] + [self.n])
        per_chunk = np.diff(np.searchsorted(moved, bounds))
        if np.all(per_chunk * _INCREMENTAL_SHARE <= np.diff(bounds)):
            self._moved = (old_labels, labels, moved)

    # -- M step ------------------------------------------------------------------
    @property
    def XwT(self):
        """(d, n) weighted, transposed copy: each feature contiguous, ready for bincount."""
        if self._XwT is None:
            Xw = self.Xc if self.unit_weights else self.Xc * self.w[:, None]
            self._XwT = np.ascontiguousarray(Xw.T)
        return self._XwT

    def cluster_sums(self, labels, k):
        """Z^T X and Z^T 1 (weighted) in float64, by bincount per feature (no one-hot, no add.at).

        Returns fresh arrays; the engine keeps its own copy to update incrementally next time.
        """
        sums, counts = self._incremental_sums(labels, k)
        if sums is None:
            sums, counts = self._full_sums(labels, k)
            self._sums = (labels, sums, counts, 0)
        else:
            self._sums = (labels, sums, counts, self._sums[3] + len(self._moved[2]))
        return sums.copy(), counts.copy()

    def _incremental_sums(self, labels, k):
        """Last M step's sums moved by the rows that changed cluster since, or (None, None).

        After the first few iterations only a few percent of the labels change, so
        adding the movers to their new cluster and removing them from the old one
        costs far less than summing all n rows again (``assign`` lists the movers
        only when at most 1 row in _INCREMENTAL_SHARE changed).  Each move rounds like
        one more term of a full sum, so a full recompute once n rows have moved in
        total keeps the error within that of a fresh sum; a relocation or an empty
        cluster also forces one.
        """
        if self._sums is None or self._moved is None:
            return None, None
        base_labels, sums, counts, moved_since = self._sums
        old_labels, new_labels, moved = self._moved
        if base_labels is not old_labels or new_labels is not labels or len(sums) != k:
            return None, None
        if moved_since + len(moved) > self.n:
            return None, None
        new, old = labels[moved], old_labels[moved]
        if self._W1 is not None and self.unit_weights and self.one_block(k):  # small fits: one product
            # (one-hot of the new labels - one-hot of the old) [x, 1]: the change of both sums and counts
            index = np.arange(k)[:, None]
            delta = ((new == index).astype(np.float64) - (old == index)) @ self._W1[moved]
            return sums + delta[:, : self.d], counts + delta[:, self.d]
        if self.unit_weights:  # whole numbers: moving them is exact
            counts = counts + np.bincount(new, minlength=k) - np.bincount(old, minlength=k)
        else:  # summed afresh, so that an emptied cluster weighs exactly 0
            counts = np.bincount(labels, weights=self.w64, minlength=k)
        both = np.concatenate([new, old])
        movers = self.XwT.take(moved, axis=1)  # (d, moved), weighted
        sums = sums.copy()
        for j in range(self.d):  # +x into the new cluster, -x out of the old one
            sums[:, j] += np.bincount(both, weights=np.concatenate([movers[j], -movers[j]]), minlength=k)
        return sums, counts

    def end_run(self):
        """Drop the incremental M step's cache, which holds a run's label buffers."""
        self._moved = self._sums = None

    def _full_sums(self, labels, k):
        if self.one_block(k):
            return self._one_hot_sums(labels, k)
        weights = None if self.unit_weights else self.w64
        counts = np.bincount(labels, weights=weights, minlength=k).astype(np.float64)
        sums = np.empty((k, self.d))
        XwT = self.XwT

        def task(_, j0, j1):
            for j in range(j0, j1):
                sums[:, j] = np.bincount(labels, weights=XwT[j], minlength=k)

        if self.parallel(k) and self.d > 1:  # features split between the two workers
            half = self.d // 2
            pool = _get_pool()
            other = pool.submit(task, None, half, self.d)
            task(None, 0, half)
            other.result()
        else:
            task(None, 0, self.d)
        return sums, counts

    def _one_hot_sums(self, labels, k):
        """Small fits: Z^T [Xw, w] as written, one product with the one-hot Z (k, n) (see ``one_block``)."""
        if self._W1 is None:  # [Xw, w] (n, d + 1), as a view of a (d + 1, n) array
            self._W1 = (self.XaT[: self.d + 1] if self.unit_weights else np.vstack([self.XwT, self.w64])).T
        if ("one_block", k) not in self._states:
            self._one_block_state(k)
        Z, index = self._states["one_block", k][1], self._states["one_block", k][3]
        np.equal(labels, index, out=Z)  # in the E step's distance buffer: less memory to keep in cache
        S = Z @ self._W1  # (k, d + 1): the sums, then the weights
        return S[:, : self.d], S[:, self.d]

    def distances_to_own_center(self, centers, labels):
        """||x_i - m_{y_i}||^2 from the differences directly (accurate; used for relocation)."""
        out = np.empty(self.n, dtype=self.dtype)
        for s, e in self.chunks(self.d):  # (rows, d) differences of ~2 MiB, not one n x d array
            diff = self.Xc[s:e] - centers.take(labels[s:e], axis=0)
            np.einsum("ij,ij->i", diff, diff, out=out[s:e])
        return out

    def mean_variance(self):
        """mean over features of var(X[:, j]), from ||x||^2 of the centred rows (no extra pass)."""
        residual = (np.ones(self.n, dtype=self.dtype) @ self.Xc) / self.n  # ~0 after centring
        return float(self.x_sq.sum(dtype=np.float64) / self.n - residual @ residual) / self.d

    def objective(self, centers, labels):
        """sum_i w_i ||x_i - m_{y_i}||^2 computed directly, in engine units (float64)."""
        k = len(centers)
        if self.d <= 4 and self.unit_weights and self.one_block(k):  # small: a contiguous feature at a time
            total = 0.0
            for j in range(self.d):
                diff = self.XaT[j] - centers[:, j].take(labels)
                total += float(diff @ diff)
            return total

        def task(_, s, e):
            diff = self.Xc[s:e] - centers.take(labels[s:e], axis=0)  # take: faster than [labels]
            if self.unit_weights:  # one einsum over the whole block: 3x faster than per row at d=2
                return float(np.einsum("ij,ij->", diff, diff, dtype=np.float64))
            sq = np.einsum("ij,ij->i", diff, diff).astype(np.float64, copy=False)
            return float(sq @ self.w64[s:e])

        return sum(self.run(k, task, lambda: None))

    def update(self, labels, centers):
        """M step with scikit-learn's empty-cluster relocation.

        Returns (new_centers, relocated, gain) where relocated is a tuple of
        (cluster, point_index) and gain the exact decrease of the objective
        from the assign step's value: by the parallel-axis identity
        sum_{i in C} w_i ||x_i - c||^2 = sum_{i in C} w_i ||x_i - m||^2 + W ||m - c||^2
        for the weighted mean m, so the update lowers J by sum_j W_j ||m_j - c_j||^2
        (and a relocated point takes its whole squared distance with it).
        """
        k = len(centers)
        sums, weight = self.cluster_sums(labels, k)
        relocated = ()
        moved_sq = 0.0
        empty = np.flatnonzero(weight == 0)
        if len(empty):
            self._sums = None  # the next M step sums from scratch (see _incremental_sums)
            dist = self.distances_to_own_center(centers, labels)
            if dist.max() > 0:  # otherwise every point sits on its centre: nothing to move
                # The len(empty) points farthest from their centres, in scikit-learn's order.
                far = np.argpartition(dist, -len(empty))[: -len(empty) - 1 : -1]
                moves = []
                for cluster, point in zip(empty, far):
                    wp = float(self.w64[point])
                    old = labels[point]
                    xw = self.Xc[point].astype(np.float64) * wp
                    sums[old] -= xw
                    sums[cluster] = xw
                    weight[cluster] = wp
                    weight[old] -= wp
                    moved_sq += wp * float(dist[point])
                    moves.append((int(cluster), int(point)))
                relocated = tuple(moves)
        full = weight > 0
        # M = Z^T X / Z^T 1, as sums times 1 / weight (scikit-learn's rounding); empty rows 0 for now.
        new = sums * np.divide(1.0, weight, out=np.zeros_like(weight), where=full)[:, None]
        step = new - centers
        step_sq = weight * np.einsum("ij,ij->i", step, step)
        if not full.all():
            # A cluster left empty sits on the heaviest cluster's centre (not at the origin).
            new[~full] = new[np.argmax(weight)]
            step_sq[~full] = 0.0
        if relocated:
            step_sq[[c for c, _ in relocated]] = 0.0
        gain = moved_sq + float(step_sq.sum())
        self.last_gain, self.last_relocated = gain, relocated
        return new.astype(self.dtype), relocated, gain

    # -- k-means++ -----------------------------------------------------------------
    def _distance_matrix(self, points):
        """[-2 p^T ; ||p||^2 ; 1] for engine-unit points p: Xa @ it gives ||x - p||^2."""
        B = np.empty((self.d + 2, len(points)), dtype=self.dtype)
        B[: self.d] = -2.0 * points.T
        B[self.d] = np.einsum("ij,ij->i", points, points)
        B[self.d + 1] = 1.0
        return B

    def sq_dist_to_row(self, i):
        """||x - x_i||^2 for every row (float64, (n,)), one matrix-vector product."""
        dist = (self.Xa @ self._distance_matrix(self.Xc[i : i + 1])[:, 0]).astype(np.float64, copy=False)
        dist[i] = 0.0  # exactly, not the expanded formula's rounding: x_i is now a centre
        return np.maximum(dist, 0.0, out=dist)

    def candidate_potentials(self, closest, candidates):
        """For each candidate c: sum_i w_i min(D(x_i)^2, ||x_i - x_c||^2), in one pass over X."""
        t = len(candidates)
        BT = np.ascontiguousarray(self._distance_matrix(self.Xc[candidates]).T)

        def state():
            return np.empty(self.chunks(t)[0][1] * t, dtype=self.dtype)

        def task(flat, s, e):
            # One row per candidate, so the min and the weighted sum run along contiguous rows.
            DT = flat[: t * (e - s)].reshape(t, e - s)
            np.matmul(BT, self.Xa[s:e].T, out=DT)
            np.minimum(DT, closest[s:e].astype(self.dtype, copy=False), out=DT)
            np.maximum(DT, 0.0, out=DT)
            if self.unit_weights:
                return DT.sum(axis=1, dtype=np.float64)
            return DT @ self.w64[s:e]

        return np.sum(self.run(t, task, state), axis=0)
