"""Beyond hard K-means: soft assignments, Gaussian mixtures, mini-batch, and the fix beside every failure.

``cases`` (the failure cases and their fixes), ``runs`` (cached fits for the pages) and
``figures`` (pure Plotly figure builders: no Streamlit) serve pages/soft_gaussian.py,
pages/minibatch.py and pages/failures.py.
"""
