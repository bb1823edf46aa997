"""Generated datasets (scikit-learn's makers) and the Dataset every page works on."""

from dataclasses import dataclass, field

import numpy as np
from sklearn import datasets as skd


@dataclass(frozen=True)
class Dataset:
    """What the pages cluster.

    X : (n, d) float64 matrix actually clustered (after column choice / scaling).
    feature_names : one name per column of X (user text: never render as HTML).
    name : short title for the source (a generator's label or an uploaded file name).
    note : one line on why K-means struggles here, or None.
    key : stable string identifying the data, for caches and links.
    generated : True for the built-in generators (their settings live in the URL).
    frame : the parsed upload (rows kept after dropping missing values), or None.
    labels : (n,) known labels to compare the clusters with, or None: the generator's
        labels for generated data, the chosen "labels to compare" column of an upload
        (strings; a missing cell is "(missing)"). Never clustered on.
    label_name : what the labels are ("generator's labels" or the column's name: user text).
    recipe : how to make X again, for a reproduce script (plain JSON-able values):
        {"kind": "generated", "dataset", "maker", "params", ["transform"]},
        {"kind": "upload", "file_type", "encoding", "delimiter", "decimal", "thousands",
        "header", "header_rows", "sheet", "columns", "label_column", "dropped_rows", "standardize"} or
        {"kind": "drawn", "points"}; None when unknown.
    """

    X: np.ndarray
    feature_names: tuple
    name: str
    note: str | None
    key: str
    generated: bool = True
    frame: object = field(default=None, compare=False, repr=False)
    labels: np.ndarray | None = field(default=None, compare=False, repr=False)
    label_name: str | None = field(default=None, compare=False)
    recipe: dict | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Generator:
    label: str
    note: str | None
    params: tuple  # names of the parameters it uses, from PARAM_SPECS


# name -> (label, min, max, default, step)
PARAM_SPECS = {
    "n": ("Points", 20, 5000, 500, 10),
    "centers": ("Centres", 1, 10, 4, 1),
    "spread": ("Spread", 0.1, 5.0, 1.0, 0.1),
    "noise": ("Noise", 0.0, 0.5, 0.06, 0.01),
    "data_seed": ("Data seed", 0, 10_000, 0, 1),
}

GENERATORS = {
    "blobs": Generator("Blobs", None, ("n", "centers", "spread", "data_seed")),
    "moons": Generator(
        "Two moons",
        "K-means cuts space into convex cells around centres, so it cannot follow curved, interlocking shapes.",
        ("n", "noise", "data_seed"),
    ),
    "circles": Generator(
        "Circles",
        "One ring inside another: no placement of centres splits them, because each cell is convex and the rings share a middle.",
        ("n", "noise", "data_seed"),
    ),
    "anisotropic": Generator(
        "Anisotropic blobs",
        "Stretched clusters break K-means' assumption of round clusters: cells cut across the long axes.",
        ("n", "centers", "data_seed"),
    ),
    "varied": Generator(
        "Unequal variances",
        "A wide cluster next to tight ones loses its edge points to them: K-means puts boundaries halfway between centres, whatever the spread.",
        ("n", "data_seed"),
    ),
    "uneven": Generator(
        "Uneven sizes",
        "K-means prefers clusters of equal spread, so it splits the big wide cluster and merges the two small ones.",
        ("n", "data_seed"),
    ),
    "outliers": Generator(
        "Blobs with 5% outliers",
        "Squared distances let a few far points pull a centre away from its cluster, or claim a centre of their own.",
        ("n", "data_seed"),
    ),
    "scales": Generator(
        "Features on different scales",
        "Distances are dominated by the feature with the largest numbers, so K-means splits along it and ignores the other.",
        ("n", "data_seed"),
    ),
    "uniform": Generator(
        "Uniform noise",
        "There is no structure here: K-means still returns k clusters, so check whether they mean anything.",
        ("n", "data_seed"),
    ),
}


def default_params(name):
    return {p: PARAM_SPECS[p][3] for p in GENERATORS[name].params}


def _clamp(name, value):
    """A parameter value forced into its PARAM_SPECS range and type (bad values -> default)."""
    _, lo, hi, default, _ = PARAM_SPECS[name]
    kind = type(default)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    if not np.isfinite(v):
        return default
    return kind(min(max(kind(v), lo), hi))


ANISOTROPIC_TRANSFORM = ((0.6, -0.6366), (-0.4089, 0.8525))


