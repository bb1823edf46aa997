"""Find the elbow of an inertia-vs-k curve with Kneedle (Satopaa et al., 2011).

Kneedle in four steps, for a decreasing convex curve such as inertia(k):

1. Rescale both axes to [0, 1], so the first point is (0, 1) and the last
   is (1, 0) whatever the units.
2. Measure how far each point lies below the straight chord joining them:
   ``difference = (1 - x_norm) - y_norm``. A straight line scores 0
   everywhere; a sharp bend makes a tall peak.
3. Take the local maxima of that difference curve as candidate knees.
4. Keep a candidate only if the difference then falls by more than
   ``sensitivity`` times the mean spacing of the rescaled x values before the
   next candidate. A small bump on a nearly straight stretch never falls that
   far, so it is not a knee. The first candidate that passes is the knee.

Why log-log axes by default. On data without clusters (uniform noise) the
inertia still drops smoothly, roughly like k^(-2/d) in d dimensions (the
classical result for quantising a uniform density). On ordinary axes that
power law is a convex curve, so plain Kneedle "finds" a knee at k = 3 or 4
in pure noise. A power law has no preferred k -- it is the same shape at
every scale -- and on log k vs log inertia it is a straight line. Running
Kneedle on the log-log curve therefore asks the right question: does the
curve bend *more than structureless data would*? With g well-separated
groups the inertia falls steeply up to k = g and slowly afterwards, a clear
corner in log-log space; with noise the difference curve stays near 0
(measured below 0.02 for uniform data in 1-10 dimensions, k = 1..10, while
separated blobs give 0.15 or more) and the threshold of step 4 rejects it.
``log=False`` gives classic Kneedle on the raw axes.
"""

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["KneeResult", "find_knee", "kneedle"]

# Inertia 0 (a perfect fit, e.g. k >= number of distinct points) has no
# logarithm; treat it as this fraction of the largest inertia: a drop of
# 12 decades, the strongest possible bend, which is what a perfect fit is.
_ZERO_INERTIA_FLOOR = 1e-12


@dataclass(frozen=True)
class KneeResult:
    """Kneedle's working, enough to plot how the knee was chosen.

    Attributes
    ----------
    knee : int or None
        The k at the knee, or None when there is no clear knee.
    x_norm, y_norm : ndarray of shape (m,)
        The curve rescaled to [0, 1] (of log k and log inertia when ``log``).
        All zeros when the curve cannot be rescaled (fewer than 3 points or a
        flat curve).
    difference : ndarray of shape (m,)
        ``(1 - x_norm) - y_norm``: how far each point is below the chord.
    threshold : float
        ``sensitivity * mean(diff(x_norm))``: how far the difference must drop
        after a peak for the peak to count.
    candidates : tuple of int
        The k at every local maximum of ``difference``, knee or not.
    log : bool
        Whether the log-log curve was used.
    """

    knee: int | None
    x_norm: np.ndarray
    y_norm: np.ndarray
    difference: np.ndarray
    threshold: float
    candidates: tuple
    log: bool


def find_knee(ks, inertias, *, sensitivity=1.0, log=True):
    """The k at the elbow of an inertia curve, or None when there is no clear one.

    Parameters
    ----------
    ks : array-like of int, shape (m,)
        Strictly increasing numbers of clusters, e.g. ``range(1, 11)``.
        Start at k = 1 when you can: a knee at the first point cannot be
        seen (Kneedle needs a point on each side of it).
    inertias : array-like of float, shape (m,)
        Inertia (within-cluster sum of squares) for each k; >= 0, finite.
    sensitivity : float, default=1.0
        Kneedle's S. Larger values demand a sharper bend (fewer knees),
        smaller values accept gentler ones. Must be > 0.
    log : bool, default=True
        Look for the knee on log k vs log inertia (see the module notes: this
        is what makes uniform noise come out as "no knee"). False runs
        classic Kneedle on the raw axes.

    Returns
    -------
    int or None
        The knee's k, or None for fewer than 3 points, a flat or straight
        curve, or a bend no sharper than the threshold.

    Examples
    --------
    >>> find_knee([1, 2, 3, 4, 5, 6], [1000, 300, 80, 70, 62, 56])
    3
    >>> find_knee([1, 2, 3, 4], [40, 30, 20, 10]) is None
    True
    """
    return kneedle(ks, inertias, sensitivity=sensitivity, log=log).knee


