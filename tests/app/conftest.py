"""Every AppTest in this folder runs app.py (the shell and shared sidebar) on every run.

See navfix.py: without this, Streamlit 1.67's AppTest takes the legacy
pages-directory path from the second run on, and only the page script runs.
"""

import pytest

from .navfix import NavigationPagesManager


@pytest.fixture(autouse=True)
def _main_script_every_run(monkeypatch):
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.pages_manager import PagesManager

    monkeypatch.setattr(app_test_module, "PagesManager", NavigationPagesManager)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    yield
