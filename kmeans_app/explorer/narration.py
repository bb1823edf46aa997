"""Plain-language sentences for each recorded half-step of a run (pure functions).

Cluster numbers are shown 1-based, as in the figures' legends.
"""

INIT_WORDS = {
    "k-means++": "chosen by k-means++ (far-apart points are more likely)",
    "random": "chosen as random data points",
    "pick": "picked by you",
    "dragged": "where you dragged them",
}


PHASE_WORDS = {"init": "start", "assign": "assignment", "update": "update"}


def fmt(x):
    """A number short enough to read from the back of a room."""
    x = float(x)
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.1f}" if a >= 100 else f"{x:.2f}"
    if a == 0:
        return "0"
    return f"{x:.3g}"


def _points(n):
    return "1 point" if n == 1 else f"{n:,} points"


def describe_relocations(relocated):
    """One sentence per empty cluster that was moved onto a far point."""
    return [f"Cluster {c + 1} was empty and was moved to the farthest point (row {p + 1})."
            for c, p in relocated]


def describe_step(step, prev=None, init="k-means++"):
    """What happened in this half-step, e.g. 'Assignment: 37 points changed cluster, inertia 512.3 → 488.1.'"""
    k = len(step.centers)
    if step.phase == "init":
        how = INIT_WORDS.get(init, f"chosen by {init}")
        return f"Start: {k} centre{'s' if k != 1 else ''} {how}. No point is assigned yet."
    before = None if prev is None else prev.inertia
    if step.phase == "assign":
        if prev is None or prev.phase == "init":
            return f"Assignment: every point joins its nearest centre, inertia {fmt(step.inertia)}."
        if step.n_changed == 0:
            return f"Assignment: no point changed cluster, inertia stays {fmt(step.inertia)}."
        change = f"{fmt(before)} → {fmt(step.inertia)}" if before is not None else fmt(step.inertia)
        return f"Assignment: {_points(step.n_changed)} changed cluster, inertia {change}."
    if step.phase == "update":
        moved = 0.0 if step.shift is None or len(step.shift) == 0 else float(max(step.shift))
        change = f"{fmt(before)} → {fmt(step.inertia)}" if before is not None else fmt(step.inertia)
        text = f"Update: centres moved by at most {fmt(moved)}, inertia {change}."
        return " ".join([text, *describe_relocations(step.relocated)])
    raise ValueError(f"unknown phase {step.phase!r}")


def describe_end(history, n_iter, max_iter):
    """How the run ended, said once the last half-step is shown."""
    last = history[-1]
    # The run converged when an assignment after the first changed no point (it may still
    # have been followed by one update, when that assignment left a cluster empty).
    done = [s for s in history[-2:] if s.phase == "assign" and s.iteration > 1 and s.n_changed == 0]
    if done:
        return f"Converged after {n_iter} iteration{'s' if n_iter != 1 else ''}: no point changed cluster."
    if n_iter >= max_iter:
        return f"Stopped after {max_iter} iterations (the limit) before converging."
    return (f"Stopped after {n_iter} iterations: the centres moved less than the tolerance, "
            f"though {_points(last.n_changed)} would still change cluster.")


def step_label(i, history):
    """'Step 3 of 17 · iteration 2 · update' for the i-th record of history."""
    step = history[i]
    name = PHASE_WORDS[step.phase]
    where = "" if step.phase == "init" else f" · iteration {step.iteration}"
    return f"Step {i} of {len(history) - 1}{where} · {name}"


def narrate(history, i, *, init="k-means++", n_iter=None, max_iter=300):
    """The full narration of record i: what it did, plus how the run ended when i is the last."""
    text = describe_step(history[i], history[i - 1] if i > 0 else None, init)
    if i == len(history) - 1 and i > 0:
        n = n_iter if n_iter is not None else history[-1].iteration
        text += " " + describe_end(history, n, max_iter)
    return text


def figure_title(label, text, width=95):
    """A figure title: the step label, then the narration on at most two short lines."""
    sentences = [s.strip() + "." for s in text.split(". ") if s.strip()]
    sentences[-1] = sentences[-1].rstrip(".") + "."
    lines = [sentences[0]]
    rest = " ".join(sentences[1:])
    if rest:
        lines.append(rest if len(rest) <= width else rest[: width - 1] + "…")
    return "<b>" + label + "</b><br>" + "<br>".join(f"<span style='font-size:15px'>{ln}</span>"
                                                    for ln in lines)