def anisotropic_centres(count):
    """Centres (before the stretch) of ``count`` parallel stretched clusters: once stretched they sit
    1.4 apart across their short axis (7 of its standard deviations) and alternately 1 up and down
    their long one (0.8 of its), so K-means cuts across them and a full-covariance mixture finds them.
    Rounded to 6 decimals: plain values for the reproduce recipe."""
    T = np.array(ANISOTROPIC_TRANSFORM)
    vals, vecs = np.linalg.eigh(T.T @ T)  # rows x map to x T: short axis first
    short, long_ = vecs[:, 0] * np.sign(vecs[0, 0]), vecs[:, 1] * np.sign(vecs[1, 1])
    after = [(j - (count - 1) / 2) * 1.4 * short + (1.0 if j % 2 else -1.0) * long_ for j in range(count)]
    return np.round(np.array(after) @ np.linalg.inv(T), 6).tolist()


def generate(name, params):
    """Make dataset ``name`` with ``params`` (missing ones take their defaults, all are
    clamped to their PARAM_SPECS range). Deterministic for given parameters."""
    if name not in GENERATORS:
        raise ValueError(f"unknown dataset {name!r}")
    p = default_params(name) | {k: _clamp(k, v) for k, v in params.items() if k in GENERATORS[name].params}
    n, seed = int(p["n"]), int(p["data_seed"])
    transform = None
    if name == "blobs":
        maker, kw = "make_blobs", dict(n_samples=n, centers=int(p["centers"]),
                                       cluster_std=float(p["spread"]), random_state=seed)
    elif name == "moons":
        maker, kw = "make_moons", dict(n_samples=n, noise=float(p["noise"]), random_state=seed)
    elif name == "circles":
        maker, kw = "make_circles", dict(n_samples=n, noise=float(p["noise"]), factor=0.5, random_state=seed)
    elif name == "anisotropic":  # scikit-learn's example transformation, on fixed parallel clusters
        maker, kw = "make_blobs", dict(n_samples=n, centers=anisotropic_centres(int(p["centers"])),
                                       random_state=seed)
        transform = [list(r) for r in ANISOTROPIC_TRANSFORM]
    elif name == "varied":
        maker, kw = "make_blobs", dict(n_samples=n, centers=3, cluster_std=[1.0, 2.5, 0.5], random_state=seed)
    elif name == "uneven":
        # one big wide cluster (80%) beside two small tight ones: K-means, which prefers clusters
        # of equal spread, splits the big one and merges the small ones
        sizes = [int(n * 0.8), int(n * 0.1)]
        sizes.append(n - sum(sizes))
        maker, kw = "make_blobs", dict(n_samples=sizes, centers=[[0, 0], [4.2, 0], [0, 5]],
                                       cluster_std=[1.5, 0.4, 0.4], random_state=seed)
    elif name == "outliers":  # three tight blobs and a far, loose fourth group: 5% of the points
        n_out = max(1, round(0.05 * n))
        sizes = [(n - n_out) // 3, (n - n_out) // 3]
        sizes += [n - n_out - sum(sizes), n_out]
        maker, kw = "make_blobs", dict(n_samples=sizes, centers=[[-3, 0], [3, 0], [0, 4], [10, 12]],
                                       cluster_std=[0.7, 0.7, 0.7, 3.0], random_state=seed)
    elif name == "scales":  # clusters on a diagonal, then x1 in units 200 times larger than x2
        maker, kw = "make_blobs", dict(n_samples=n, centers=[[-1, -3], [0, 0], [1, 3]], cluster_std=0.5,
                                       random_state=seed)
        transform = [[200.0, 0.0], [0.0, 1.0]]
    else:  # uniform: no maker, so no labels
        maker, kw = "numpy.random.default_rng(seed).uniform", dict(low=-5.0, high=5.0, size=[n, 2], seed=seed)
    if name == "uniform":
        X, y = np.random.default_rng(seed).uniform(kw["low"], kw["high"], size=tuple(kw["size"])), None
    else:
        X, y = getattr(skd, maker)(**kw)
    if transform is not None:
        X = X @ np.array(transform)
    key = name + ":" + ",".join(f"{k}={p[k]}" for k in sorted(p))
    g = GENERATORS[name]
    recipe = {"kind": "generated", "dataset": name, "maker": maker, "params": kw}
    if transform is not None:
        recipe["transform"] = transform
    labels = None if y is None else np.asarray(y, dtype=np.int64)
    return Dataset(np.ascontiguousarray(X, dtype=np.float64), ("x1", "x2"), g.label, g.note, key,
                   labels=labels, label_name=None if y is None else "generator's labels", recipe=recipe)
