"""The Soft and Gaussian, Mini-batch and When K-means fails pages in Chromium, at 1280x720 and
1920x1080: every chart drawn, animations stepping in the browser (no message to the server),
no console errors."""

import pytest

from .conftest import assert_healthy, shot, wait_idle

pytestmark = pytest.mark.xdist_group("e2e-beyond")

SIZES = ((1280, 720), (1920, 1080))


def _sent_frames(page):
    """A list that grows with every websocket message the page sends to the server."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(1)))
    return sent


def _slider_active(plot):
    return plot.evaluate("el => el._fullLayout.sliders[0].active")


def _play_in_browser(page, plot, sent):
    """Press the chart's Play button: the chart opens on the last step, Play restarts from the first
    and the step slider advances, with nothing sent to the server."""
    before_sent, last = len(sent), _slider_active(plot)
    assert last == plot.evaluate("el => el._transitionData._frames.length") - 1
    plot.get_by_text("▶ Play").click()
    page.wait_for_function("el => el._fullLayout.sliders[0].active >= 1", arg=plot.element_handle(),
                           timeout=20_000)
    plot.get_by_text("❚❚ Pause").click()
    page.wait_for_timeout(300)
    assert _slider_active(plot) >= 1
    assert len(sent) == before_sent, "stepping the animation contacted the server"


def _open_gmm_tab(page):
    page.locator('[data-testid="stMain"]').get_by_role("tab", name="Gaussian mixture").click()
    wait_idle(page)


def _open(page, url, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url)
    wait_idle(page)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}")
def test_soft_gaussian_page(app_url, page, size):
    sent = _sent_frames(page)
    _open(page, app_url + "/soft_gaussian", size)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("soft labels equal the hard run's from").wait_for(timeout=60_000)
    soft = page.locator(".js-plotly-plot", has_text="Soft K-means, β = 10")
    soft.wait_for()
    assert page.locator(".js-plotly-plot").count() == 1  # lazy tabs: the mixture's tab is not computed yet
    # one frame per recorded half-step, each carrying only the points' colours and the centres
    n_frames = soft.evaluate("el => el._transitionData._frames.length")
    assert n_frames >= 3
    soft.scroll_into_view_if_needed()
    shot(page, f"beyond-soft-{size[0]}")
    _play_in_browser(page, soft, sent)
    _open_gmm_tab(page)
    gmm = page.locator(".js-plotly-plot", has_text="EM, 4 components, full covariance")
    gmm.wait_for(timeout=60_000)
    assert page.locator(".js-plotly-plot", has_text="BIC and AIC").count() == 1
    assert page.locator(".js-plotly-plot", has_text="Log-likelihood per EM step").count() == 1
    gmm.scroll_into_view_if_needed()
    _play_in_browser(page, gmm, sent)
    shot(page, f"beyond-gmm-{size[0]}")
    assert_healthy(page)


def test_soft_gaussian_anisotropic_full_beats_kmeans(app_url, page):
    _open(page, app_url + "/soft_gaussian?dataset=Anisotropic+blobs&k=4", SIZES[0])
    _open_gmm_tab(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("K-means: ARI against the labels").wait_for(timeout=60_000)
    main.get_by_text("Mixture (full): ARI against the labels").wait_for()
    main.get_by_text("spherical", exact=True).click()
    wait_idle(page)
    page.locator(".js-plotly-plot", has_text="spherical covariance").wait_for(timeout=60_000)
    shot(page, "beyond-soft-anisotropic-1280")
    assert_healthy(page)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}")
def test_minibatch_page(app_url, page, size):
    sent = _sent_frames(page)
    _open(page, app_url + "/minibatch", size)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Final inertia gap: mini-batch ends").wait_for(timeout=60_000)
    plot = page.locator(".js-plotly-plot", has_text="Centres batch by batch")
    plot.wait_for()
    assert page.locator(".js-plotly-plot", has_text="Inertia against points processed").count() == 1
    assert page.locator(".js-plotly-plot", has_text="Inertia against time").count() == 1
    assert plot.evaluate("el => el._transitionData._frames.length") <= 300
    plot.scroll_into_view_if_needed()
    shot(page, f"beyond-minibatch-{size[0]}")
    _play_in_browser(page, plot, sent)
    assert_healthy(page)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}")
def test_failures_page_every_case(app_url, page, size):
    _open(page, app_url + "/failures", size)
    main = page.locator('[data-testid="stMain"]')
    labels = ["Two moons", "Circles", "Anisotropic blobs", "Unequal variances", "Uneven sizes",
              "Blobs with 5% outliers", "Features on different scales"]
    for i, label in enumerate(labels):
        if i:
            main.locator('[data-testid="stSelectbox"]').first.click()
            page.get_by_role("option", name=label, exact=True).click()
            wait_idle(page)
        main.get_by_text("The fix:").wait_for(timeout=60_000)
        kmeans_chart = page.locator(".js-plotly-plot", has_text="K-means, k =")
        kmeans_chart.wait_for()
        assert page.locator(".js-plotly-plot").count() == 2
        kmeans_chart.scroll_into_view_if_needed()
        if size == SIZES[0] or label in ("Two moons", "Blobs with 5% outliers"):
            shot(page, f"beyond-failures-{label.split()[0].lower()}-{size[0]}")
    assert_healthy(page)
