"""K-means Explorer: page config, navigation, the shared sidebar and the upload panel."""

import streamlit as st

from kmeans_app import sidebar
from kmeans_app.data import draw

st.set_page_config(page_title="K-means Explorer", page_icon="🎯", layout="wide")

pages = [
    st.Page("pages/explorer.py", title="Explorer", icon=":material/explore:", default=True),
    st.Page("pages/initialization.py", title="Initialization", icon=":material/scatter_plot:"),
    st.Page("pages/elbow.py", title="Elbow", icon=":material/show_chart:"),
    st.Page("pages/silhouette.py", title="Silhouette", icon=":material/bar_chart:"),
    st.Page("pages/whatif.py", title="What-if", icon=":material/query_stats:"),
    st.Page("pages/quantization.py", title="Colour quantization", icon=":material/palette:"),
    st.Page("pages/soft_gaussian.py", title="Soft and Gaussian", icon=":material/blur_on:"),
    st.Page("pages/minibatch.py", title="Mini-batch", icon=":material/speed:"),
    st.Page("pages/failures.py", title="When K-means fails", icon=":material/report:"),
]
page = st.navigation(pages)
# The quantization page clusters an image's pixels with its own controls; the sidebar still
# renders there (so its settings survive the visit) but says it does not apply.
own_data = page.url_path == "quantization"
sidebar.render(applies=not own_data)
if not own_data:
    sidebar.render_upload_panel()  # upload errors and the data preview, above every page
    draw.render_panel()  # the "Draw points" chart, above every page when that source is chosen
page.run()
