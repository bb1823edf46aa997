"""Figures for the Initialization page: pure functions from data to a go.Figure.

* :func:`seeding_figure` - k-means++ and random init picking their centres,
  animated in the browser (frames + slider + Play). Point coordinates are sent
  once; a frame carries only what changes: the points' colours (their chance
  of being drawn), the candidates, the centres so far and the panel titles.
* :func:`inertia_figure`, :func:`iterations_figure` - many runs of each init.
* :func:`restarts_figure` - expected best inertia after n restarts.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kmeans_app.figures.style import (
    PROJECTOR_FONT,
    color,
    finish,
    padded_box,
    plain,
    plot_sample,
    projector,
    symbol,
)

INIT_COLORS = {"random": "#D55E00", "k-means++": "#0072B2"}  # Okabe-Ito vermillion and blue
INIT_LABELS = {"random": "random init", "k-means++": "k-means++"}
PROB_SCALE = [[0.0, "#e0e0e0"], [0.3, "#fdae6b"], [1.0, "#d94801"]]
MAX_ANIM_POINTS = 3000
FRAME_MS = 1200


def number(x):
    """A readable number: thousands separators above 1,000, else 4 significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


_num = number


def _panel_title(init, j, k, rnd):
    if init == "k-means++":
        how = ("first centre: one point, uniformly" if j == 0 else
               f"{len(rnd.candidates)} candidates drawn by D², kept the lowest φ")
    else:
        how = "one point, uniformly" + (", ignoring distances" if j else "")
    return f"<b>{INIT_LABELS[init]}</b> · centre {j + 1} of {k} · φ = {_num(rnd.potential)}<br>{how}"


def _round_traces(P, story_init, init, j, shown):
    """The traces of one panel in round j: points, centres so far, candidates, new centre."""
    rnd = story_init[j]
    probs = np.asarray(rnd.probabilities, dtype=np.float32)[shown]  # float32 halves what a frame sends
    previous = [r.chosen for r in story_init[:j]]
    cand = np.asarray(rnd.candidates)
    is_kept = cand == rnd.chosen
    cand_text = [("kept: " if kept else "") + f"φ={_num(p)}"
                 for kept, p in zip(is_kept, rnd.candidate_potentials)]
    points = go.Scatter(marker=dict(color=probs))
    centres = go.Scatter(
        x=P[previous, 0], y=P[previous, 1],
        marker=dict(color=[color(i) for i in range(j)], symbol=[symbol(i) for i in range(j)]),
    )
    candidates = go.Scatter(
        x=P[cand, 0], y=P[cand, 1], text=cand_text if init == "k-means++" else None,
        customdata=np.asarray(rnd.candidate_potentials, dtype=np.float64),
    )
    new = go.Scatter(x=[P[rnd.chosen, 0]], y=[P[rnd.chosen, 1]],
                     marker=dict(color=[color(j)], symbol=[symbol(j)]))
    return [points, centres, candidates, new], float(probs.max()) if len(probs) else 1.0


