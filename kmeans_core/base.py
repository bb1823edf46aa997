"""The estimator protocol: parameters, repr, mixins and the fitted check.

A small, readable stand-in for ``sklearn.base``, without importing scikit-learn.
An estimator stores every ``__init__`` argument unchanged as an attribute of the
same name and validates it in ``fit``; that is all :func:`BaseEstimator.get_params`
needs, and it is what lets scikit-learn's ``clone``, ``Pipeline`` and
``GridSearchCV`` drive our estimators.

Writing an estimator::

    class MyClusterer(ClusterMixin, TransformerMixin, BaseEstimator):
        def __init__(self, n_clusters=8, *, random_state=None):
            self.n_clusters = n_clusters        # stored as given, checked in fit
            self.random_state = random_state

        def fit(self, X, y=None):
            X = check_data(X)
            self._check_n_features(X, reset=True)
            ...
            self.labels_ = ...
            return self

Mixins go to the left of ``BaseEstimator`` (as in scikit-learn), so that their
``__sklearn_tags__`` can refine the base's.
"""

import inspect
import sys

from .exceptions import ConvergenceWarning, NotFittedError

__all__ = ["BaseEstimator", "ClusterMixin", "ConvergenceWarning", "NotFittedError", "TransformerMixin",
           "check_is_fitted"]


class BaseEstimator:
    """Parameters from the ``__init__`` signature, ``set_params``, and a readable repr.

    Subclasses must take their parameters as explicit arguments of ``__init__``
    (no ``*args`` / ``**kwargs``) and store each one unchanged under its own name.
    """

    @classmethod
    def _get_param_names(cls):
        """Names of the ``__init__`` parameters, sorted (as scikit-learn lists them)."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must list its parameters explicitly "
                                f"(no *args or **kwargs); found {p}")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep=True):
        """The estimator's parameters as a dict.

        Parameters
        ----------
        deep : bool, default True
            Also return the parameters of parameters that are estimators themselves,
            as ``"<name>__<parameter>"``.

        Returns
        -------
        dict
        """
        params = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{name}__{key}", val) for key, val in value.get_params().items())
            params[name] = value
        return params

    def set_params(self, **params):
        """Set parameters (``name=value``, or ``"<name>__<parameter>"`` for a nested estimator).

        Values are stored as given and checked by the next ``fit``; an unknown
        name is a ValueError.

        Returns
        -------
        self
        """
        if not params:
            return self
        valid = self._get_param_names()
        nested = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}; "
                                 f"valid parameters are: {', '.join(valid)}")
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self):
        """``Name(param=value, ...)`` with only the parameters that differ from their defaults."""
        changed = []
        # in signature order (n_clusters first), which reads better than sorted names
        for name, param in inspect.signature(type(self).__init__).parameters.items():
            if name == "self":
                continue
            value = getattr(self, name)
            # repr comparison (as scikit-learn does): arrays and NaN compare sanely
            if repr(value) != repr(param.default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_n_features(self, X, reset):
        """Record ``n_features_in_`` (``reset=True``, in fit) or check X against it."""
        n_features = X.shape[1]
        if reset:
            self.n_features_in_ = n_features
        elif n_features != self.n_features_in_:
            raise ValueError(f"X has {n_features} features, but {type(self).__name__} "
                             f"is expecting {self.n_features_in_} features as input.")

    def __sklearn_tags__(self):
        """Tags for scikit-learn's meta-estimators (Pipeline, GridSearchCV, ...).

        Only scikit-learn calls this, so scikit-learn is already loaded: its
        ``Tags`` class is taken from ``sys.modules``; the core never imports it.
        """
        sk = sys.modules["sklearn.utils"]
        return sk.Tags(estimator_type=None, target_tags=sk.TargetTags(required=False),
                       transformer_tags=None, regressor_tags=None, classifier_tags=None,
                       input_tags=sk.InputTags(sparse=False))


class ClusterMixin:
    """Clusterers: ``fit_predict`` returns ``labels_``; scikit-learn sees a "clusterer"."""

    _estimator_type = "clusterer"

    def fit_predict(self, X, y=None, **kwargs):
        """Fit on X, then return the cluster label of every row (``labels_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored, present for scikit-learn's API
        **kwargs : passed to ``fit`` (e.g. ``sample_weight``)
        """
        return self.fit(X, **kwargs).labels_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "clusterer"
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = []
        return tags


class TransformerMixin:
    """Transformers: ``fit_transform`` is ``fit`` then ``transform`` (override when cheaper)."""

    def fit_transform(self, X, y=None, **fit_params):
        """Fit on X, then return ``transform(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored, present for scikit-learn's API
        **fit_params : passed to ``fit``
        """
        return self.fit(X, **fit_params).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = sys.modules["sklearn.utils"].TransformerTags()
        return tags


def check_is_fitted(estimator, attributes=None):
    """Raise :class:`~kmeans_core.exceptions.NotFittedError` unless ``estimator`` is fitted.

    Parameters
    ----------
    estimator : estimator instance
    attributes : str or sequence of str, optional
        Attributes that ``fit`` sets. Without it, any public attribute whose name
        ends in ``"_"`` counts (scikit-learn's convention for fitted attributes).
    """
    if attributes is None:
        fitted = any(name.endswith("_") and not name.startswith("_") for name in vars(estimator))
    else:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, name) for name in names)
    if not fitted:
        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. "
                             "Call 'fit' with appropriate arguments before using this estimator.")
