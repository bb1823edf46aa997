"""K-means Explorer: page config, navigation and the shared sidebar."""

import streamlit as st

from kmeans_app import sidebar

st.set_page_config(page_title="K-means Explorer", page_icon="🎯", layout="wide")

pages = [
    st.Page("pages/explorer.py", title="Explorer", icon="🧭", default=True),
    st.Page("pages/initialization.py", title="Initialization", icon="🌱"),
    st.Page("pages/elbow.py", title="Elbow", icon="📐"),
    st.Page("pages/silhouette.py", title="Silhouette", icon="🪞"),
    st.Page("pages/quantization.py", title="Colour quantization", icon="🎨"),
]
page = st.navigation(pages)
sidebar.render()
page.run()
