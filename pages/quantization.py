"""Colour quantization: K-means on the pixels of a photo. Layout and wiring only."""

import streamlit as st

from kmeans_app.quantize import figures as fq
from kmeans_app.quantize import images as qi
from kmeans_core import psnr

S = "session"  # page widgets keep their values across page switches
GOOD, SEEN, ERROR = "q_image", "q_upload_seen", "q_upload_error"  # last good upload, last file tried, its error


def mb(n_bytes):
    return f"{n_bytes / 1e6:.2f} MB" if n_bytes >= 1e5 else f"{n_bytes / 1e3:.1f} kB"


def read_upload():
    """Decode a newly uploaded file once; a good one becomes the image, a bad one leaves the previous image."""
    f = st.file_uploader(
        f"Or upload a PNG, JPEG, WebP, BMP, GIF (first frame) or TIFF. Limits: {qi.MAX_UPLOAD_MB} MB and "
        f"{qi.MAX_PIXELS // 10**6} megapixels; above {qi.WORK_PIXELS // 10**6} MP it is downscaled.",
        type=qi.UPLOAD_TYPES, key="q_upload", max_upload_size=qi.MAX_UPLOAD_MB)
    if f is not None and st.session_state.get(SEEN) != f.file_id:
        st.session_state[SEEN] = f.file_id
        try:
            with st.spinner("Reading the image…"):
                st.session_state[GOOD] = qi.load_image(f.getvalue(), qi.safe_stem(f.name))
            st.session_state[ERROR] = None
            st.session_state["q_source"] = "upload"  # the radio below is not drawn yet in this run
        except qi.ImageError as exc:  # messages contain no user text
            st.session_state[ERROR] = str(exc)
    if f is not None and st.session_state.get(ERROR):
        st.error(st.session_state[ERROR] + " The image shown before is kept.", icon=":material/broken_image:")


@st.fragment
def compare(res):
    """Original and quantized on one picture, split where the slider says (reruns only this part)."""
    if st.toggle("Compare on one picture", key="q_compare", persist_state=S):
        split = st.slider("Original on the left, quantized on the right: move the seam", 0, 100, 50,
                          key="q_split", persist_state=S, format="%d%%")
        h, w = res.preview_original.shape[:2]
        box = st.columns(fq.image_columns(w, h, 1, max_height=640, column_width=1400))[0]  # ~640 px tall at 1920
        box.image(qi.compose_split(res.preview_original, res.preview_quantized, split / 100), width="stretch")


st.title("Colour quantization")
st.caption("Every pixel is a point in RGB space. K-means finds k colours (the palette); each pixel is then "
           "repainted with its nearest palette colour.")

col_source, col_upload = st.columns([2, 3])
with col_upload:
    read_upload()
source = col_source.radio("Image", (*qi.SAMPLE_IMAGES, "upload"), key="q_source", persist_state=S,
                          format_func=lambda s: qi.SAMPLE_IMAGES.get(s, "Your uploaded image"))
img = st.session_state.get(GOOD) if source == "upload" else qi.sample_image(source)
if img is None:
    st.info("Upload a photo to quantize it.", icon=":material/upload_file:")
    st.stop()
for note in img.notes:
    st.info(note, icon=":material/info:")

c1, c2, c3, c4 = st.columns([3, 2, 3, 2])
k = c1.slider("Number of colours (k)", 2, 64, 16, key="q_k", persist_state=S)
init = c2.selectbox("Initialisation", ("k-means++", "random"), key="q_init", persist_state=S)
sample = c3.select_slider(
    "Pixels used to fit the palette", qi.SAMPLE_OPTIONS, value=qi.DEFAULT_SAMPLE, key="q_sample",
    persist_state=S, format_func=lambda n: f"{n:,}" if n else "all pixels",
    help="The palette is learned from a random sample; every pixel is then mapped to it.")
seed = c4.number_input("Seed", 0, 10_000, 0, key="q_seed", persist_state=S)
st.caption("Trade-off: more pixels in the sample give a palette closer to the best for the whole picture but a "
           "slower fit; 20,000 is usually indistinguishable from all pixels (one refinement step on all "
           "pixels follows every sampled fit).")

with st.spinner(f"Quantizing {img.width}×{img.height} pixels to {k} colours…"):
    res = qi.cached_result(img, img.digest, k, init, sample, seed)
q, n_pal = res.q, len(res.palette)

# Each image fills its own column (never wider: a fixed pixel width overflowed narrow columns);
# portraits get narrower columns so they stay about 480 px tall.
left, right, *_ = st.columns(fq.image_columns(img.width, img.height), gap="small")
left.image(res.preview_original, caption=f"Original, {img.width}×{img.height}", width="stretch")
right.image(res.preview_quantized, width="stretch",
            caption=f"Quantized: {n_pal} colours" + (" (all the image has: lossless)" if q.fit.exact else ""))