def seeding_figure(P, story, *, axis_titles=("x1", "x2"), max_points=MAX_ANIM_POINTS, height=520):
    """Animated side-by-side seeding of k-means++ (left) and random init (right).

    P : (n, 2) points in plot coordinates (projected if needed).
    story : {"k-means++": [SeedRound], "random": [SeedRound]} as made by
        ``init_compare.seeding_story``; round j picks centre j + 1.
    Points are shaded by their chance of being drawn in the round shown (the
    value on hover); at most ``max_points`` of them are drawn (a fixed sample),
    candidates and centres always.
    """
    P = np.asarray(P, dtype=np.float64)
    inits = ("k-means++", "random")
    k = len(story["k-means++"])
    shown = plot_sample(len(P), max_points)
    box = padded_box(P)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.05)
    hover_pt = "chance of being drawn: %{marker.color:.3~p}<extra></extra>"
    for col in (1, 2):
        fig.add_trace(go.Scatter(
            x=P[shown, 0], y=P[shown, 1], mode="markers", name="points",
            marker=dict(coloraxis="coloraxis", size=6, line=dict(width=0)),
            hovertemplate=hover_pt, showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(
            mode="markers", name="centres so far", showlegend=col == 1,
            marker=dict(size=16, line=dict(width=2, color="black")),
            hovertemplate="centre so far<extra></extra>"), row=1, col=col)
        fig.add_trace(go.Scatter(
            mode="markers+text", name="candidates drawn", showlegend=col == 1, textposition="top center",
            textfont=dict(size=13, color="black", shadow="auto", weight="bold"),
            marker=dict(symbol="circle-open", size=22, line=dict(width=3), color="black"),
            hovertemplate="candidate<br>potential if kept: %{customdata:,.2f}<extra></extra>"),
            row=1, col=col)
        fig.add_trace(go.Scatter(
            mode="markers", name="centre picked", showlegend=col == 1,
            marker=dict(size=20, line=dict(width=3, color="black")),
            hovertemplate="centre picked this round<extra></extra>"), row=1, col=col)
    traces_per_panel = 4
    text = PROJECTOR_FONT if projector() else 12  # frames carry their own annotations: projector_style misses them
    frames, cmaxes = [], []
    for j in range(k):
        data, annotations, cmax = [], [], 0.0
        for col, init in enumerate(inits):
            traces, top = _round_traces(P, story[init], init, j, shown)
            data += traces
            cmax = max(cmax, top)
            annotations.append(dict(
                text=_panel_title(init, j, k, story[init][j]), showarrow=False, align="left",
                xref=f"x{'' if col == 0 else 2} domain", yref=f"y{'' if col == 0 else 2} domain",
                x=0, y=1.0, xanchor="left", yanchor="bottom", font=dict(size=text)))
        cmax = cmax if cmax > 0 else 1.0
        cmaxes.append(cmax)
        frames.append(go.Frame(
            name=str(j + 1), data=data, traces=list(range(2 * traces_per_panel)),
            layout=dict(annotations=annotations, coloraxis=dict(cmax=cmax)),
        ))
    fig.frames = frames
    for i, trace in enumerate(frames[0].data):  # the page opens on round 1
        fig.data[i].update(trace.to_plotly_json())
    steps = [dict(method="animate", label=f.name,
                  args=[[f.name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                       transition=dict(duration=0))]) for f in frames]
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=70, b=10),
        annotations=frames[0].layout.annotations,
        coloraxis=dict(colorscale=PROB_SCALE, cmin=0.0, cmax=cmaxes[0],
                       colorbar=dict(title=dict(text="chance of<br>being drawn"), tickformat=".2~p",
                                     len=0.55, y=1, yanchor="top")),
        legend=dict(x=1.02, y=0, xanchor="left", yanchor="bottom"),
        updatemenus=[dict(
            type="buttons", showactive=False, x=0, y=-0.2, xanchor="left", yanchor="top",
            direction="left", pad=dict(t=0, r=10), font=dict(size=max(text, 12)),
            buttons=[
                dict(label="▶ Play", method="animate",
                     args=[None, dict(frame=dict(duration=FRAME_MS, redraw=True), fromcurrent=True,
                                      transition=dict(duration=0), mode="immediate")]),
                dict(label="❚❚ Pause", method="animate",
                     args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                        transition=dict(duration=0))]),
            ])],
        sliders=[dict(active=0, steps=steps, x=0.2, len=0.8, y=-0.2, yanchor="top",
                      currentvalue=dict(prefix="centre ", font=dict(size=max(text, 13))), pad=dict(t=0),
                      font=dict(size=max(text, 12)))],
    )
    for col in (1, 2):
        fig.update_xaxes(range=box[:2], title=dict(text=plain(axis_titles[0])), constrain="domain",
                         row=1, col=col)
        fig.update_yaxes(range=box[2:], title=dict(text=plain(axis_titles[1]) if col == 1 else ""),
                         scaleanchor="x" if col == 1 else "x2", scaleratio=1, row=1, col=col)
    return finish(fig)


