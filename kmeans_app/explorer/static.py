"""plotly.js for the browser components, served by the app itself at /app/static/plotly.min.js.

Streamlit serves the ``static/`` folder next to app.py when
``server.enableStaticServing`` is on (.streamlit/config.toml). The file comes
from the installed plotly package (``plotly/package_data/plotly.min.js``), so the
app needs no CDN and no internet. ``make install`` copies it; the component's
mount calls :func:`ensure_plotly` too, so a server started without make works.
It is not committed (.gitignore).

    python -m kmeans_app.explorer.static     # copy it now
"""

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "static"
PLOTLY_JS = STATIC_DIR / "plotly.min.js"
PLOTLY_URL = "/app/static/plotly.min.js"  # what the components' script tag loads


def plotly_source():
    """Path of plotly.min.js inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def ensure_plotly(dest=PLOTLY_JS):
    """Copy plotly.min.js into ./static when it is missing or differs in size; return its path."""
    src = plotly_source()
    dest = Path(dest)
    if not dest.exists() or dest.stat().st_size != src.stat().st_size:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")  # one per process
        shutil.copyfile(src, tmp)
        tmp.replace(dest)  # atomic: a server never serves half a file
    return dest


if __name__ == "__main__":
    print(f"plotly.js -> {ensure_plotly()}")
