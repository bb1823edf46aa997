"""The estimator protocol (kmeans_core.base) and KMeans as a drop-in scikit-learn estimator.

scikit-learn appears here only as the consumer of the protocol (clone, Pipeline,
GridSearchCV) and as an oracle.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest

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