def _runs_box(comparison, field, hover):
    fig = go.Figure()
    for init in ("random", "k-means++"):
        runs = comparison.runs[init]
        fig.add_trace(go.Box(
            y=getattr(runs, field), name=INIT_LABELS[init], boxpoints="all", jitter=0.6, pointpos=0,
            marker=dict(color=INIT_COLORS[init], size=7, opacity=0.75), line=dict(color=INIT_COLORS[init]),
            fillcolor="rgba(0,0,0,0)", customdata=runs.seeds, hovertemplate=hover, showlegend=False,
        ))
    return fig


def inertia_figure(comparison, height=380):
    """Final inertia of every run, one box-and-strip per init, the best found marked."""
    fig = _runs_box(comparison, "inertia",
                    "seed %{customdata}<br>final inertia %{y:,.2f}<extra>%{x}</extra>")
    best = comparison.best_inertia
    fig.add_hline(y=best, line=dict(color="black", dash="dash", width=1.5),
                  annotation_text=f"best found: {_num(best)}", annotation_position="bottom right")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10),
                      title=dict(text="Final inertia of each run (lower is better)"),
                      yaxis=dict(title=dict(text="inertia"), tickformat="~s"))
    return finish(fig)


def iterations_figure(comparison, height=380):
    """Lloyd iterations each run needed to converge, one box-and-strip per init."""
    fig = _runs_box(comparison, "n_iter", "seed %{customdata}<br>%{y} iterations<extra>%{x}</extra>")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10),
                      title=dict(text="Iterations to converge"),
                      yaxis=dict(title=dict(text="Lloyd iterations"), rangemode="tozero"))
    return finish(fig)


def restarts_figure(comparison, height=400):
    """Expected best inertia after n restarts (n_init = n) for each init."""
    fig = go.Figure()
    defaults = {"random": 10, "k-means++": 1}  # scikit-learn's n_init="auto"
    for init in ("random", "k-means++"):
        s = comparison.summaries[init]
        fig.add_trace(go.Scatter(
            x=s.restarts, y=s.expected_best, mode="lines+markers", name=INIT_LABELS[init],
            line=dict(color=INIT_COLORS[init], width=3), marker=dict(size=7),
            customdata=s.chance_near_best,
            hovertemplate=("n_init = %{x}<br>expected best inertia %{y:,.2f}<br>"
                           "chance to get within 1% of the best found: %{customdata:.1%}"
                           f"<extra>{INIT_LABELS[init]}</extra>"),
        ))
        n = defaults[init]
        if n <= len(s.restarts):
            label = f"scikit-learn default for {INIT_LABELS[init]}: n_init={n}"
            fig.add_trace(go.Scatter(
                x=[n], y=[s.expected_best[n - 1]], mode="markers", name=label, showlegend=False,
                marker=dict(symbol="star", size=16, color=INIT_COLORS[init], line=dict(width=1, color="black")),
                hovertemplate=label + "<extra></extra>",
            ))
            fig.add_annotation(x=n, y=s.expected_best[n - 1], text=label, showarrow=True, arrowhead=0,
                               ax=40, ay=-45 if init == "random" else -80, xanchor="left",
                               font=dict(size=12), bgcolor="rgba(255,255,255,0.85)")
    fig.add_hline(y=comparison.best_inertia, line=dict(color="black", dash="dash", width=1.5),
                  annotation_text="best found", annotation_position="bottom right")
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=40, b=10),
        title=dict(text="Expected best inertia after n restarts (keep the best of n runs)"),
        xaxis=dict(title=dict(text="restarts (n_init)"), dtick=1, range=[0.5, len(comparison.summaries["random"].restarts) + 0.5]),
        yaxis=dict(title=dict(text="expected best inertia"), tickformat="~s"),
        legend=dict(orientation="h", y=-0.2),
    )
    return finish(fig)