def kneedle(ks, inertias, *, sensitivity=1.0, log=True):
    """Kneedle with its working: the knee plus the normalised curves to plot.

    Parameters and the knee are as in :func:`find_knee`.

    Returns
    -------
    KneeResult
    """
    x, y = _check_curve(ks, inertias)
    if (
        not isinstance(sensitivity, numbers.Real)
        or isinstance(sensitivity, bool)
        or not np.isfinite(sensitivity)
        or sensitivity <= 0
    ):
        raise ValueError(f"sensitivity must be a positive number; got {sensitivity!r}")
    if log:
        x = np.log(x)  # k >= 1 was checked
        if y.size and y.max() > 0:  # (an all-zero curve is flat: no knee either way)
            y = np.log(np.maximum(y, _ZERO_INERTIA_FLOOR * y.max()))
    return _kneedle(x, y, np.asarray(ks, dtype=np.int64), float(sensitivity), bool(log))


def _check_curve(ks, inertias):
    k = np.asarray(ks)
    y = np.asarray(inertias)
    if k.ndim != 1 or y.ndim != 1:
        raise ValueError("ks and inertias must be 1-D")
    if k.shape != y.shape:
        raise ValueError(f"ks has {k.size} values but inertias has {y.size}; they must match")
    if k.size and (k.dtype.kind not in "iuf" or not np.all(np.isfinite(k)) or np.any(k != np.round(k))):
        raise ValueError("ks must be whole numbers")
    if k.size and k.min() < 1:
        raise ValueError("ks must be at least 1")
    if np.any(np.diff(k) <= 0):
        raise ValueError("ks must be strictly increasing")
    if y.size and (y.dtype.kind not in "iuf" or not np.all(np.isfinite(y))):
        raise ValueError("inertias must be finite numbers")
    if np.any(y < 0):
        raise ValueError("inertias must be >= 0")
    return k.astype(np.float64), y.astype(np.float64)


def _kneedle(x, y, ks, sensitivity, log):
    """Kernel: x increasing, y finite (already logged if wanted)."""
    m = len(x)
    zeros = np.zeros(m)
    if m < 3 or y.max() == y.min():
        # Nothing to rescale: too few points for a bend, or a flat curve.
        return KneeResult(None, zeros, zeros.copy(), zeros.copy(), float("nan"), (), log)

    x_norm = (x - x[0]) / (x[-1] - x[0])
    y_norm = (y - y.min()) / (y.max() - y.min())
    difference = (1.0 - x_norm) - y_norm
    threshold = sensitivity * float(np.mean(np.diff(x_norm)))

    # Interior local maxima (a plateau counts once, at its first point).
    peaks = [
        i for i in range(1, m - 1) if difference[i] > difference[i - 1] and difference[i] >= difference[i + 1]
    ]
    knee = None
    for n_peak, i in enumerate(peaks):
        next_peak = peaks[n_peak + 1] if n_peak + 1 < len(peaks) else m
        # The difference must fall below (peak - threshold) before the next peak.
        # On a decreasing curve the last point has difference 0, so for the
        # last peak this reads: peak height > threshold.
        if np.any(difference[i + 1 : next_peak] < difference[i] - threshold):
            knee = int(ks[i])
            break
    return KneeResult(knee, x_norm, y_norm, difference, threshold, tuple(int(ks[i]) for i in peaks), log)
