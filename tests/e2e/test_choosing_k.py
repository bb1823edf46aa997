"""Elbow and Silhouette pages in a real browser: they render, a click on the elbow chart picks
a k, the button opens that clustering in the Explorer, and the Silhouette page shows its plots."""

import re

import numpy as np

from .conftest import assert_healthy, shot, wait_idle


def _plots(page):
    return page.locator('[data-testid="stPlotlyChart"]')


def _open(page, url, n_plots, timeout=90_000):
    """Go to url and wait until the page's n_plots charts are drawn and the script is idle."""
    page.set_viewport_size({"width": 1440, "height": 2200})  # the whole page in one screenshot
    page.goto(url)
    page.wait_for_function(
        "n => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".filter(e => e.querySelector('.main-svg')).length >= n", arg=n_plots, timeout=timeout)
    wait_idle(page)


def test_elbow_click_and_open_in_explorer(app_url, page):
    _open(page, f"{app_url}/elbow?dataset=Blobs", 2)
    assert_healthy(page)
    page.get_by_text(re.compile(r"elbow is at k = \d+|No clear elbow|criteria disagree")).first.wait_for()
    assert _plots(page).count() == 2
    shot(page, "elbow-blobs")

    # Click the mean-inertia marker at k = 7; Plotly's own axes give its position on screen.
    where = page.evaluate("""() => {
        const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
        const mean = gd._fullData.find(t => (t.name || '').startsWith('inertia (mean'));
        const i = Array.from(mean.x).indexOf(7);
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
        return {x: box.left + xa._offset + xa.l2p(7), y: box.top + ya._offset + ya.l2p(mean.y[i])};
    }""")
    page.mouse.click(where["x"], where["y"])
    wait_idle(page)
    page.get_by_text("k = 7: best of the 5 seeds").first.wait_for(timeout=30_000)
    assert_healthy(page)
    shot(page, "elbow-clicked-k7")

    page.get_by_role("button", name=re.compile(r"Open k = 7 in the Explorer")).click()
    page.wait_for_url(re.compile(r"/(\?|$)|explorer"), timeout=30_000)
    wait_idle(page)
    assert_healthy(page)
    slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').filter(has_text="k (clusters)")
    assert "7" in slider.inner_text()
    shot(page, "elbow-opened-in-explorer")


def test_elbow_uniform_says_no_clear_elbow(app_url, page):
    _open(page, f"{app_url}/elbow?dataset=Uniform+noise", 2)
    assert_healthy(page)
    page.get_by_text(re.compile("No clear elbow")).first.wait_for()
    shot(page, "elbow-uniform")


def test_silhouette_page(app_url, page):
    _open(page, f"{app_url}/silhouette?dataset=Unequal+variances&k=3", 3)
    shot(page, "silhouette-varied-k3")
    assert_healthy(page)
    assert _plots(page).count() == 3
    page.get_by_text("Mean silhouette against k").first.wait_for()
    page.get_by_text("How to read a silhouette").first.wait_for()
    _open(page, f"{app_url}/silhouette?dataset=Blobs&k=1", 1)
    assert_healthy(page)
    page.get_by_text(re.compile("needs at least two clusters")).first.wait_for()
    shot(page, "silhouette-k1")


def _four_feature_csv(n=450, seed=4):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, size=(3, 4))
    X = np.vstack([c + rng.normal(0, 1, size=(n // 3, 4)) for c in centres])
    lines = ["<b>a</b>,b&c,d,e"] + [",".join(f"{v:.4f}" for v in row) for row in X]
    return ("\n".join(lines) + "\n").encode()


def test_uploaded_four_features_on_both_pages(app_url, page):
    page.set_viewport_size({"width": 1440, "height": 2200})
    page.goto(f"{app_url}/elbow?dataset=Your+CSV+file")
    wait_idle(page)
    page.get_by_text(re.compile("Upload a CSV")).first.wait_for()
    uploader = page.locator('[data-testid="stSidebar"] [data-testid="stFileUploader"]')
    uploader.locator('input[type="file"]').set_input_files(
        files=[{"name": "four <i>features</i>.csv", "mimeType": "text/csv", "buffer": _four_feature_csv()}])
    page.get_by_text("The clustering for one k").first.wait_for(timeout=90_000)
    wait_idle(page)
    page.get_by_text(re.compile("drawn on their first two principal components")).first.wait_for()
    assert_healthy(page)
    shot(page, "elbow-upload-4d")
    # Same session (the upload lives there): follow the navigation link.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Silhouette").click()
    page.get_by_text("Mean silhouette against k").first.wait_for(timeout=90_000)
    wait_idle(page)
    page.get_by_text(re.compile("the silhouette uses all features")).first.wait_for()
    assert_healthy(page)
    shot(page, "silhouette-upload-4d")


def test_elbow_slider_reruns_only_its_fragment(app_url):
    """Over the frontend's own protocol (bench/load_test.py's Session): moving "Show the clustering
    for k" reruns only its fragment, so the sweep chart is neither recomputed nor sent again, and a
    rerun that changed nothing computes nothing (no progress bar)."""
    from bench.load_test import Session

    sess = Session(app_url, "dataset=Blobs&k=4&seed=3", timeout=120)
    try:
        first = sess.start("elbow")
        assert first.ok, first.status
        assert [k for k, _ in first.elements].count("plotly_chart") >= 2
        again = sess.rerun()
        assert again.ok and again.status == "ok"
        assert not [k for k, _ in again.elements if k == "progress"], "an unchanged rerun computed something"
        options = list(sess.find("Show the clustering for k")[1].options)
        res = sess.set("Show the clustering for k", options[6])
        assert res.status == "fragment ok"
        charts = [p for k, p in res.elements if k == "plotly_chart"]
        assert len(charts) == 1, "the fragment rerun sent more than the clustering chart"
        assert f'"k = {options[6]}: best of the 5 seeds' in charts[0].spec
        assert not [k for k, _ in res.elements if k == "progress"]
        assert any(f"Open k = {options[6]} in the Explorer" == getattr(p, "label", "") for _, p in res.elements)
    finally:
        sess.close()
