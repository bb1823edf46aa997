"""Start the app: `python scripts/serve.py [streamlit options]` = `streamlit run app.py [options]`,
minus one Streamlit 1.67 trap.

Streamlit still has a legacy mode for apps with a ``pages/`` folder next to the
main script: until some session has run app.py (whose st.navigation switches
the mode off, process-wide), a request for a page URL such as /elbow runs
pages/elbow.py on its own, without app.py, so the shared sidebar is missing.
That happens to every visitor who opens a deep link on a freshly started
server. Switching the mode off before the server starts avoids it; the
server runs in this process, so the setting holds.
"""

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

APP = Path(__file__).resolve().parents[1] / "app.py"

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    main(prog_name="streamlit")
