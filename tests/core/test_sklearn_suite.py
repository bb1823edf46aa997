"""scikit-learn's own test suite, run against kmeans_core through a thin adapter.

The tests are the installed ``sklearn/cluster/tests/test_k_means.py`` (dense KMeans)
and ``sklearn/metrics/cluster/tests/test_unsupervised.py`` (silhouette, and the
Calinski-Harabasz and Davies-Bouldin scores), unchanged. Each is re-collected here
with the names those modules imported — ``KMeans``, ``k_means``, ``kmeans_plusplus``,
``ConvergenceWarning``, ``silhouette_samples``, ``silhouette_score``,
``calinski_harabasz_score``, ``davies_bouldin_score`` — pointing at ours. The
adapter is thin: :class:`KMeans` below only accepts scikit-learn's ``copy_x``
(we never modify X, so it has nothing to do) and defaults to ``algorithm="lloyd"``
as scikit-learn does; everything else is our estimator as is. scikit-learn's own
helpers (``make_blobs``, ``pairwise_distances``, ``v_measure_score``, ``clone``)
stay scikit-learn's: they build the data and are the oracles.

``global_random_seed`` follows scikit-learn's ``SKLEARN_TESTS_GLOBAL_RANDOM_SEED``
(default 42; ``all`` or ``0-99`` for more); ``global_dtype`` runs float64 and float32.
With ``all`` seeds every test passes on every seed except test_k_means_function (a single
k-means++ start) on seeds 14, 44, 56, 57, 68 and 78, where that start lands in a local
optimum. That is the method, not the port: over seeds 0-1999 our fit misses the true
clusters 1.1% of the time (22); from the same 3,000 k-means++ starts our Lloyd and
scikit-learn's gave identical labels, 1.0% of them missing in both. scikit-learn's own
random streams happen to avoid such starts on seeds 0-99; ours draw differently.

Left out, by group, at collection (never skipped at run time):

- **scikit-learn's private attributes**: ``_n_init`` (test_kmeans_init_auto_with_initial_centroids,
  test_n_init_auto) and ``_init_centroids`` (test_sample_weight_init, test_sample_weight_zero).
  Our n_init="auto" rule is the same and is tested in test_kmeans.py / test_estimator.py.
- **the ``x_squared_norms`` argument** of kmeans_plusplus (test_kmeans_plusplus_wrong_params,
  test_kmeans_plusplus_norms): ours computes the norms itself.
- **scikit-learn's private Cython helpers**, which test its internals rather than the API:
  test_relocate_empty_clusters, test_euclidean_distance, test_inertia, test_is_same_clustering,
  test_silhouette_reduce.
- **sparse input**: every sparse-container parametrisation, test_dense_sparse,
  test_predict_dense_sparse, test_silhouette_samples_precomputed_sparse and
  test_silhouette_samples_euclidean_sparse. The core is dense only; sparse input is a
  ValueError saying so (test_validation.py).
- **MiniBatchKMeans**: every ``test_minibatch_*`` and every MiniBatchKMeans parametrisation.
- **elkan-specific**: test_warning_elkan_1_cluster (scikit-learn warns and falls back to lloyd
  for k=1; our "elkan" maps to our bounded method, which handles k=1). The tests that compare
  ``algorithm="elkan"`` with "lloyd" (e.g. test_kmeans_elkan_results) do run: they check
  that the bounded method gives Lloyd's labels, centres and n_iter_.
"""

import functools
import os

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.cluster as sk_cluster
import sklearn.cluster.tests.test_k_means as skm
import sklearn.metrics.cluster.tests.test_unsupervised as sku

import kmeans_core
from kmeans_core.exceptions import ConvergenceWarning


class KMeans(kmeans_core.KMeans):
    """Our KMeans with scikit-learn's constructor: ``copy_x`` accepted, default algorithm "lloyd".

    Named KMeans so scikit-learn's tests see the same class name (get_feature_names_out).
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4,
                 verbose=0, random_state=None, copy_x=True, algorithm="lloyd"):
        super().__init__(n_clusters, init=init, n_init=n_init, max_iter=max_iter, tol=tol,
                         verbose=verbose, random_state=random_state, algorithm=algorithm)
        self.copy_x = copy_x  # scikit-learn only: X is never modified here


def k_means(X, n_clusters, *, copy_x=True, algorithm="lloyd", **kwargs):
    """Our k_means, dropping scikit-learn's copy_x."""
    return kmeans_core.k_means(X, n_clusters, algorithm=algorithm, **kwargs)


SWAP = {
    skm: {"KMeans": KMeans, "k_means": k_means, "kmeans_plusplus": kmeans_core.kmeans_plusplus,
          "ConvergenceWarning": ConvergenceWarning},
    sku: {"silhouette_samples": kmeans_core.silhouette_samples,
          "silhouette_score": kmeans_core.silhouette_score,
          "calinski_harabasz_score": kmeans_core.calinski_harabasz_score,
          "davies_bouldin_score": kmeans_core.davies_bouldin_score},
}


