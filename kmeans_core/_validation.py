"""Input checks shared by the public functions.

Public functions validate once, then hand clean arrays to private kernels
that assume valid input (the layout scikit-learn's ``_kmeans.py`` uses).
Every check raises ``ValueError`` with a message that names the problem,
because the app shows these messages to people who uploaded a CSV.
"""

import math
import numbers

import numpy as np

# Squared distances are sums of squares, so they overflow long before the
# values do (float64 squares overflow above ~1e154, float32 above ~1e19) and
# underflow to zero for tiny values. Beyond these magnitudes the data is
# rescaled by a power of two, which is exact: only the exponent changes.
_SAFE_EXPONENT = {np.dtype(np.float64): 400, np.dtype(np.float32): 40}


def _is_int(value):
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_random_state(random_state):
    """Return a numpy Generator from None, a non-negative int, a Generator or a RandomState.

    A Generator is used as is (the fit advances it). A legacy ``RandomState``
    (what scikit-learn code passes) is advanced by one draw, the seed of a new
    Generator: the same RandomState state gives the same fit.
    """
    if random_state is None:
        return np.random.default_rng()
    if _is_int(random_state):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int; got {random_state}")
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(int(random_state.randint(0, 2**31 - 1)))
    raise ValueError(
        "random_state must be None, a non-negative int, a numpy Generator or RandomState; "
        f"got {random_state!r}"
    )


def check_data(X, *, name="X", min_samples=1):
    """Return X as a C-contiguous float array (float32 kept, everything else float64).

    Raises ValueError for anything that is not a finite 2-D numeric table.
    X itself is never modified: a copy is made whenever the dtype or layout changes,
    and callers that need to transform the data work on their own copy.
    """
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # scipy.sparse, recognised without importing scipy
        raise ValueError(f"{name} is a sparse matrix: sparse input is not supported, "
                         f"pass a dense array ({name}.toarray())")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested lists, objects that refuse conversion
        raise ValueError(f"{name} could not be read as a numeric array: {exc}") from None
    if arr.dtype.kind in "USV" or arr.dtype.kind in "cmM":
        raise ValueError(f"{name} must be real numbers; got values of type {arr.dtype}")
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric; it contains non-numeric values") from None
    if arr.ndim != 2:
        hint = (f". Reshape your data: {name}.reshape(-1, 1) if it is one feature, "
                f"{name}.reshape(1, -1) if it is one sample") if arr.ndim == 1 else ""
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got {arr.ndim}-D with shape {arr.shape}{hint}"
        )
    n, d = arr.shape
    if n < min_samples:  # scikit-learn's wording
        raise ValueError(f"{name} has {n} sample(s) (shape={arr.shape}) while a minimum of "
                         f"{min_samples} is required.")
    if d == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    # min and max propagate NaN and show infinities, without allocating an (n, d) mask.
    lo, hi = arr.min(), arr.max()
    if np.isnan(lo) or np.isnan(hi):
        raise ValueError(f"{name} contains NaN (missing values); remove or impute them first")
    if np.isinf(lo) or np.isinf(hi):
        raise ValueError(f"{name} contains infinite values; remove them first")
    return np.ascontiguousarray(arr)


def scale_exponent(dtype, *arrays):
    """Power of two ``e`` such that ``array * 2**e`` is safe to square and sum.

    0 (no rescaling) for ordinary data, so results are bit-for-bit those of the
    plain formulas; otherwise the largest magnitude is brought to about 1.
    """
    # max and -min instead of max(abs(a)): no temporary copy of X
    biggest = max(max(float(a.max()), -float(a.min())) if a.size else 0.0 for a in arrays)
    limit = _SAFE_EXPONENT[np.dtype(dtype)]
    if biggest == 0.0 or 2.0**-limit <= biggest <= 2.0**limit:
        return 0
    return -math.frexp(biggest)[1]


def check_sample_weight(sample_weight, n_samples, dtype):
    """Return weights of shape (n_samples,) that are finite, >= 0 and not all zero."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    try:
        w = np.asarray(sample_weight)
    except Exception as exc:
        raise ValueError(f"sample_weight could not be read as numbers: {exc}") from None
    if w.ndim == 0:
        w = np.full(n_samples, w)
    if w.dtype.kind not in "biuf":
        raise ValueError(f"sample_weight must be numeric; got values of type {w.dtype}")
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},); got {w.shape}")
    w = w.astype(dtype)  # always a copy: the caller's array is never touched
    if np.isnan(w).any():
        raise ValueError("sample_weight contains NaN")
    if np.isinf(w).any():
        raise ValueError("sample_weight contains infinite values (or values too large for the data type)")
    if (w < 0).any():
        raise ValueError("sample_weight must be non-negative")
    if not (w > 0).any():
        raise ValueError("sample_weight must not be all zero")
    return w


def check_n_clusters(n_clusters, n_samples):
    """n_clusters must be an integer in [1, n_samples]."""
    if not _is_int(n_clusters):
        raise ValueError(f"n_clusters must be an integer; got {n_clusters!r}")
    if n_clusters < 1:
        raise ValueError(f"n_clusters must be at least 1; got {n_clusters}")
    if n_clusters > n_samples:
        raise ValueError(
            f"n_clusters={n_clusters} is larger than the number of samples ({n_samples}): "
            f"n_samples={n_samples} should be >= n_clusters={n_clusters}"
        )
    return int(n_clusters)


def check_positive_int(value, name):
    """An integer >= 1 (booleans refused: ``True`` is not a count)."""
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_tol(tol):
    """A finite real number >= 0."""
    if not isinstance(tol, (numbers.Real, np.floating, np.integer)) or isinstance(tol, (bool, np.bool_)):
        raise ValueError(f"tol must be a non-negative number; got {tol!r}")
    if not math.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a non-negative finite number; got {tol!r}")
    return float(tol)


def check_centers(centers, n_clusters, n_features, dtype, *, name="init"):
    """Starting centres: a finite (n_clusters, n_features) array, returned as a copy in ``dtype``."""
    arr = check_data(centers, name=name)
    # scikit-learn's wording, then the shape that was expected
    expected = f"{name} must have shape ({n_clusters}, {n_features}) (n_clusters, n_features)"
    if arr.shape[0] != n_clusters:
        raise ValueError(f"The shape of the initial centers {arr.shape} does not match "
                         f"the number of clusters {n_clusters}: {expected}")
    if arr.shape[1] != n_features:
        raise ValueError(f"The shape of the initial centers {arr.shape} does not match "
                         f"the number of features of the data {n_features}: {expected}")
    return np.array(arr, dtype=dtype, order="C", copy=True)


def check_labels(labels, n_samples, n_clusters):
    """Cluster labels: integers in [0, n_clusters) of shape (n_samples,)."""
    lab = np.asarray(labels)
    if lab.shape != (n_samples,):
        raise ValueError(f"labels must have shape ({n_samples},); got {lab.shape}")
    if lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers; got values of type {lab.dtype}")
    if n_samples and (lab.min() < 0 or lab.max() >= n_clusters):
        raise ValueError(f"labels must lie in [0, {n_clusters - 1}]")
    return lab.astype(np.intp, copy=False)
