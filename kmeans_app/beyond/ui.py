"""Streamlit helpers shared by the beyond pages."""

import streamlit as st

# Plotly's Pause button (and a slider click during play) interrupts the running animation;
# plotly.js then rejects the interrupted animate() promise with no reason, and its own
# button code does not catch it, so the browser logs an "Uncaught (in promise) undefined"
# error although nothing went wrong. This fixed script (no user text) marks exactly those
# rejections as handled: a real failure rejects with an Error, which is still reported.
_QUIET_INTERRUPTS = """<script>
if (!window.__kmeansQuietAnimationInterrupts) {
  window.__kmeansQuietAnimationInterrupts = true;
  window.addEventListener("unhandledrejection", (event) => {
    if (event.reason === undefined) event.preventDefault();
  });
}
</script>"""


def quiet_animation_interrupts():
    """Install (once per browser tab) the handler described above."""
    st.html(_QUIET_INTERRUPTS, unsafe_allow_javascript=True)