@pytest.fixture(autouse=True)
def _ours_in_sklearns_tests(monkeypatch):
    """Point the names the scikit-learn test modules imported at ours, for each test."""
    for module, names in SWAP.items():
        for name, ours in names.items():
            monkeypatch.setattr(module, name, ours)


def _seeds():
    # scikit-learn's rule for its global_random_seed fixture (sklearn/conftest.py)
    value = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if value is None:
        return [42]
    if value == "all":
        return list(range(100))
    start, _, stop = value.partition("-")
    return list(range(int(start), int(stop or start) + 1))


@pytest.fixture(params=_seeds())
def global_random_seed(request):
    return request.param


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def global_dtype(request):
    return request.param


# ---------------------------------------------------------------- re-collecting the tests

def _out_of_scope(value):
    """A parametrisation we do not run: sparse input or MiniBatchKMeans (see the docstring)."""
    values = value if isinstance(value, tuple) else (value,)
    for v in values:
        if v is sk_cluster.MiniBatchKMeans:
            return True
        if sp.issparse(v) or (isinstance(v, type) and issubclass(v, (sp.spmatrix, sp.sparray))):
            return True
    return False


def _ours(value):
    if value is sk_cluster.KMeans:
        return KMeans
    if isinstance(value, tuple):
        return tuple(_ours(v) for v in value)
    return value


def _port(module, name):
    """scikit-learn's test ``name`` with its parametrisations filtered and its classes swapped."""
    original = getattr(module, name)

    @functools.wraps(original)
    def test(*args, **kwargs):
        return original(*args, **kwargs)

    marks = []
    for mark in getattr(original, "pytestmark", []):
        if mark.name != "parametrize":
            marks.append(mark)
            continue
        argnames, argvalues = mark.args[:2]
        ids = mark.kwargs.get("ids")
        kept = [(i, v) for i, v in enumerate(argvalues) if not _out_of_scope(v)]
        kwargs = dict(mark.kwargs)
        if isinstance(ids, (list, tuple)):
            kwargs["ids"] = [ids[i] for i, _ in kept]
        marks.append(pytest.mark.parametrize(argnames, [_ours(v) for _, v in kept], **kwargs).mark)
    test.pytestmark = marks
    test.__name__ = test.__qualname__ = name
    return test


KMEANS_TESTS = [
    "test_kmeans_results", "test_kmeans_relocated_clusters", "test_kmeans_elkan_results",
    "test_kmeans_convergence", "test_all_init", "test_fortran_aligned_data", "test_kmeans_verbose",
    "test_warning_n_init_precomputed_centers", "test_kmeans_copyx", "test_score_max_iter",
    "test_kmeans_predict", "test_integer_input", "test_transform", "test_fit_transform", "test_n_init",
    "test_k_means_function", "test_float_precision", "test_centers_not_mutated",
    "test_kmeans_init_fitted_centers", "test_kmeans_warns_less_centers_than_unique_points",
    "test_weighted_vs_repeated", "test_unit_weights_vs_no_weights", "test_scaled_weights",
    "test_kmeans_elkan_iter_attribute", "test_kmeans_empty_cluster_relocated",
    "test_result_equal_in_diff_n_threads", "test_k_means_1_iteration", "test_sample_weight_unchanged",
    "test_wrong_params", "test_kmeans_plusplus_output", "test_kmeans_plusplus_dataorder",
    "test_kmeans_with_array_like_or_np_scalar_init", "test_feature_names_out",
    "test_predict_does_not_change_cluster_centers", "test_relocating_with_duplicates",
]
UNSUPERVISED_TESTS = [
    "test_silhouette", "test_cluster_size_1", "test_silhouette_paper_example", "test_correct_labelsize",
    "test_non_encoded_labels", "test_non_numpy_labels", "test_silhouette_nonzero_diag",
    "test_calinski_harabasz_score", "test_davies_bouldin_score", "test_silhouette_score_integer_precomputed",
]
# Every test of the two modules is either run above or listed in the docstring as left out.
LEFT_OUT = {
    "test_kmeans_init_auto_with_initial_centroids", "test_n_init_auto", "test_sample_weight_init",
    "test_sample_weight_zero", "test_kmeans_plusplus_wrong_params", "test_kmeans_plusplus_norms",
    "test_relocate_empty_clusters", "test_euclidean_distance", "test_inertia", "test_is_same_clustering",
    "test_silhouette_reduce", "test_dense_sparse", "test_predict_dense_sparse",
    "test_silhouette_samples_precomputed_sparse", "test_silhouette_samples_euclidean_sparse",
    "test_warning_elkan_1_cluster",
}

for _module, _names in ((skm, KMEANS_TESTS), (sku, UNSUPERVISED_TESTS)):
    for _name in _names:
        globals()[f"{_name}"] = _port(_module, _name)


def test_every_sklearn_test_is_run_or_left_out_with_a_reason():
    """A new scikit-learn release that adds tests shows up here instead of being silently ignored."""
    found = {name for module in (skm, sku) for name in vars(module)
             if name.startswith("test_") and callable(getattr(module, name))}
    minibatch = {name for name in found if name.startswith("test_minibatch")}
    assert found - minibatch == set(KMEANS_TESTS) | set(UNSUPERVISED_TESTS) | LEFT_OUT
