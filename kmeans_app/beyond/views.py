"""Runs' histories turned into what the animated figures draw (pure: no Streamlit, no Plotly).

Frames keep only the drawn rows' uint8 responsibilities and the 2-D centres, so a figure
with a few hundred frames stays small enough to send to the browser once.
"""

import time

import numpy as np

from kmeans_app.beyond.figures import subsample_steps
from kmeans_core import KMeans, assign

MAX_FRAMES = 150  # soft K-means and EM: at most this many half-steps become frames


def project_covariances(cov, proj):
    """(k, d, d) covariances as (k, 2, 2) in the plot plane of Projection ``proj``.

    For a linear map x -> A x the covariance becomes A S A^T; the identity view of 1-D
    data pads with a zero variance (the ellipse is a segment on the x axis).
    """
    cov = np.asarray(cov, dtype=np.float64)
    d = cov.shape[-1]
    if proj.is_identity:
        if d == 1:
            out = np.zeros((len(cov), 2, 2))
            out[:, 0, 0] = cov[:, 0, 0]
            return out
        return cov
    A = proj.components
    return np.einsum("ad,kde,be->kab", A, cov, A)


def step_label(step, m_name="centres"):
    """The slider's text for one recorded half-step of soft K-means or EM."""
    if step.phase == "init":
        return "start"
    what = "E step: shares" if step.phase == "E" else f"M step: {m_name}"
    return f"iteration {step.iteration} · {what}"


def soft_frames(history, rows, project, max_frames=MAX_FRAMES):
    """(shares, centers, titles) per frame of a SoftKMeans ``history_`` for the drawn ``rows``.

    An M step keeps the colours of the E step before it (its responsibilities made it);
    without recorded shares (large data) the points stay grey.
    """
    shares, centers, titles, last = [], [], [], None
    for step in history:
        if step.phase == "E" and step.shares is not None:
            last = np.asarray(step.shares)[rows]
        shares.append(last)
        centers.append(project(np.asarray(step.centers)))
        titles.append(step_label(step))
    keep = subsample_steps(len(history), max_frames)
    return [shares[i] for i in keep], [centers[i] for i in keep], [titles[i] for i in keep]


def gmm_frames(history, rows, project, proj, max_frames=MAX_FRAMES):
    """(shares, means, covariances, titles) per frame of a GaussianMixture ``history_``."""
    shares, means, covs, titles, last = [], [], [], [], None
    for step in history:
        if step.phase == "E" and step.shares is not None:
            last = np.asarray(step.shares)[rows]
        shares.append(last)
        means.append(project(np.asarray(step.means)))
        covs.append(project_covariances(step.covariances, proj))
        titles.append(step_label(step, "parameters"))
    keep = subsample_steps(len(history), max_frames)
    return ([shares[i] for i in keep], [means[i] for i in keep], [covs[i] for i in keep],
            [titles[i] for i in keep])


def loglik_per_iteration(history):
    """(iterations, log-likelihoods) of the parameters after each EM iteration (the M steps'
    values; iteration 0 is the start when it was scored), ending at the fitted model."""
    its, values = [], []
    for step in history:
        if step.phase in ("init", "M") and step.log_likelihood is not None:
            its.append(step.iteration)
            values.append(float(step.log_likelihood))
    return its, values


def lloyd_curve(X, start, max_iter=300):
    """Full Lloyd (kmeans_core.KMeans, tol 0) from centres ``start``, as a curve.

    Returns dict(seen, inertia, elapsed, model): full-data inertia of the centres after
    each update (iteration 0 = the start), points processed (n per iteration) and time.
    The fit is timed as a whole and its time spread evenly over its iterations (every
    Lloyd iteration does the same O(n k d) work); the inertia evaluations are not timed.
    """
    t = time.perf_counter()
    model = KMeans(len(start), init=np.asarray(start), n_init=1, max_iter=max_iter, tol=0.0).fit(X)
    total = time.perf_counter() - t
    centres = [np.asarray(start)] + [np.asarray(s.centers) for s in model.history_ if s.phase == "update"]
    inertia = [float(assign(X, C)[1].sum()) for C in centres]
    iters = len(centres) - 1
    seen = [i * len(X) for i in range(len(centres))]
    elapsed = [total * i / max(iters, 1) for i in range(len(centres))]
    return dict(seen=seen, inertia=inertia, elapsed=elapsed, model=model)


def minibatch_frames(history, project):
    """(centers, titles, seen, elapsed, inertia) per recorded frame of a MiniBatchKMeans run."""
    centers = [project(np.asarray(f.centers)) for f in history]
    titles = ["start" if f.batch == 0 else f"batch {f.batch:,} · {f.n_seen:,} points" for f in history]
    return (centers, titles, [f.n_seen for f in history], [f.elapsed for f in history],
            [f.inertia for f in history])


def relative_gap(a, b):
    """(a - b) / b: how much larger inertia a is than b (0 when b is 0 and a equals it)."""
    if b == 0:
        return 0.0 if a == 0 else float("inf")
    return (a - b) / b
