"""The Initialization page (AppTest), its seeding story and many-run comparison, and the bad-start preset."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score as sk_ari
from streamlit.testing.v1 import AppTest

from kmeans_app import state
from kmeans_app.data.datasets import GENERATORS, Dataset, generate
from kmeans_app.initialization import compare as ic
from kmeans_app.runs import fit_run
from kmeans_core import KMeans, kmeans_plusplus_steps

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/initialization.py"


def _open(session=None, timeout=60):
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at):
    """{widget key: figure dict} for the Plotly charts on the page."""
    out = {}
    for el in at.get("plotly_chart"):
        key = el.proto.id.rsplit("-", 1)[-1]
        out[key] = json.loads(el.proto.spec)
    return out


def _array(value):
    """Plotly JSON arrays may be base64 typed arrays."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def _explorer_run(X, key, k, init, seed):
    """The run the Explorer shows for these settings."""
    return fit_run(X, key, k, init, seed, max_iter=ic.MAX_ITER, tol=ic.TOL)


def _inertia_in_title(fig):
    text = fig["layout"]["title"]["text"]
    return float(re.search(r"inertia ([\d,]+\.\d+)", text).group(1).replace(",", ""))


def _button(at, label_start):
    return next(b for b in at.button if b.label.startswith(label_start))


# --------------------------------------------------------------------------- the core pieces


def test_seeding_story_matches_the_runs_the_app_makes():
    ds = generate("blobs", {"n": 400, "centers": 5})
    for seed in (0, 7):
        story = ic.seeding_story(ds.X, 5, seed)
        for init in ic.INITS:
            start = _explorer_run(ds.X, ds.key, 5, init, seed).history_[0].centers
            np.testing.assert_allclose(ds.X[[r.chosen for r in story[init]]], start)


def test_seeding_story_probabilities_and_potentials_are_d2():
    X = generate("moons", {"n": 300}).X
    k = 6
    story = ic.seeding_story(X, k, 11)
    closest = None
    for j, rnd in enumerate(story["k-means++"]):
        assert rnd.probabilities.sum() == pytest.approx(1.0)
        if j == 0:
            np.testing.assert_allclose(rnd.probabilities, 1 / len(X))
        else:
            np.testing.assert_allclose(rnd.probabilities, closest / closest.sum())
            pots = [np.minimum(closest, ((X - X[c]) ** 2).sum(1)).sum() for c in rnd.candidates]
            np.testing.assert_allclose(rnd.candidate_potentials, pots, rtol=1e-9)
            assert rnd.chosen == rnd.candidates[int(np.argmin(pots))]  # kept: the lowest potential
        d = ((X - X[rnd.chosen]) ** 2).sum(1)
        closest = d if closest is None else np.minimum(closest, d)
        assert rnd.potential == pytest.approx(closest.sum(), rel=1e-9)
    for j, rnd in enumerate(story["random"]):
        assert rnd.probabilities.sum() == pytest.approx(1.0)
        assert (rnd.probabilities[[r.chosen for r in story["random"][:j]]] == 0).all()


def test_core_seed_steps_report_the_same_probabilities():
    """The page draws D^2 probabilities recomputed from the picks; the core's SeedStep must agree."""
    X = generate("blobs", {"n": 300}).X
    story = ic.seeding_story(X, 5, 2)
    _, _, steps = kmeans_plusplus_steps(X, 5, random_state=2)
    for step, rnd in zip(steps, story["k-means++"]):
        np.testing.assert_allclose(step.probabilities, rnd.probabilities, rtol=1e-9, atol=1e-15)


def test_comparison_runs_are_the_explorer_runs_and_summary_is_right():
    ds = generate("blobs", {"n": 300, "centers": 4, "data_seed": 8})
    runs = {init: ic.run_seeds(ds.X, 4, init, range(8)) for init in ic.INITS}
    cmp = ic.summarise(runs, len(ds.X))
    for init in ic.INITS:
        for seed in (0, 5):
            model = _explorer_run(ds.X, ds.key, 4, init, seed)
            assert runs[init].inertia[seed] == model.inertia_
            assert runs[init].n_iter[seed] == model.n_iter_
            np.testing.assert_array_equal(runs[init].labels[seed], model.labels_)
    every = np.concatenate([runs[i].inertia for i in ic.INITS])
    assert cmp.best_inertia == every.min()
    for init in ic.INITS:
        r, s = runs[init], cmp.summaries[init]
        assert s.share_near_best == np.mean(r.inertia <= every.min() * 1.01)
        pairs = [sk_ari(r.labels[i], r.labels[j]) for i in range(8) for j in range(i + 1, 8)]
        assert s.mean_pairwise_ari == pytest.approx(np.mean(pairs), abs=1e-12)
        assert s.mean_iter == r.n_iter.mean()
    assert ic.worst_seed(cmp, "random") == int(np.argmax(runs["random"].inertia))


