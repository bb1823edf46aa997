"""Shared figure pieces: the style (palette, symbols, projector mode, plain text) and the clustering scatter.

Each feature keeps its own pure builders next to it (explorer/figures.py, choosing_k/*_figure*.py, ...).
"""
