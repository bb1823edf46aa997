"""The Elbow page's stability and gap charts (pure functions of the core's results).

stability_figure: mean pairwise ARI of bootstrap clusterings against k, with its band.
gap_figure: Gap(k) with +/- s_k error bars and the k the smallest-k rule picks.
Neither takes user text, so nothing here needs escaping.
"""

import numpy as np
import plotly.graph_objects as go

from kmeans_app.figures.style import finish, projector

STABILITY_COLOR = "#009E73"
BAND_COLOR = "rgba(0,158,115,0.18)"
GAP_COLOR = "#0072B2"
PICK_COLOR = "#D55E00"

REFERENCE_WORDS = {
    "uniform": "uniform box over each column's range",
    "pca": "uniform box along the data's principal axes",
}


def _layout(fig, title, subtitle, y_title, height):
    """Title (and a smaller second line) on top, the legend under the k axis: half-width charts
    have no room for both above the plot."""
    fig.update_xaxes(dtick=1, title_text="k (number of clusters)")
    fig.update_yaxes(title_text=y_title)
    small = "font-size:20px;color:#000" if projector() else "font-size:12px;color:#555"  # no inline 12 px then
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=64, b=10), hovermode="closest",
        title=dict(text=f"{title}<br><span style='{small}'>{subtitle}</span>", x=0,
                   xanchor="left", y=0.98, yanchor="top", font=dict(size=15)),
        legend=dict(orientation="h", y=-0.22, yanchor="top", x=0, font=dict(size=12)),
    )
    if projector():  # the two-line title needs more room at 24 + 20 px
        fig.update_layout(margin_t=110, legend_y=-0.3)
    return finish(fig)


def stability_figure(ks, mean, low, high, n_resamples, *, best=None, height=430):
    """Mean pairwise ARI per k (line), the 10th-90th percentile of the pairs (band).

    ks, mean, low, high : (m,) arrays.  best : the k to mark (the most stable k >= 2), or None.
    """
    ks = np.asarray(ks)
    mean, low, high = (np.asarray(a, dtype=float) for a in (mean, low, high))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ks, y=high, mode="lines", line=dict(width=0, color=STABILITY_COLOR),
                             hoverinfo="skip", showlegend=False, name="90th percentile"))
    fig.add_trace(go.Scatter(x=ks, y=low, mode="lines", line=dict(width=0, color=STABILITY_COLOR),
                             fill="tonexty", fillcolor=BAND_COLOR, hoverinfo="skip",
                             name="10th–90th percentile of the pairs"))
    fig.add_trace(go.Scatter(
        x=ks, y=mean, mode="lines+markers", name="mean ARI over the pairs",
        line=dict(color=STABILITY_COLOR, width=3), marker=dict(size=9, color=STABILITY_COLOR),
        customdata=np.column_stack([low, high]),
        hovertemplate="k = %{x}<br>mean ARI %{y:.3f}<br>10–90%: %{customdata[0]:.3f} – "
                      "%{customdata[1]:.3f}<extra></extra>",
    ))
    if best is not None and best in ks:
        i = int(np.flatnonzero(ks == best)[0])
        fig.add_trace(go.Scatter(
            x=[best], y=[mean[i]], mode="markers+text", text=[f"most stable: k = {best}"],
            textposition="bottom center", name=f"most stable k ≥ 2: {best}", showlegend=False,
            marker=dict(size=18, symbol="star", color=STABILITY_COLOR, line=dict(width=1, color="black")),
            hovertemplate="most stable k ≥ 2<br>k = %{x}<extra></extra>",
        ))
    lowest = float(np.nanmin(low)) if len(low) else 0.0
    fig.update_yaxes(range=[min(0.0, lowest) - 0.05, 1.05])
    return _layout(fig, "Stability: do resamples give the same clusters?",
                   f"{n_resamples} bootstrap resamples per k, every pair compared",
                   "adjusted Rand index (1 = same partition)", height)


def gap_figure(ks, gap, s, best_k, reference, n_refs, *, k_max=None, height=430):
    """Gap(k) with +/- s_k bars; the rule's pick marked; k_max + 1 drawn faded (it only judges k_max).

    reference : "uniform" or "pca" (named in the title).  best_k : int or None.
    """
    ks = np.asarray(ks)
    gap, s = np.asarray(gap, dtype=float), np.asarray(s, dtype=float)
    k_max = int(ks[-1]) - 1 if k_max is None else int(k_max)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=ks, y=gap, mode="lines+markers", name="Gap(k) ± s(k)",
        line=dict(color=GAP_COLOR, width=3),
        marker=dict(size=9, color=[GAP_COLOR if k <= k_max else "#9bbbd6" for k in ks]),
        error_y=dict(type="data", array=s, visible=True, color=GAP_COLOR, thickness=1.5, width=6),
        customdata=s, hovertemplate="k = %{x}<br>Gap %{y:.3f} ± %{customdata:.3f}<extra></extra>",
    ))
    if best_k is not None and best_k in ks:
        i = int(np.flatnonzero(ks == best_k)[0])
        fig.add_trace(go.Scatter(
            x=[best_k], y=[gap[i]], mode="markers", name=f"rule's pick: k = {best_k}",
            marker=dict(size=22, symbol="circle-open", color=PICK_COLOR, line=dict(width=3)),
            hovertemplate="picked by the rule<br>k = %{x}<extra></extra>",
        ))
        fig.add_vline(x=best_k, line=dict(color=PICK_COLOR, dash="dash", width=1.5))
    if len(ks) and ks[-1] > k_max:
        fig.add_annotation(x=ks[-1], y=gap[-1], text=f"k = {ks[-1]}: only to judge k = {k_max}",
                           showarrow=True, arrowhead=2, ax=-30, ay=-35, font=dict(size=11, color="#555"))
    return _layout(fig, "Gap statistic", f"reference: {REFERENCE_WORDS[reference]}, B = {n_refs}",
                   "Gap(k) = E*[log W*] − log W", height)