def test_bad_start_preset_traps_random_init_but_not_kmeanspp():
    p = ic.BAD_START
    ds = generate(p["dataset"], {key: p[key] for key in ("n", "centers", "spread", "data_seed")})
    assert p["k"] == p["centers"]
    bad = _explorer_run(ds.X, ds.key, p["k"], "random", p["seed"])
    good = _explorer_run(ds.X, ds.key, p["k"], "k-means++", p["seed"])
    assert bad.inertia_ > 1.5 * good.inertia_
    # k-means++ found the best solution there is (no run of either init does better) ...
    best = min(KMeans(p["k"], n_init=10, init=i, random_state=0).fit(ds.X).inertia_ for i in ic.INITS)
    assert good.inertia_ <= best * (1 + 1e-6)
    # ... and random init left one blob without a centre: two centres share one true blob.
    _, truth = make_blobs(
        n_samples=p["n"], centers=p["centers"], cluster_std=p["spread"], random_state=p["data_seed"])
    owners = [np.bincount(truth[bad.labels_ == c]).argmax() for c in range(p["k"])]
    assert len(set(owners)) < p["k"]


def test_runs_use_the_explorers_settings():
    """'Open in Explorer' must show the same run: the comparison uses runs.MAX_ITER and runs.TOL,
    the settings fit_run (the Explorer's run) uses by default."""
    import inspect

    from kmeans_app import runs

    defaults = inspect.signature(runs.fit_run.__wrapped__).parameters
    assert (ic.MAX_ITER, ic.TOL) == (runs.MAX_ITER, runs.TOL)
    assert (defaults["max_iter"].default, defaults["tol"].default) == (runs.MAX_ITER, runs.TOL)


# --------------------------------------------------------------------------- the page


def test_default_page_renders_every_section():
    at = _open()
    assert [h.value for h in at.main.header] == [
        "Watch the seeding", "Many runs, side by side", "How many restarts?", "One seed in detail"]
    charts = _charts(at)
    assert set(charts) == {"init_seeding", "init_inertia", "init_iterations", "init_restarts",
                           "init_detail_random", "init_detail_kpp"}
    assert len(charts["init_seeding"]["frames"]) == state.DEFAULTS["k"]
    assert [len(_array(t["y"])) for t in charts["init_inertia"]["data"] if t["type"] == "box"] == [50, 50]
    table = at.dataframe[1].value
    assert list(table.columns) == ["", "random", "k-means++"] and len(table) == 8
    rounds = at.dataframe[0].value
    assert list(rounds["centre"]) == list(range(1, state.DEFAULTS["k"] + 1))
    assert at.slider(key="init_n_seeds").value == ic.SEED_COUNT[2]
    assert at.number_input(key="init_detail_seed").value == 0
    assert any("easy for both" in i.value for i in at.info)  # default blobs: every run near the best


def test_runs_slider_changes_the_number_of_runs_and_restart_curve():
    at = _open()
    at.slider(key="init_n_seeds").set_value(10).run()
    assert not at.exception
    charts = _charts(at)
    assert [len(_array(t["y"])) for t in charts["init_inertia"]["data"] if t["type"] == "box"] == [10, 10]
    curves = [t for t in charts["init_restarts"]["data"] if t["mode"] == "lines+markers"]
    assert all(len(_array(t["x"])) == 10 for t in curves)


def test_comparison_is_cached_across_reruns(monkeypatch):
    calls = []
    real = ic.run_seeds
    monkeypatch.setattr(ic, "run_seeds", lambda *a: calls.append(a[2]) or real(*a))
    at = _open({"k": 3, "data_seed": 4321})  # settings no other test uses: a cold cache
    first = len(calls)
    assert first == 2 * ic.SEED_COUNT[2] // ic.BATCH
    at.run()
    assert len(calls) == first and not at.exception


def test_detail_seed_and_worst_run_button():
    at = _open()
    at.number_input(key="init_detail_seed").set_value(3).run()
    charts = _charts(at)
    ds = generate("blobs", {})
    for key, init in (("init_detail_random", "random"), ("init_detail_kpp", "k-means++")):
        model = _explorer_run(ds.X, ds.key, state.DEFAULTS["k"], init, 3)
        assert _inertia_in_title(charts[key]) == round(model.inertia_, 2)
        assert charts[key]["layout"]["title"]["text"].startswith(f"{init}, seed 3:")
    assert _button(at, "Open in Explorer (random, seed 3)")
    _button(at, "Show the worst random run").click().run()
    inertia = [_explorer_run(ds.X, ds.key, state.DEFAULTS["k"], "random", s).inertia_ for s in range(50)]
    assert at.number_input(key="init_detail_seed").value == int(np.argmax(inertia))


