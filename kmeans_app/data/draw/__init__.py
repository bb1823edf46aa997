"""Draw your own data: a "Draw points" data source (browser component + session logic).

points.py: the canvas grid, link code and checks (pure). component.py: the
st.components.v2 mount, the sidebar part and the "Use these points" callback.
"""

from kmeans_app.data.draw.component import render_panel, sidebar_controls, use_points

__all__ = ["render_panel", "sidebar_controls", "use_points"]
