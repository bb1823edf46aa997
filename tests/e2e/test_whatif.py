"""The What-if page in a real browser: upload a workbook, choose the labels, walk every tab,
download the profile table; screenshots at 1280x720 and 1920x1080 in test-artifacts/."""

import csv
import io
import re

import pytest

from tests.fixtures.hostile import XLSX_MIME, good_xlsx

from .conftest import assert_healthy, shot, wait_idle

pytestmark = pytest.mark.xdist_group("e2e-whatif")
TIMEOUT = 120_000
TABS = ("Profiles", "Axes", "Scaling", "Known labels")


def sidebar(pg):
    return pg.locator('[data-testid="stSidebar"]')


def main(pg):
    return pg.locator('[data-testid="stMain"]')


def select_option(pg, where, label, option):
    """Pick ``option`` in a selectbox; retried once, since a rerun can close an open list."""
    box = where.locator(f'input[aria-label="{label}"]')
    wanted = pg.locator('[role="option"]', has_text=re.compile(rf"^{re.escape(option)}$")).first
    for attempt in range(3):
        wait_idle(pg, TIMEOUT)
        box.scroll_into_view_if_needed()
        box.click()
        try:
            wanted.click(timeout=10_000)
            break
        except Exception:
            if attempt == 2:
                shot(pg, f"whatif-select-failed-{label}")
                raise
            pg.keyboard.press("Escape")
    wait_idle(pg, TIMEOUT)


def open_tab(pg, name):
    main(pg).locator('[role="tab"]', has_text=name).first.click()
    wait_idle(pg, TIMEOUT)
    panel = main(pg).locator('[role="tabpanel"]:visible')
    panel.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT)
    return panel


def upload_workbook(pg, app_url):
    pg.goto(f"{app_url}/whatif?dataset=Your+CSV+file")
    wait_idle(pg, TIMEOUT)
    file_input = sidebar(pg).locator('input[type="file"]')
    file_input.wait_for(state="attached", timeout=TIMEOUT)
    file_input.set_input_files({"name": "measurements.xlsx", "mimeType": XLSX_MIME, "buffer": good_xlsx()})
    main(pg).get_by_text(re.compile(r"Data in use: 90 rows x 3 columns")).first.wait_for(timeout=TIMEOUT)
    wait_idle(pg, TIMEOUT)
    select_option(pg, sidebar(pg), "Labels to compare", "group")


def shot_at(pg, name, locator):
    """A screenshot with ``locator`` scrolled into view (the main area scrolls, not the page)."""
    locator.scroll_into_view_if_needed()
    pg.wait_for_timeout(300)
    return shot(pg, name)


def set_k(pg, value):
    thumb = sidebar(pg).locator('input[type="range"][aria-label="k (clusters)"]')
    thumb.focus()
    thumb.press("Home")
    for _ in range(value - 1):
        thumb.press("ArrowRight")
    wait_idle(pg, TIMEOUT)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_whatif_walk(app_url, browser, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    pg = context.new_page()
    pg.console_errors = []
    pg.bad_responses = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    try:
        upload_workbook(pg, app_url)
        set_k(pg, 3)
        tag = f"{size[0]}x{size[1]}"
        # 1. profiles: table, sentences, heatmap and parallel coordinates
        panel = open_tab(pg, "Profiles")
        assert panel.locator(".js-plotly-plot").count() == 2
        text = panel.inner_text()
        assert "Cluster 1 (" in text and "than the other rows." in text
        with pg.expect_download(timeout=30_000) as info:
            panel.get_by_role("button", name=re.compile("Download the profile table")).click()
        rows = list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
        assert rows[0][:5] == ["cluster", "rows", "share", "height mean", "height median"]
        assert sum(int(r[1]) for r in rows[1:]) == 90 and len(rows) == 4
        shot(pg, f"whatif-profiles-top-{tag}")
        shot_at(pg, f"whatif-profiles-{tag}", panel.locator(".js-plotly-plot").first)
        # 2. axes: columns, then PCA; the scatter matrix
        panel = open_tab(pg, "Axes")
        assert "A 2-D view of 3-dimensional data" in panel.inner_text()
        select_option(pg, panel, "x axis", "age")
        shot_at(pg, f"whatif-axes-{tag}", panel.locator(".js-plotly-plot").first)
        panel.get_by_text("Principal components (PCA)").click()
        wait_idle(pg, TIMEOUT)
        panel = main(pg).locator('[role="tabpanel"]:visible')
        assert "PC1" in " ".join(panel.locator(".js-plotly-plot .xtitle").all_text_contents())
        shot_at(pg, f"whatif-splom-{tag}", panel.locator(".js-plotly-plot").nth(1))
        # 3. scaling: three panels, three ARIs, the dominating column
        panel = open_tab(pg, "Scaling")
        assert panel.locator(".js-plotly-plot").count() == 3
        text = panel.inner_text()
        assert text.count("ARI ") == 3 and "of the total variance" in text
        shot_at(pg, f"whatif-scaling-{tag}", panel.locator(".js-plotly-plot").nth(2))
        # 4. known labels: the workbook's group column (a, b, c)
        panel = open_tab(pg, "Known labels")
        text = panel.inner_text()
        assert "Labels: group (3 distinct values)" in text
        for m in ("ARI", "NMI", "Purity"):
            assert m in text
        shot_at(pg, f"whatif-labels-{tag}", panel.locator(".js-plotly-plot").first)
        assert not pg.locator('[data-testid="stException"]').count()
        errors = [e for e in pg.console_errors if not e.startswith("Failed to load resource")]
        assert not errors, errors
    finally:
        context.close()


def test_whatif_generated_data_scores_the_generators_labels(app_url, page):
    """Blobs (the default data): the page's ARI / NMI are scikit-learn's for the same run."""
    from sklearn import metrics as skm

    from kmeans_app.choosing_k import sweeps as ck
    from kmeans_app.data.datasets import generate
    from kmeans_core import KMeans

    ds = generate("blobs", {})
    labels = KMeans(4, init="k-means++", n_init=1, random_state=0, max_iter=ck.EXPLORER_MAX_ITER,
                    tol=ck.EXPLORER_TOL).fit(ds.X).labels_
    page.goto(f"{app_url}/whatif")
    wait_idle(page, TIMEOUT)
    panel = open_tab(page, "Known labels")
    text = panel.inner_text()
    assert "Labels: generator's labels (4 distinct values)" in text
    ari = float(re.search(r"ARI\s+([0-9.]+)", text).group(1))
    nmi = float(re.search(r"NMI\s+([0-9.]+)", text).group(1))
    assert ari == pytest.approx(skm.adjusted_rand_score(ds.labels, labels), abs=5e-4)
    assert nmi == pytest.approx(skm.normalized_mutual_info_score(ds.labels, labels), abs=5e-4)
    assert_healthy(page)
