"""One BLAS thread for the variants' small matrix products (threadpoolctl optional).

On a shared 2-core machine, OpenBLAS's second thread costs more than it saves on
the products and factorisations of EM and of a 1,000 x 1,000 eigendecomposition:
measured 1.7x slower for GaussianMixture.fit at 10,000 x 2 and up to 6x for eigh.
``KMeans`` pins BLAS the same way (``lloyd._Engine.threads``).
"""

from contextlib import contextmanager

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # the core works without it, BLAS keeps its default
    ThreadpoolController = None

_controller = None


@contextmanager
def one_blas_thread():
    """Limit BLAS to one thread inside the ``with`` block (a no-op without threadpoolctl)."""
    global _controller
    if ThreadpoolController is None:
        yield
        return
    if _controller is None:  # inspecting the loaded libraries takes a few ms: do it once
        _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield
