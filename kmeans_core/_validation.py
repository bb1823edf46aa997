"""Input checks shared by the public functions.

Public functions validate once, then hand clean arrays to private kernels
that assume valid input (the layout scikit-learn's ``_kmeans.py`` uses).
"""

import numbers

import numpy as np


def check_random_state(random_state):
    """Return a numpy Generator from None, an int or a Generator."""
    if random_state is None or isinstance(random_state, (numbers.Integral, np.integer)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise ValueError(
        f"random_state must be None, an int or a numpy Generator, got {random_state!r}"
    )


def check_data(X, *, name="X", min_samples=1):
    """Return X as a C-contiguous float array (float32 kept, ints become float64).

    Raises ValueError for anything that is not a finite 2-D numeric table.
    X itself is never modified: a copy is made whenever the dtype changes.
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested lists, objects that refuse conversion
        raise ValueError(f"{name} could not be read as a numeric array: {exc}") from None
    if arr.dtype.kind in "OUSV" or arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be numeric; got values of type {arr.dtype}"
            ) from None
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got {arr.ndim}-D with shape {arr.shape}"
        )
    n, d = arr.shape
    if n < min_samples:
        raise ValueError(f"{name} has {n} samples; at least {min_samples} needed")
    if d == 0:
        raise ValueError(f"{name} has 0 features")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "infinite values"
        raise ValueError(f"{name} contains {bad}; remove or impute them first")
    return np.ascontiguousarray(arr)


def check_sample_weight(sample_weight, n_samples, dtype):
    """Return weights of shape (n_samples,) that are finite, >= 0 and not all zero."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    w = np.asarray(sample_weight)
    if w.ndim == 0:
        w = np.full(n_samples, w)
    if w.dtype.kind not in "biuf":
        raise ValueError("sample_weight must be numeric")
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},); got {w.shape}"
        )
    w = w.astype(dtype)
    if not np.isfinite(w).all():
        raise ValueError("sample_weight contains NaN or infinite values")
    if (w < 0).any():
        raise ValueError("sample_weight must be non-negative")
    if w.sum() <= 0:
        raise ValueError("sample_weight must not be all zero")
    return w


def check_n_clusters(n_clusters, n_samples):
    if not isinstance(n_clusters, (numbers.Integral, np.integer)) or isinstance(n_clusters, bool):
        raise ValueError(f"n_clusters must be an integer; got {n_clusters!r}")
    if n_clusters < 1:
        raise ValueError(f"n_clusters must be at least 1; got {n_clusters}")
    if n_clusters > n_samples:
        raise ValueError(
            f"n_clusters={n_clusters} is larger than the number of samples ({n_samples})"
        )
    return int(n_clusters)
