"""The app starts in a real browser and every page renders, with the shared sidebar, without an error."""

import pytest

from .conftest import assert_healthy, running_app, shot, wait_idle

PAGES = ["", "initialization", "elbow", "silhouette", "quantization"]


def assert_shell(pg):
    sidebar = pg.locator('[data-testid="stSidebar"]')
    assert sidebar.locator('input[aria-label="Dataset"]').count() == 1, "the shared sidebar is missing"
    assert sidebar.locator('[data-testid="stSidebarNav"]').get_by_text("Colour quantization").count() == 1


@pytest.mark.parametrize("path", PAGES)
def test_page_renders(app_url, page, path):
    page.goto(f"{app_url}/{path}")
    wait_idle(page)
    shot(page, f"smoke-{path or 'explorer'}")
    assert_shell(page)
    assert_healthy(page)


def test_deep_link_on_a_fresh_server_gets_the_shell(page):
    """The first request of a new server is a page URL (see scripts/serve.py for why this can break)."""
    with running_app() as url:
        page.goto(f"{url}/silhouette?dataset=Two+moons&k=3")
        wait_idle(page)
        shot(page, "smoke-fresh-server-deep-link")
        assert_shell(page)
        assert page.locator('[data-testid="stSidebar"] input[aria-label="Dataset"]').input_value() == "Two moons"
        assert_healthy(page)