compare(res)

# A wrapping row: each number at its own width, moving to a second line on narrow screens
# (five equal columns cut "96,615 → 16" and the deltas short at 1280 px).
m = st.container(horizontal=True, gap="large")
m.metric("Distinct colours", f"{q.n_colors_before:,} → {q.n_colors_after}", width="content")
m.metric("MSE per channel", f"{q.mse:.1f}", delta=f"{q.mse - res.baseline_mse:+.1f} vs random palette",
            delta_color="inverse", help="Mean squared error per channel on the 0-255 scale; lower is better.",
         width="content")
base_psnr = psnr(res.baseline_mse)
m.metric("PSNR", f"{q.psnr:.1f} dB", delta=f"{q.psnr - base_psnr:+.1f} dB vs random palette",
         help="Peak signal-to-noise ratio, 10·log10(255²/MSE); higher is better.", width="content")
png_slot = m.empty()
png_slot.metric("PNG size, quantized", mb(len(res.png)), width="content")
m.metric("Time to quantize", f"{res.seconds:.2f} s", help="Fit, refinement and mapping every pixel.",
         width="content")
st.caption(
    f"Random-palette baseline: {n_pal} pixels picked at random as the palette, no iterations. MSE "
    f"{res.baseline_mse:.1f}, PSNR {base_psnr:.1f} dB. K-means lowers the error by "
    f"{100 * (1 - q.mse / max(res.baseline_mse, 1e-12)):.0f}%. Fit: {q.fit.n_fit_colors:,} distinct colours "
    f"from {q.fit.n_sampled:,} pixels, {q.fit.n_iter} iterations, then {q.fit.refined_steps} step(s) on all pixels.")

tab_pal, tab_cube, tab_learn = st.tabs(["Palette", "RGB space", "Watch it learn"])
with tab_pal:
    st.plotly_chart(fq.palette_figure(res.palette, q.counts), width="stretch", key="q_palette_chart")
    d1 = d2 = d3 = st.container(horizontal=True)  # wraps when the labels are large (projector mode)
    d1.download_button("Quantized image (PNG, full size)", res.png, f"{img.label}-{n_pal}-colours.png",
                       "image/png", key="q_dl_png", on_click="ignore", icon=":material/download:")
    d2.download_button("Palette (CSV)", qi.palette_csv(res.palette, q.counts), f"palette-{n_pal}.csv",
                       "text/csv", key="q_dl_csv", on_click="ignore")
    d3.download_button("Palette (GIMP .gpl)", qi.palette_gpl(res.palette, q.counts), f"palette-{n_pal}.gpl",
                       "text/plain", key="q_dl_gpl", on_click="ignore")
with tab_cube:
    st.plotly_chart(fq.rgb_cube_figure(res.scatter_colors, res.palette, q.counts), width="stretch",
                    key="q_cube_chart")
    st.caption(f"A random {len(res.scatter_colors):,} of the image's pixels, each drawn in its own colour; "
               "the diamonds are the palette. Drag to rotate.")
with tab_learn:
    st.plotly_chart(fq.learning_figure(q.fit.history, res.scatter_colors[:1500], n_refined=q.fit.refined_steps),
                    width="stretch", key="q_learn_chart")
    st.caption("Press ▶ Play: the palette centres start where the initialisation put them and move to the "
               "mean colour of their pixels at every step; the lines are their paths.")

with st.expander("How it works, and the limits"):
    st.markdown(
        "1. The pixels of a random sample are collapsed to their distinct colours, each weighted by how "
        "often it occurs (the same K-means objective, fewer points).\n"
        "2. K-means runs on those weighted colours; one more Lloyd step then uses every pixel.\n"
        "3. Each distinct colour of the image is matched to its nearest palette colour once, and a lookup "
        "table repaints all pixels, a chunk at a time.\n\n"
        f"Limits: uploads up to {qi.MAX_UPLOAD_MB} MB and {qi.MAX_PIXELS // 10**6} megapixels; images above "
        f"{qi.WORK_PIXELS // 10**6} MP are downscaled to {qi.WORK_PIXELS // 10**6} MP. Transparent pixels "
        "are left out of the fit and stay transparent.")

before, exact = qi.cached_png_size(img, img.digest)  # last: the slowest number, the rest is on screen
after = len(res.png)
png_slot.metric("PNG size, quantized", mb(after), delta_color="inverse",
                delta=f"{100 * (after / before - 1):+.0f}% vs {'' if exact else '≈'}{mb(before)}",
                help="The original and the quantized image saved as PNG at full size"
                     + ("." if exact else "; the original's size is estimated from every 8th band of rows."),
                width="content")
