"""The core's own warning and error classes (scikit-learn's names, no scikit-learn import).

They subclass the same built-ins as scikit-learn's, so code written for
scikit-learn (``except ValueError``, ``warnings.simplefilter("ignore", UserWarning)``)
treats them the same way.
"""


class ConvergenceWarning(UserWarning, RuntimeWarning):
    """A fit ended in a degenerate or unconverged state.

    Raised, for example, when K-means finds fewer distinct clusters than
    ``n_clusters`` because X has fewer distinct points than that.
    A UserWarning like scikit-learn's, and also a RuntimeWarning, which the core
    raised here before it had this class (filters written for that still apply).
    """


class NotFittedError(ValueError, AttributeError):
    """An estimator was used (predict, transform, ...) before ``fit``.

    A ValueError and an AttributeError, like scikit-learn's, so ``hasattr``
    style checks and ``except ValueError`` both catch it.
    """
