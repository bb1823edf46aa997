"""Shared pieces of the K-means Explorer app: data sources, state, figures.

Pages import from here; this package imports kmeans_core, never the other way.
"""
