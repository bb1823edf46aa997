"""The Elbow page's stability and gap-statistic section in a real browser: not computed until
the button is pressed, then both charts and their sentences, at 1280x720 and 1920x1080."""

import pytest

from .conftest import assert_healthy, shot, wait_idle

pytestmark = pytest.mark.xdist_group("e2e-stability")


def test_button_starts_stability_and_gap(app_url, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "/elbow?dataset=Blobs&n=600&seed=1")
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    button = page.get_by_role("button", name="Compute stability and the gap statistic")
    button.wait_for(timeout=60_000)
    assert main.get_by_text("Not computed yet").count() == 1
    assert page.locator(".js-plotly-plot", has_text="Stability: do resamples").count() == 0
    button.click()
    main.get_by_text("Most stable k ≥ 2").wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    stability = page.locator(".js-plotly-plot", has_text="Stability: do resamples")
    gap = page.locator(".js-plotly-plot", has_text="reference: uniform box over each column")
    stability.wait_for()
    gap.wait_for()
    assert main.get_by_text("The gap statistic picks").count() == 1
    stability.scroll_into_view_if_needed()
    shot(page, "stability-elbow-1280")
    # The reference box follows its radio without pressing the button again.
    main.get_by_text("Box along the principal axes").click()
    page.locator(".js-plotly-plot", has_text="along the data's principal axes").wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(500)
    page.locator(".js-plotly-plot", has_text="along the data's principal axes").scroll_into_view_if_needed()
    shot(page, "stability-elbow-1920")
    assert_healthy(page)
