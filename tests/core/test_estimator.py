"""The estimator protocol (kmeans_core.base) and KMeans as a drop-in scikit-learn estimator.

scikit-learn appears here only as the consumer of the protocol (clone, Pipeline,
GridSearchCV) and as an oracle.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from kmeans_core import KMeans, inertia
from kmeans_core.base import BaseEstimator, ClusterMixin, TransformerMixin, check_is_fitted
from kmeans_core.exceptions import ConvergenceWarning, NotFittedError


class Toy(ClusterMixin, TransformerMixin, BaseEstimator):
    """A minimal clusterer: label = row index modulo n_clusters."""

    def __init__(self, n_clusters=2, *, scale=1.0, inner=None):
        self.n_clusters = n_clusters
        self.scale = scale
        self.inner = inner

    def fit(self, X, y=None, sample_weight=None):
        X = np.asarray(X, dtype=float)
        self._check_n_features(X, reset=True)
        self.labels_ = np.arange(len(X)) % self.n_clusters
        self.seen_weight_ = sample_weight
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        self._check_n_features(X, reset=False)
        return X * self.scale


def test_get_params_lists_init_arguments_sorted():
    assert Toy(3, scale=2.0).get_params() == {"inner": None, "n_clusters": 3, "scale": 2.0}


def test_get_params_deep_includes_nested_estimator():
    inner = Toy(5)
    params = Toy(inner=inner).get_params(deep=True)
    assert params["inner"] is inner
    assert params["inner__n_clusters"] == 5
    assert "inner__n_clusters" not in Toy(inner=inner).get_params(deep=False)


def test_set_params_sets_and_returns_self_nested_too():
    inner = Toy(5)
    est = Toy(inner=inner)
    assert est.set_params(n_clusters=7, inner__scale=3.0) is est
    assert est.n_clusters == 7 and inner.scale == 3.0


def test_set_params_unknown_name_is_value_error_naming_it():
    with pytest.raises(ValueError, match="'bogus'.*valid parameters are: inner, n_clusters, scale"):
        Toy().set_params(bogus=1)


def test_varargs_init_is_refused():
    class Bad(BaseEstimator):
        def __init__(self, *args):
            self.args = args

    with pytest.raises(TypeError, match="explicitly"):
        Bad().get_params()


def test_repr_shows_only_changed_params_in_signature_order():
    assert repr(Toy()) == "Toy()"
    assert repr(Toy(4, scale=0.5)) == "Toy(n_clusters=4, scale=0.5)"
    # an array parameter compares by repr, never by ambiguous truth value
    assert repr(Toy(inner=np.array([1, 2]))) == "Toy(inner=array([1, 2]))"


def test_n_features_checked_after_fit():
    est = Toy().fit(np.zeros((4, 3)))
    assert est.n_features_in_ == 3
    with pytest.raises(ValueError, match="X has 2 features, but Toy is expecting 3"):
        est.transform(np.zeros((4, 2)))


def test_check_is_fitted():
    with pytest.raises(NotFittedError, match="This Toy instance is not fitted yet"):
        Toy().transform(np.zeros((2, 2)))
    # like scikit-learn's: both a ValueError and an AttributeError
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    est = Toy()
    with pytest.raises(NotFittedError):
        check_is_fitted(est, "labels_")
    est.fit(np.zeros((2, 1)))
    check_is_fitted(est, ["labels_", "n_features_in_"])


def test_mixins_fit_predict_and_fit_transform_pass_fit_params():
    X = np.arange(12.0).reshape(6, 2)
    est = Toy(4, scale=2.0)
    np.testing.assert_array_equal(est.fit_predict(X, sample_weight="w"), [0, 1, 2, 3, 0, 1])
    assert est.seen_weight_ == "w"
    np.testing.assert_array_equal(est.fit_transform(X, None, sample_weight="v"), 2 * X)
    assert est.seen_weight_ == "v"


def test_convergence_warning_is_a_user_warning():
    assert issubclass(ConvergenceWarning, UserWarning)


def test_sklearn_clone_and_tags_work_on_base():
    from sklearn.base import clone, is_clusterer
    from sklearn.utils import get_tags

    est = Toy(3, scale=np.array([1.0, 2.0]))
    copy = clone(est)
    assert type(copy) is Toy and copy is not est
    assert copy.n_clusters == 3 and copy.scale is not est.scale
    np.testing.assert_array_equal(copy.scale, est.scale)
    assert not hasattr(copy, "labels_")
    assert is_clusterer(est)
    tags = get_tags(est)
    assert tags.transformer_tags is not None and not tags.input_tags.sparse


def test_core_never_imports_sklearn():
    code = ("import sys, numpy as np, kmeans_core\n"
            "from kmeans_core import KMeans\n"
            "km = KMeans(3, random_state=0).fit(np.random.default_rng(0).normal(size=(50, 2)))\n"
            "km.fit_transform(np.random.default_rng(1).normal(size=(50, 2))); repr(km); km.get_params()\n"
            "assert not any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules), 'sklearn imported'\n")
    with warnings.catch_warnings():
        subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- KMeans as a scikit-learn estimator


def _blobs(n=300, centers=4, seed=0):
    from sklearn.datasets import make_blobs

    return make_blobs(n_samples=n, centers=centers, cluster_std=0.6, random_state=seed)


def test_kmeans_get_params_and_repr():
    km = KMeans(3, random_state=0, algorithm="lloyd")
    assert km.get_params() == {"algorithm": "lloyd", "init": "k-means++", "max_iter": 300, "n_clusters": 3,
                               "n_init": "auto", "random_state": 0, "record": "auto", "tol": 1e-4,
                               "verbose": 0}
    assert repr(km) == "KMeans(n_clusters=3, random_state=0, algorithm='lloyd')"
    assert repr(KMeans()) == "KMeans()"
    assert km.set_params(n_clusters=5) is km and km.n_clusters == 5


def test_set_params_values_are_checked_by_fit():
    X, _ = _blobs()
    km = KMeans(3).set_params(algorithm="fast")  # stored as given, like scikit-learn
    with pytest.raises(ValueError, match="algorithm must be one of"):
        km.fit(X)
    with pytest.raises(ValueError, match="Invalid parameter 'n_cluster'"):
        km.set_params(n_cluster=2)


def test_sklearn_clone_gives_an_unfitted_equal_estimator():
    from sklearn.base import clone

    X, _ = _blobs()
    km = KMeans(4, init=X[:4].copy(), n_init=1, tol=0.0).fit(X)
    copy = clone(km)
    assert not hasattr(copy, "cluster_centers_")
    assert copy.get_params().keys() == km.get_params().keys()
    np.testing.assert_array_equal(copy.init, km.init)
    assert copy.init is not km.init
    # the same parameters and data give the same fit (same code path: bit for bit)
    np.testing.assert_array_equal(copy.fit(X).labels_, km.labels_)
    assert copy.n_iter_ == km.n_iter_


def test_kmeans_in_a_pipeline_equals_kmeans_on_the_transformed_data():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, _ = _blobs()
    X = X * [1.0, 100.0]
    pipe = Pipeline([("scale", StandardScaler()), ("km", KMeans(4, random_state=0))]).fit(X)
    direct = KMeans(4, random_state=0).fit(StandardScaler().fit_transform(X))
    np.testing.assert_array_equal(pipe.named_steps["km"].labels_, direct.labels_)
    np.testing.assert_array_equal(pipe.predict(X), direct.labels_)
    # fit_transform through the pipeline: distances to the centres, (n, k)
    D = Pipeline([("scale", StandardScaler()), ("km", KMeans(4, random_state=0))]).fit_transform(X)
    np.testing.assert_array_equal(D, direct.transform(StandardScaler().fit_transform(X)))
    assert pipe.score(X) == pytest.approx(-direct.inertia_, rel=1e-12)


def test_grid_search_over_a_pipeline_picks_the_true_k_by_silhouette():
    from sklearn.metrics import silhouette_score
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, _ = _blobs(n=400, centers=4, seed=3)

    def silhouette(estimator, X_test, y=None):
        return silhouette_score(X_test, estimator.predict(X_test))

    pipe = Pipeline([("scale", StandardScaler()), ("km", KMeans(random_state=0))])
    search = GridSearchCV(pipe, {"km__n_clusters": [2, 3, 4, 5, 6]}, scoring=silhouette, cv=3).fit(X)
    assert search.best_params_ == {"km__n_clusters": 4}
    best = search.best_estimator_.named_steps["km"]
    assert isinstance(best, KMeans) and best.n_clusters == 4
    # refit on all the data: the same as fitting that configuration directly
    direct = KMeans(4, random_state=0).fit(StandardScaler().fit_transform(X))
    np.testing.assert_array_equal(best.labels_, direct.labels_)


def test_grid_search_default_scoring_is_minus_inertia():
    from sklearn.model_selection import GridSearchCV, KFold

    X, _ = _blobs(n=240)
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(KMeans(random_state=0), {"n_clusters": [2, 4]}, cv=cv).fit(X)
    # oracle: the held-out score of each split computed by hand
    for i, k in enumerate([2, 4]):
        scores = [KMeans(k, random_state=0).fit(X[train]).score(X[test]) for train, test in cv.split(X)]
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(np.mean(scores), rel=1e-12)


def test_fit_transform_is_fit_then_transform():
    X, _ = _blobs()
    km = KMeans(4, random_state=1)
    D = km.fit_transform(X, sample_weight=np.linspace(1, 2, len(X)))
    np.testing.assert_array_equal(D, km.transform(X))
    # distances to the centres, against a direct numpy computation
    direct = np.sqrt(((X[:, None, :] - km.cluster_centers_[None]) ** 2).sum(-1))
    np.testing.assert_allclose(D, direct, rtol=0, atol=1e-12 * np.abs(X).max())
    assert km.n_features_in_ == 2
    np.testing.assert_array_equal(km.get_feature_names_out(), ["kmeans0", "kmeans1", "kmeans2", "kmeans3"])


def test_callable_init_receives_the_fits_generator():
    X, _ = _blobs()
    seen = []

    def pick(X_, k, random_state):
        seen.append((X_, random_state))
        return X_[random_state.choice(len(X_), k, replace=False)]

    km = KMeans(4, init=pick, n_init=1, random_state=7).fit(X)
    (X_seen, rng), = seen
    assert isinstance(rng, np.random.Generator)
    np.testing.assert_array_equal(X_seen, X)
    assert not X_seen.flags.writeable  # the callable cannot modify the caller's data
    # the same starting centres given as an array: the same run
    start = X[np.random.default_rng(7).choice(len(X), 4, replace=False)]
    same = KMeans(4, init=start, n_init=1).fit(X)
    np.testing.assert_array_equal(km.labels_, same.labels_)
    np.testing.assert_array_equal(km.history_[0].centers, start)


def test_callable_init_runs_n_init_times_auto_is_ten_and_best_wins():
    X, _ = _blobs(centers=6, seed=2)
    calls = []

    def pick(X_, k, random_state):
        rows = random_state.choice(len(X_), k, replace=False)
        calls.append(rows)
        return X_[rows]

    km = KMeans(6, init=pick, random_state=0).fit(X)  # n_init="auto": 10, as for "random"
    assert len(calls) == 10
    inertias = [KMeans(6, init=X[rows], n_init=1).fit(X).inertia_ for rows in calls]
    assert km.inertia_ == pytest.approx(min(inertias), rel=1e-12)


def test_fewer_distinct_points_warns_convergence_warning_in_sklearn_words():
    X = np.asarray([[0, 0], [0, 1], [1, 0], [1, 0]])
    with pytest.warns(ConvergenceWarning, match=r"Number of distinct clusters \(3\) found smaller than "
                      r"n_clusters \(4\)\. Possibly due to duplicate points in X\."):
        km = KMeans(4, random_state=0).fit(X)
    assert set(km.labels_) == {0, 1, 2}
    assert issubclass(ConvergenceWarning, RuntimeWarning)  # older filters on RuntimeWarning still apply


@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly", "elkan", "auto"])
def test_every_algorithm_name_gives_lloyds_result(algorithm):
    X, _ = _blobs(n=2000, centers=8, seed=4)
    init = X[:8].copy()
    ref = KMeans(8, init=init, tol=0.0, algorithm="lloyd").fit(X)
    km = KMeans(8, init=init, tol=0.0, algorithm=algorithm).fit(X)
    np.testing.assert_array_equal(km.labels_, ref.labels_)
    assert km.n_iter_ == ref.n_iter_
    assert len(km.history_) == len(ref.history_)
    # the reported inertia against the direct sum for the final centres and labels
    assert km.inertia_ == pytest.approx(inertia(X, km.cluster_centers_, km.labels_), rel=1e-12)


@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly", "elkan", "auto"])
def test_every_algorithm_after_an_empty_cluster_relocation(algorithm):
    """scikit-learn's relocation example: the far centre starts empty and is moved to a point."""
    X = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]])
    km = KMeans(2, n_init=1, init=np.array([[0.5, 0.5], [3, 3]]), algorithm=algorithm).fit(X)
    assert km.n_iter_ == 3
    assert km.inertia_ == pytest.approx(0.25, rel=1e-15)  # hand-computed: 4 points 0.25 from their centre
    exact = [inertia(X, s.centers, s.labels) for s in km.history_[1:]]
    # each half-step's inertia is that of its centres and labels (after an assign: the new labels)
    assert [s.inertia for s in km.history_[1:]] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("tol, stop", [(0.0, "strict convergence"), (1e-2, "within tolerance")])