@pytest.mark.parametrize("init, slug", [("random", "random"), ("k-means++", "kpp")])
def test_open_in_explorer_sets_the_run_and_switches_page(init, slug):
    at = _open({"k": 5})
    at.number_input(key="init_detail_seed").set_value(7).run()
    at.button(key=f"init_open_{slug}").click().run()
    assert not at.exception
    assert (at.session_state["init"], at.session_state["seed"], at.session_state["k"]) == (init, 7, 5)
    assert at.title[0].value == "Explorer"


def test_bad_start_button_loads_the_preset():
    at = _open()
    at.button(key="init_bad_start").click().run()
    assert not at.exception
    for key, value in ic.BAD_START.items():
        assert at.session_state[key] == value
    charts = _charts(at)
    assert _inertia_in_title(charts["init_detail_random"]) > 1.5 * _inertia_in_title(charts["init_detail_kpp"])
    assert not any("easy for both" in i.value for i in at.info)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_every_generated_dataset(name):
    at = _open({"dataset": name})
    charts = _charts(at)
    assert len(charts) == 6
    assert at.caption[0].value.startswith("Seed 0, k = 4")


@pytest.mark.parametrize("session, k", [({"k": 1}, 1), ({"dataset": "moons", "n": 20, "k": 20}, 20)])
def test_extreme_k(session, k):
    at = _open(session)
    charts = _charts(at)
    assert len(charts) == 6 and len(charts["init_seeding"]["frames"]) == k
    if k == 1:  # one cluster: every run is the same partition
        assert list(at.dataframe[1].value.iloc[6, 1:]) == ["1.000", "1.000"]


def _upload(X, names, key="upload:test"):
    return Dataset(np.asarray(X, dtype=np.float64), tuple(names), "my file.csv", None, key, generated=False)


def test_uploaded_data_with_more_features_is_projected_and_names_are_escaped():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.5, (60, 4)) for c in (0, 4, 8)])
    ds = _upload(X, ["<b>a</b>", "b", "c", "d"], key="upload:4d")
    at = _open({"dataset": state.UPLOAD_OPTION, state.UPLOAD_KEY: ds, "k": 3})
    assert any("4 features, shown on their first two principal components" in c.value for c in at.caption)
    charts = _charts(at)
    assert len(charts) == 6
    for fig in charts.values():
        assert "<b>a</b>" not in json.dumps(fig)
    inertia = [t for t in charts["init_inertia"]["data"] if t["type"] == "box"][0]
    assert np.allclose(np.sort(_array(inertia["y"]))[:1],
                       _explorer_run(ds.X, ds.key, 3, "random", int(np.argmin(_array(inertia["y"])))).inertia_)


def test_uploaded_two_column_data_keeps_escaped_column_names():
    rng = np.random.default_rng(1)
    ds = _upload(rng.normal(size=(80, 2)), ["<i>height</i>", "weight"], key="upload:2d")
    at = _open({"dataset": state.UPLOAD_OPTION, state.UPLOAD_KEY: ds, "k": 2})
    seeding = _charts(at)["init_seeding"]
    assert seeding["layout"]["xaxis"]["title"]["text"] == "&lt;i&gt;height&lt;/i&gt;"


def test_csv_source_without_upload_shows_a_hint():
    at = _open({"dataset": state.UPLOAD_OPTION})
    assert any("Upload a CSV file" in i.value for i in at.info)
    assert not _charts(at)


def test_more_clusters_than_rows_is_a_warning_not_a_crash():
    ds = _upload([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]], ["x", "y"], key="upload:tiny")
    at = _open({"dataset": state.UPLOAD_OPTION, state.UPLOAD_KEY: ds, "k": 5})
    assert any("more than the 3 rows" in w.value for w in at.warning)


def test_duplicate_points_warn_and_still_compare():
    ds = _upload([[0.0, 0.0]] * 10 + [[5.0, 5.0]] * 10, ["x", "y"], key="upload:dups")
    at = _open({"dataset": state.UPLOAD_OPTION, state.UPLOAD_KEY: ds, "k": 3})
    assert any("Only 2 distinct points" in w.value for w in at.warning)
    assert len(_charts(at)) == 6


def test_large_data_waits_for_a_click(monkeypatch):
    monkeypatch.setattr(ic, "AUTO_RUN_WORK", 1000)
    at = _open({"data_seed": 77})
    assert "init_inertia" not in _charts(at)
    button = at.button(key="init_run")
    assert button.label == "Run 100 fits on 500 rows"
    button.click().run()
    assert "init_inertia" in _charts(at)
    at.run()  # the request is remembered for this data
    assert "init_inertia" in _charts(at)
