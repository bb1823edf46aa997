"""Make AppTest run app.py on every run of this multipage app.

Streamlit 1.67's AppTest resets ``PagesManager.uses_pages_directory`` before
each run; because a ``pages/`` folder sits next to app.py it becomes True, and
the script runner then takes the legacy "pages directory" path: from the second
run on (or after ``switch_page``) only the page script runs, never app.py, so
the shared sidebar and the upload panel are silently missing. The real server
is not affected (st.navigation clears the flag on its first run).

Use the ``main_script_every_run`` fixture (import it into a test module).
"""

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager


class NavigationPagesManager(PagesManager):
    """A PagesManager that never takes the legacy pages-directory path."""

    def __init__(self, *args, **kwargs):
        PagesManager.uses_pages_directory = False
        super().__init__(*args, **kwargs)


@pytest.fixture
def main_script_every_run(monkeypatch):
    monkeypatch.setattr(app_test_module, "PagesManager", NavigationPagesManager)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    yield
