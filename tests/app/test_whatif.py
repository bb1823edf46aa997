"""The What-if page (pages/whatif.py, kmeans_app/whatif/) through the real shell, and its pure parts.

Oracles: pandas groupby for the profile table, scikit-learn for ARI / NMI, pd.crosstab for the
contingency table, hand-built data whose right answer is known for the scaling what-if.
"""

import io

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from kmeans_app import state
from kmeans_app.data.datasets import generate
from kmeans_app.data.downloads import neutralise
from kmeans_app.whatif import compute as C
from kmeans_app.whatif import sections as S
from tests.app.helpers import APP, charts, open_page
from tests.app.helpers import arr as _arr

PAGE = "pages/whatif.py"
pytestmark = pytest.mark.xdist_group("whatif")


def upload_page(data, name="t.csv", labels=None, standardise=False, k=None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.selectbox(key="dataset").set_value(state.UPLOAD_OPTION).run()
    at.file_uploader(key=state.UPLOADER).set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    if labels is not None:
        at.sidebar.selectbox(key=state.UPLOAD_LABELS).set_value(labels).run()
    if standardise:
        at.sidebar.checkbox(key=state.UPLOAD_STANDARDISE).check().run()
    if k is not None:
        at.sidebar.slider(key="k").set_value(k).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def chart(at, key):
    for el in at.get("plotly_chart"):
        if el.proto.id and key in el.proto.id:
            import json

            return json.loads(el.proto.spec)
    raise AssertionError(f"no chart {key}")


def arr(v):
    """helpers.arr, also for 2-D typed arrays (Plotly writes their shape as "4, 2")."""
    if isinstance(v, dict) and isinstance(v.get("shape"), str):
        v = dict(v, shape=tuple(int(x) for x in v["shape"].split(",")))
    return _arr(v)


def profile_df(at):
    """The profile table (the upload preview above the page is a dataframe too)."""
    found = [d.value for d in at.dataframe if list(d.value.columns[:3]) == ["cluster", "rows", "share"]]
    assert len(found) == 1, "no profile table"
    return found[0]


def metric(at, label):
    return [m.value for m in at.metric if m.label == label][0]


def frame_csv(frame):
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def four_columns(n=240, seed=3):
    """Three groups in four columns of very different scales, a text label and an integer code."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = np.column_stack([y * 4 + rng.normal(0, 1, n), (2 - y) * 40 + rng.normal(0, 10, n),
                         rng.normal(0, 1, n) * 1000, y * 0.5 + rng.normal(0, 0.1, n)])
    frame = pd.DataFrame(X, columns=["small", "medium", "noise", "tiny"])
    frame["kind"] = np.array(["red", "green", "blue"])[y]
    return frame


# ---------------------------------------------------------------- generated data


def test_generated_blobs_profiles_labels_and_every_section():
    at = open_page(PAGE)
    ds = generate("blobs", {})
    model = S.main_run(ds, state.Settings(4, "k-means++", 0))
    labels = model.labels_
    table = profile_df(at)
    truth = pd.DataFrame(ds.X, columns=["x1", "x2"]).groupby(labels)
    np.testing.assert_array_equal(table["rows"], np.bincount(labels))
    np.testing.assert_allclose(table["share"], np.bincount(labels) / 500)
    np.testing.assert_allclose(table["x1 mean"], truth["x1"].mean(), rtol=1e-12)
    np.testing.assert_allclose(table["x2 median"], truth["x2"].median(), rtol=1e-12)
    sentences = [t.value for t in at.text if t.value.startswith("Cluster 1 (")][0].splitlines()
    assert len(sentences) == 4 and all(" than the other rows." in s for s in sentences)
    # heatmap = z-scored centres
    heat = chart(at, "whatif_heatmap")["data"][0]
    sd = ds.X.std(axis=0)
    np.testing.assert_allclose(arr(heat["z"]), (truth.mean().to_numpy() - ds.X.mean(axis=0)) / sd, rtol=1e-9)
    par = chart(at, "whatif_parallel")["data"]
    assert [t["name"] for t in par] == [f"cluster {c + 1}" for c in range(4)]
    # known labels: the generator's, scored like scikit-learn
    assert f"{skm.adjusted_rand_score(ds.labels, labels):.3f}" == metric(at, "ARI")
    assert f"{skm.normalized_mutual_info_score(ds.labels, labels):.3f}" == metric(at, "NMI")
    cont = at.dataframe[-1].value
    np.testing.assert_array_equal(cont.to_numpy(), pd.crosstab(ds.labels, labels).to_numpy())
    purity = pd.crosstab(ds.labels, labels).max(axis=0).sum() / 500
    assert f"{purity:.3f}" == metric(at, "Purity")
    assert "Labels: generator's labels (4 distinct values)" in [t.value for t in at.text]
    # d = 2: no axis controls, the data's own columns
    assert not [r for r in at.radio if r.key == S.AXES_KEY]
    axes = chart(at, "whatif_axes_chart")
    assert axes["layout"]["xaxis"]["title"]["text"] == "x1"
    # three scaling panels and three ARIs
    for how in C.SCALINGS:
        chart(at, f"whatif_scaling_{how}")
    assert len([m for m in at.metric if m.label.startswith("ARI ")]) == 3


def test_uniform_noise_has_no_labels():
    at = open_page(PAGE, dataset="uniform")
    assert any("no labels to compare" in i.value for i in at.info)
    assert not [m for m in at.metric if m.label in ("ARI", "NMI", "Purity")]


def test_k_larger_than_rows_warns():
    at = upload_page(b"a,b\n1,2\n3,4\n5,7\n", k=5)
    assert [w.value for w in at.warning] == ["k = 5 is more than the 3 rows of this data: lower k in the sidebar."]


def test_no_upload_yet_shows_the_no_data_message():
    from kmeans_app.ui import NO_DATA

    at = open_page(PAGE, dataset=state.UPLOAD_OPTION)
    assert NO_DATA in [i.value for i in at.info]


# ---------------------------------------------------------------- an upload with d = 4


def test_upload_profiles_in_original_units_even_when_standardised():
    frame = four_columns()
    at = upload_page(frame_csv(frame), standardise=True, k=3)
    ds = at.session_state[state.UPLOAD_KEY]
    np.testing.assert_allclose(ds.X.std(axis=0), 1)
    labels = S.main_run(ds, state.Settings(3, "k-means++", 0)).labels_
    table = profile_df(at)
    groups = frame[["small", "medium", "noise", "tiny"]].groupby(labels)
    for col in ("small", "medium", "noise", "tiny"):
        np.testing.assert_allclose(table[f"{col} mean"], groups[col].mean(), rtol=1e-10)
        np.testing.assert_allclose(table[f"{col} median"], groups[col].median(), rtol=1e-10)
    assert any("original units (before standardising)" in c.value for c in at.caption)
    assert any("The other pages cluster the standardised columns." in c.value for c in at.caption)


def test_axes_controls_columns_pca_and_scatter_matrix():
    frame = four_columns()
    at = upload_page(frame_csv(frame), k=3)
    radio = at.radio(key=S.AXES_KEY)
    assert radio.value == S.AXES_COLUMNS
    assert at.selectbox(key=S.X_KEY).value == "small" and at.selectbox(key=S.Y_KEY).value == "medium"
    assert any(c.value.startswith("A 2-D view of 4-dimensional data") for c in at.caption)
    at.selectbox(key=S.X_KEY).set_value("noise").run()
    at.selectbox(key=S.Y_KEY).set_value("tiny").run()
    fig = chart(at, "whatif_axes_chart")
    assert fig["layout"]["xaxis"]["title"]["text"] == "noise" and fig["layout"]["yaxis"]["title"]["text"] == "tiny"
    xs = np.concatenate([arr(t["x"]) for t in fig["data"] if t["name"].startswith("cluster")])
    np.testing.assert_allclose(np.sort(xs), np.sort(frame["noise"].to_numpy()))
    # the scaling panels follow the same axes
    assert chart(at, "whatif_scaling_raw")["layout"]["xaxis"]["title"]["text"] == "noise"
    at.radio(key=S.AXES_KEY).set_value(S.AXES_PCA).run()
    fig = chart(at, "whatif_axes_chart")
    assert fig["layout"]["xaxis"]["title"]["text"].startswith("PC1 (")
    assert not [s for s in at.selectbox if s.key == S.X_KEY]
    # scatter matrix: all four columns by default, one trace per cluster; fewer than 2 -> a hint
    splom = chart(at, "whatif_splom_chart")["data"]
    assert len(splom) == 3 and [d["label"] for d in splom[0]["dimensions"]] == list(frame.columns[:4])
    at.multiselect(key=S.SPLOM_KEY).set_value(["tiny", "small"]).run()
    splom = chart(at, "whatif_splom_chart")["data"]
    assert [d["label"] for d in splom[0]["dimensions"]] == ["tiny", "small"]
    at.multiselect(key=S.SPLOM_KEY).set_value(["tiny"]).run()
    assert any("at least two columns" in i.value for i in at.info)
    # the choices survive a page switch and come back
    at.switch_page("pages/elbow.py").run()
    at.switch_page(PAGE).run()
    assert at.radio(key=S.AXES_KEY).value == S.AXES_PCA and at.multiselect(key=S.SPLOM_KEY).value == ["tiny"]


def test_scatter_matrix_takes_at_most_six_columns():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 8)), columns=[f"c{j}" for j in range(8)])
    at = upload_page(frame_csv(frame), k=2)
    ms = at.multiselect(key=S.SPLOM_KEY)
    assert ms.value == [f"c{j}" for j in range(6)] and ms.proto.max_selections == 6


def test_scaling_what_if_finds_the_dominating_noise_column():
    """Two groups 10 sd apart in `signal`; `noise` has 1000 times the spread and no groups.
    Raw K-means (k = 2) splits the noise; z-score and min-max find the groups."""
    rng = np.random.default_rng(1)
    n = 200
    y = np.arange(n) % 2
    frame = pd.DataFrame({"signal": y * 10 + rng.normal(0, 1, n), "noise": rng.normal(0, 1000, n),
                          "truth": np.array(["p", "q"])[y]})
    at = upload_page(frame_csv(frame), labels="truth", k=2)
    ds = at.session_state[state.UPLOAD_KEY]
    raw = C.raw_columns(ds)
    runs = {how: C.fit_scaled(raw, how, 2, "k-means++", 0) for how in C.SCALINGS}
    assert skm.adjusted_rand_score(y, runs["z-score"]) == 1.0 and skm.adjusted_rand_score(y, runs["min–max"]) == 1.0
    assert abs(skm.adjusted_rand_score(y, runs["raw"])) < 0.2
    assert metric(at, "ARI z-score vs min–max") == "1.000"
    assert float(metric(at, "ARI raw vs z-score")) < 0.2
    share = frame["noise"].var(ddof=0) / (frame["noise"].var(ddof=0) + frame["signal"].var(ddof=0))
    assert (f"In raw units, noise holds {100 * share:.1f}% of the total variance, so it decides most of every "
            "squared distance; z-score and min–max scaling give each column a comparable say.") in \
        [t.value for t in at.text]
    assert float(metric(at, "ARI")) < 0.2  # the page's own (raw) run misses the known labels


def test_profile_download_is_neutralised_csv():
    frame = four_columns().rename(columns={"small": "=HYPERLINK(1)", "medium": "@x"})
    at = upload_page(frame_csv(frame), k=3)
    btn = [b for b in at.get("download_button") if b.proto.id and "whatif_profile_csv" in b.proto.id]
    assert btn, "no profile download"
    table = profile_df(at)
    data = C.profile_csv(table)
    back = pd.read_csv(io.BytesIO(data))
    assert list(back.columns[:5]) == ["cluster", "rows", "share", "'=HYPERLINK(1) mean", "'=HYPERLINK(1) median"]
    assert "'@x mean" in back.columns
    np.testing.assert_allclose(back.iloc[:, 3], table.iloc[:, 3])


def test_user_text_is_never_markdown_on_the_whatif_page():
    frame = four_columns().rename(columns={"small": "**bold**", "medium": "<img src=x onerror=alert(1)>"})
    frame["kind"] = ["[x](javascript:alert(1))", "<b>b</b>", "c"] * 80
    at = upload_page(frame_csv(frame), labels="kind", k=3)
    md = [el.value for el in (*at.markdown, *at.caption, *at.error, *at.info, *at.warning, *at.success)]
    md += [w.label for w in (*at.selectbox, *at.multiselect, *at.radio)] + [m.label for m in at.metric]
    for text in md:
        assert "**bold**" not in text and "<img" not in text and "javascript" not in text and "<b>" not in text, text
    for fig in charts(at):
        spec = str(fig)
        assert "<img" not in spec and "<b>b</b>" not in spec
    assert "&lt;img src=x onerror=alert(1)&gt;" in str(chart(at, "whatif_heatmap"))


# ---------------------------------------------------------------- pure parts


def test_scale_and_constant_columns():
    X = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [5.0, 5.0, 9.0]])
    np.testing.assert_allclose(C.scale(X, "z-score")[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    np.testing.assert_array_equal(C.scale(X, "min–max")[:, 2], [0, 2 / 7, 1])
    assert (C.scale(X, "z-score")[:, 1] == 0).all() and (C.scale(X, "min–max")[:, 1] == 0).all()
    with pytest.raises(ValueError, match="unknown scaling"):
        C.scale(X, "log")


def test_match_labels_renumbers_to_the_best_overlap():
    ref = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    other = np.array([2, 2, 2, 0, 0, 1, 1, 0])
    np.testing.assert_array_equal(C.match_labels(ref, other, 3), [0, 0, 0, 1, 1, 2, 2, 1])
    assert skm.adjusted_rand_score(other, C.match_labels(ref, other, 3)) == 1.0


def test_variance_shares_and_sentence():
    X = np.column_stack([np.arange(10.0), 100 * np.arange(10.0) % 7])
    dom = C.variance_shares(X)
    v = X.var(axis=0)
    assert dom.column == int(np.argmax(v)) and dom.share == pytest.approx(v.max() / v.sum(), rel=1e-12)
    assert C.dominance_sentence(C.variance_shares(np.ones((4, 2))), ["a", "b"]) == \
        "Every column is constant: there is no spread to compare."
    assert "no column dominates" in C.dominance_sentence(C.variance_shares(np.eye(3)), ["a", "b", "c"])


def test_label_agreement_against_sklearn_and_crosstab():
    rng = np.random.default_rng(5)
    known = rng.choice(np.array(["a", "b", "c"], dtype=object), 300)
    clusters = rng.integers(0, 4, 300)
    clusters[clusters == 2] = 3  # cluster 3 (index 2) is empty: it keeps a zero column
    agree = C.label_agreement(known, clusters, 4)
    assert list(agree.table.columns) == ["cluster 1", "cluster 2", "cluster 3", "cluster 4"]
    assert (agree.table["cluster 3"] == 0).all()
    np.testing.assert_array_equal(agree.table.drop(columns="cluster 3").to_numpy(),
                                  pd.crosstab(known, clusters).to_numpy())
    assert agree.ari == pytest.approx(skm.adjusted_rand_score(known, clusters), abs=1e-12)
    assert agree.nmi == pytest.approx(skm.normalized_mutual_info_score(known, clusters), abs=1e-12)


def test_fit_scaled_on_a_sample_assigns_every_row_to_its_nearest_centre():
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(c, 0.3, size=(300, 2)) for c in (0, 5, 10)])
    labels = C.fit_scaled(X, "raw", 3, "k-means++", 0, max_rows=100)
    assert labels.shape == (900,)
    assert skm.adjusted_rand_score(np.repeat([0, 1, 2], 300), labels) == 1.0
    # nearest centre of the clusters' means: the assignment is a fixed point
    means = np.array([X[labels == c].mean(axis=0) for c in range(3)])
    nearest = ((X[:, None, :] - means[None]) ** 2).sum(axis=2).argmin(axis=1)
    np.testing.assert_array_equal(nearest, labels)


def test_neutralise_is_what_the_download_uses():
    assert neutralise("=1+1") == "'=1+1" and neutralise("-1.5") == "-1.5"


def test_k_one_and_a_single_column_upload():
    at = open_page(PAGE, k=1)
    assert not at.exception and not at.error
    assert any("holds every row" in t.value for t in at.text)
    at = upload_page(b"a\n" + b"\n".join(str(i % 7).encode() for i in range(40)) + b"\n", k=3)
    assert any("One column: drawn along the x axis." in c.value for c in at.caption)
    assert any(t.value.startswith("Only one column (a)") for t in at.text)
    assert not [m for m in at.multiselect if m.key == S.SPLOM_KEY]
