"""The app starts in a real browser and every page renders without an error."""

import pytest

from .conftest import assert_healthy, shot, wait_idle

PAGES = ["", "initialization", "elbow", "silhouette", "quantization"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders(app_url, page, path):
    page.goto(f"{app_url}/{path}")
    wait_idle(page)
    shot(page, f"smoke-{path or 'explorer'}")
    assert_healthy(page)
