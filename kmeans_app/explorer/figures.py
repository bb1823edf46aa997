"""The Explorer's half-steps as drawn: a run's history turned into the labels and 2-D centres of the
drawn points (``step_views``). The browser component (kmeans_app/explorer) draws them with plotly.js;
``SYMBOL_CODES`` are Plotly's numeric marker symbols (explorer.js has the same table).
"""

from dataclasses import dataclass

import numpy as np

from kmeans_app.figures.style import SYMBOLS

SYMBOL_CODES = {  # Plotly's numeric marker symbols, so per-point symbols fit in int8 arrays
    "circle": 0, "square": 1, "diamond": 2, "cross": 3, "x": 4, "triangle-up": 5,
    "triangle-down": 6, "triangle-left": 7, "triangle-right": 8, "pentagon": 13, "hexagon": 14,
    "star": 17, "hexagram": 18, "star-triangle-up": 19, "diamond-wide": 24, "hourglass": 25,
    "bowtie": 26, "circle-x": 28, "square-x": 30, "asterisk": 35,
}


@dataclass(frozen=True)
class StepView:
    """One half-step as drawn: labels of the drawn points (None before the first
    assignment), centres in plot coordinates, the inertia, and the title to show."""

    phase: str
    labels: np.ndarray | None
    centers: np.ndarray
    inertia: float | None
    title: str


def step_views(history, rows, project, titles, X_rows=None):
    """Turn a run's history into StepViews for the drawn rows.

    rows : indices of the drawn rows; project : maps (k, d) centres to plot coordinates;
    titles : one string per record. When the history holds no labels (large data),
    they are recomputed for the drawn rows from the centres (needs ``X_rows``).
    """
    from kmeans_core import assign

    views, last = [], None
    for step, title in zip(history, titles):
        if step.phase == "init":
            labels = None
        elif step.labels is not None:
            labels = np.asarray(step.labels)[rows]
        elif step.phase == "assign":
            labels = assign(X_rows, np.asarray(step.centers, dtype=X_rows.dtype))[0]
        else:
            labels = last
            if step.relocated and labels is not None:
                labels = labels.copy()
                where = {int(r): i for i, r in enumerate(rows)}
                for cluster, point in step.relocated:
                    if point in where:
                        labels[where[point]] = cluster
        last = labels
        views.append(StepView(step.phase, labels, project(np.asarray(step.centers)),
                              step.inertia, title))
    return views


__all__ = ["SYMBOLS", "SYMBOL_CODES", "StepView", "step_views"]