def test_verbose_prints_each_iterations_inertia_and_why_it_stopped(capsys, tol, stop):
    X = np.random.default_rng(0).normal(size=(500, 3))
    km = KMeans(4, init="random", n_init=1, tol=tol, random_state=0, verbose=1).fit(X)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Initialization complete"
    printed = [float(line.split("inertia ")[1].rstrip(".")) for line in out if line.startswith("Iteration")]
    recorded = [s.inertia for s in km.history_ if s.phase == "assign"]
    assert printed == recorded
    assert stop in out[-1] and f"iteration {km.n_iter_ - 1}" in out[-1]
    KMeans(4, random_state=0).fit(X)
    assert capsys.readouterr().out == ""  # silent by default


# scikit-learn's own estimator checks that apply to a dense clusterer. Left out: sparse input,
# sklearn's NotFittedError class (ours is its own), and its exact wording for object, complex and
# empty data; check_sample_weight_equivalence, which scikit-learn itself expects KMeans to fail.
SKLEARN_CHECKS = [
    "check_get_params_invariance", "check_set_params", "check_no_attributes_set_in_init",
    "check_fit_idempotent", "check_n_features_in", "check_estimators_dtypes", "check_fit2d_predict1d",
    "check_clustering", "check_clusterer_compute_labels_predict", "check_estimators_pickle",
    "check_dont_overwrite_parameters", "check_fit_score_takes_y", "check_estimators_fit_returns_self",
    "check_dict_unchanged", "check_estimators_nan_inf", "check_transformer_general", "check_fit2d_1sample",
    "check_fit2d_1feature", "check_fit1d", "check_methods_subset_invariance",
    "check_methods_sample_order_invariance", "check_pipeline_consistency",
    "check_estimators_overwrite_params", "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    "check_sample_weights_not_an_array", "check_sample_weights_list", "check_sample_weights_shape",
    "check_sample_weights_not_overwritten", "check_estimator_repr", "check_fit_check_is_fitted",
    "check_mixin_order", "check_estimator_cloneable", "check_valid_tag_types",
    "check_transformer_data_not_an_array", "check_transformers_unfitted", "check_f_contiguous_array_estimator",
    "check_estimator_sparse_array",
]


@pytest.mark.parametrize("check", SKLEARN_CHECKS)
def test_sklearn_estimator_checks(check):
    from sklearn.utils import estimator_checks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the checks use tiny data sets
        getattr(estimator_checks, check)("KMeans", KMeans(random_state=0))


def test_sklearn_default_constructible():
    from sklearn.utils.estimator_checks import check_parameters_default_constructible

    check_parameters_default_constructible("KMeans", KMeans())
