"""Where an Elbow page rerun's time goes, and what the fragment and the caches saved.

1. In one process, the pieces of a rerun of the Elbow page on the default data (500 blobs,
   k = 1..10, 5 seeds, the silhouette panel), each the median of ``--repeat`` timings:
   building the figures, what st.plotly_chart then does with them (Figure.to_dict and
   plotly.io.to_json), serialising the ForwardMsg protobuf, and the cache lookups.
2. Over the websocket protocol (bench/load_test.py's Session) against a real one-process
   server: an unchanged rerun of the page, and a move of "show the clustering for k",
   time and bytes sent, median of ``--repeat``. With ``--before DIR`` (a checkout of the
   code before the fragment and the caches, e.g. ``git worktree add DIR 9f27b32``), the same
   on that code's server, side by side.

    .venv/bin/python bench/rerun_profile.py [--before /tmp/old] [--out docs/load-rerun.md]

3. ``--actions``: the load test's other actions (open, choose dataset, set points, set seed,
   go Explorer, choose CSV, upload CSV, an unchanged rerun) against a one-process server with
   one-thread numerics (as a class-server replica), each on data no earlier repeat used (cold
   caches, as 30 students on different data), median of ``--repeat``: wall time and the
   server's CPU seconds (/proc utime + stime). With ``--cprofile DIR`` the server is
   bench/profiled_serve.py and the top functions of each action are written to DIR/report.txt.

    .venv/bin/python bench/rerun_profile.py --actions [--repeat 7] [--cprofile /tmp/prof] [--out FILE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_test import Session, free_port  # noqa: E402


def median_time(fn, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def in_process(repeat):
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import plotly.io as pio
    import plotly.tools
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from kmeans_app.choosing_k import sweeps as ck
    from kmeans_app.choosing_k.elbow_figure import elbow_figure
    from kmeans_app.data.datasets import generate

    ds = generate("blobs", {})
    ks, seeds = tuple(range(1, 11)), tuple(range(5))
    sweep = ck.elbow_sweep(ds.X, ds.key, ks, "k-means++", seeds)
    scores = ck.score_sweep(ds.X, ds.key, ks, "k-means++", sweep.best_seed, others=False)
    knee = ck.knee_of(sweep)
    panels = (("Mean silhouette", tuple(s.silhouette for s in scores), "max"),)
    seed = sweep.best_seed(4)

    def build_elbow():
        elbow_figure(ks, sweep.inertia, sweep.mean_seconds, knee=knee, panels=[(a, list(b), c) for a, b, c in panels])

    fig = ck.elbow_chart(ks, sweep.inertia, sweep.mean_seconds, knee, panels)
    model, cfig = ck.clustering_chart(ds.X, ds.key, tuple(ds.feature_names), 4, "k-means++", seed, 5)

    def serialise(f):
        return pio.to_json(plotly.tools.return_figure_from_figure_or_data(f, validate_figure=True), validate=False)

    spec = serialise(fig)

    def proto():
        msg = ForwardMsg()
        msg.delta.new_element.plotly_chart.spec = spec
        return msg.SerializeToString()

    rows = [
        ("build the elbow figure (8 traces, validated once)", median_time(build_elbow, repeat)),
        ("  the same, from the figure cache (ck.elbow_chart)",
         median_time(lambda: ck.elbow_chart(ks, sweep.inertia, sweep.mean_seconds, knee, panels), repeat)),
        ("build the clustering figure (500 points, Voronoi cells)",
         median_time(lambda: ck._clustering_chart.__wrapped__(ds.X, ds.key, tuple(ds.feature_names), 4,
                                                              "k-means++", seed, 5, False), repeat)),
        ("  the same, from the figure cache (ck.clustering_chart)",
         median_time(lambda: ck.clustering_chart(ds.X, ds.key, tuple(ds.feature_names), 4, "k-means++",
                                                 seed, 5), repeat)),
        ("st.plotly_chart's to_dict + to_json, elbow figure", median_time(lambda: serialise(fig), repeat)),
        ("st.plotly_chart's to_dict + to_json, clustering figure", median_time(lambda: serialise(cfig), repeat)),
        ("protobuf of the elbow chart's ForwardMsg", median_time(proto, repeat)),
        ("50 per-run lookups (the shared run store, fit_one)",
         median_time(lambda: [ck.fit_one(ds.X, ds.key, k, "k-means++", s) for k in ks for s in seeds], repeat)),
        ("the finished sweep, one lookup (ck.elbow_sweep)",
         median_time(lambda: ck.elbow_sweep(ds.X, ds.key, ks, "k-means++", seeds), repeat)),
    ]
    return rows, len(spec), len(serialise(cfig))


def start_server(root, launcher=None, env=None):
    port = free_port()
    log = open(ROOT / "test-artifacts" / f"rerun-profile-{port}.log", "w")
    launcher = launcher or Path(root) / "scripts" / "serve.py"
    proc = subprocess.Popen([sys.executable, str(launcher), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.fileWatcherType", "none"], cwd=root, stdout=log, stderr=subprocess.STDOUT,
                            env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"server in {root} did not start")


def over_protocol(root, repeat):
    proc, url = start_server(root)
    try:
        sess = Session(url, "dataset=Blobs", timeout=180)
        sess.start("elbow")
        sess.rerun()  # everything cached from here on
        unchanged, unchanged_bytes, moved, moved_bytes = [], [], [], []
        options = list(sess.find("Show the clustering for k")[1].options)
        for i in range(repeat):
            b0 = sess.bytes_in
            res = sess.rerun()
            unchanged.append(res.seconds)
            unchanged_bytes.append(sess.bytes_in - b0)
            kind, proto = sess.find("Show the clustering for k")
            b0 = sess.bytes_in
            res = sess.set("Show the clustering for k", options[2 + i % 2] if proto.type == proto.Type.SELECT_SLIDER
                           else [float(2 + i % 2)])
            assert res.ok, res.status
            moved.append(res.seconds)
            moved_bytes.append(sess.bytes_in - b0)
        sess.close()
        return {"unchanged_s": statistics.median(unchanged), "unchanged_kb": statistics.median(unchanged_bytes) / 1e3,
                "moved_s": statistics.median(moved), "moved_kb": statistics.median(moved_bytes) / 1e3,
                "moved_status": res.status}
    finally:
        proc.terminate()
        proc.wait(15)

# ------------------------------------------------------------------ the other actions -------

ACTIONS = ("open", "choose dataset", "set points", "set seed", "rerun, nothing changed", "go Explorer",
           "choose CSV", "upload CSV", "set seed (CSV)")


def _new_files(directory, seen):
    """Profile records written since the last call: (json dicts, .prof paths)."""
    if directory is None:
        return [], []
    runs = sorted(Path(directory).glob("run-*.json"))
    fresh = [r for r in runs if r not in seen]
    seen.update(fresh)
    return [json.loads(r.read_text()) for r in fresh], [r.with_suffix(".prof") for r in fresh]


def actions_profile(root, repeat, cprofile=None):
    """Per action: [(wall s, server CPU s, script-thread CPU s or None)] over ``repeat`` cold repeats,
    and the .prof files of each action (with ``cprofile``)."""
    from bench.load_test import DATASETS, _proc_cpu_seconds, small_csv

    env = dict(os.environ, **{k: "1" for k in ("KMEANS_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                               "MKL_NUM_THREADS")})
    launcher = None
    if cprofile:
        Path(cprofile).mkdir(parents=True, exist_ok=True)
        for f in Path(cprofile).glob("run-*"):
            f.unlink()
        env["KMEANS_PROFILE_DIR"] = str(cprofile)
        launcher = ROOT / "bench" / "profiled_serve.py"
    proc, url = start_server(root, launcher, env)
    out = {a: [] for a in ACTIONS}
    profs = {a: [] for a in ACTIONS}
    seen = set()
    try:
        warm = Session(url, "", timeout=180)  # imports, first-run costs: not counted
        warm.start()
        warm.goto("Elbow")
        warm.close()
        time.sleep(0.5)
        _new_files(cprofile, seen)

        sess = None

        def measured(action, fn, *args):
            time.sleep(0.3)
            _new_files(cprofile, seen)
            c0, b0 = _proc_cpu_seconds(proc.pid), sess.bytes_in
            res = fn(*args)
            time.sleep(0.25)  # let the event loop finish writing
            cpu = _proc_cpu_seconds(proc.pid) - c0
            runs, files = _new_files(cprofile, seen)
            assert res.ok, (action, res.status, res.exceptions)
            out[action].append((res.seconds, cpu, sum(r["thread_cpu_s"] for r in runs) if runs else None,
                                sess.bytes_in - b0))
            profs[action] += files
            return res

        for i in range(repeat):
            # distinct point counts and seeds per repeat: nothing is cached from an earlier one
            n1, n2 = 300 + 20 * i, 610 + 20 * i
            name, other = DATASETS[i % len(DATASETS)], DATASETS[(i + 3) % len(DATASETS)]
            qs = f"dataset={name.replace(' ', '+')}&n={n1}&k={3 + i % 4}&seed={100 + i}"
            sess = Session(url, qs, timeout=180)
            measured("open", sess.start)  # (bytes: counted from the session's first message)
            measured("choose dataset", sess.set, "Dataset", other)
            measured("set points", sess.set, "Points", n2)
            measured("set seed", sess.set, "Seed", 200 + i)
            measured("rerun, nothing changed", sess.rerun)
            assert sess.goto("Elbow").ok
            measured("go Explorer", sess.goto, "Explorer")
            csv_label = next(o for o in sess.find("Dataset")[1].options if "csv" in o.lower())
            measured("choose CSV", sess.set, "Dataset", csv_label)
            uploader = next(lbl for lbl, (k, _p) in sess.widgets.items()
                            if k == "file_uploader" and not lbl.startswith("key:"))
            measured("upload CSV", sess.upload, uploader, f"p{i}.csv", small_csv(1000 + i))
            measured("set seed (CSV)", sess.set, "Seed", 300 + i)
            sess.close()
    finally:
        proc.terminate()
        proc.wait(15)
    return out, profs


def profile_report(profs, path, top=30):
    """The top functions (cumulative time) of each action, summed over its repeats, as text."""
    import io
    import pstats

    buf = io.StringIO()
    for action, files in profs.items():
        files = [str(f) for f in files if f.exists()]
        if not files:
            continue
        buf.write(f"\n\n===== {action} ({len(files)} script runs) =====\n")
        st_ = pstats.Stats(*files, stream=buf)
        st_.sort_stats("cumulative").print_stats(top)
    Path(path).write_text(buf.getvalue())


def actions_lines(out, la0, la1, repeat):
    med = statistics.median
    lines = ["# Where the other actions' server time goes", "",
             f"`bench/rerun_profile.py --actions --repeat {repeat}`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} "
             f"UTC, one process with one-thread numerics (as a class-server replica), 2 cores, load average "
             f"{la0[0]:.1f} before and {la1[0]:.1f} after. Each repeat on data no earlier one used (cold caches). "
             "Median of the repeats.", "",
             "| action | wall | server CPU | of it, the script thread | sent |", "|---|---|---|---|---|"]
    for a, rows in out.items():
        if not rows:
            continue
        thread = [r[2] for r in rows if r[2] is not None]
        lines.append(f"| {a} | {1000 * med(r[0] for r in rows):.0f} ms | {1000 * med(r[1] for r in rows):.0f} ms | "
                     + (f"{1000 * med(thread):.0f} ms" if thread else "-") + f" | {med(r[3] for r in rows) / 1e3:.0f} kB |")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--before", default=None, help="a checkout of the code before (e.g. a git worktree)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "load-rerun.md"))
    ap.add_argument("--actions", action="store_true", help="profile the load test's other actions instead")
    ap.add_argument("--cprofile", default=None, help="with --actions: profile every script run into this folder")
    args = ap.parse_args(argv)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    la0 = os.getloadavg()
    if args.actions:
        out, profs = actions_profile(ROOT, args.repeat, args.cprofile)
        lines = actions_lines(out, la0, os.getloadavg(), args.repeat)
        if args.cprofile:
            profile_report(profs, Path(args.cprofile) / "report.txt")
            lines += ["", f"Profiles: {Path(args.cprofile) / 'report.txt'}"]
        if args.out != ap.get_default("out"):
            Path(args.out).write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        return
    rows, elbow_bytes, clustering_bytes = in_process(args.repeat)
    now = over_protocol(ROOT, args.repeat)
    before = over_protocol(args.before, args.repeat) if args.before else None
    la1 = os.getloadavg()
    lines = [
        "# Where an Elbow rerun's time goes", "",
        f"`bench/rerun_profile.py`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, 2 cores, load average "
        f"{la0[0]:.1f} before and {la1[0]:.1f} after (the machine is shared: absolute times are inflated; "
        "the proportions are the point). Default data: 500 blobs, k = 1..10, 5 seeds, the silhouette panel.", "",
        "## The pieces, in one process (median)", "",
        "| piece | time |", "|---|---|",
        *[f"| {name} | {1000 * t:.2f} ms |" for name, t in rows],
        "", f"Chart specs: elbow {elbow_bytes / 1e3:.0f} kB, clustering {clustering_bytes / 1e3:.0f} kB of JSON.",
        "",
        "Building the figures was the biggest part of a rerun that changed nothing (Plotly validates "
        "every trace as it is added); `st.plotly_chart` then copies and serialises a Figure in a few "
        "ms, so passing dicts would save nothing (it would validate them again). So the figures are "
        "built once per distinct input and shared (`ck.elbow_chart`, `ck.clustering_chart`), a "
        "finished sweep is one lookup instead of 50, and the slider is a fragment. The elbow figure is "
        "also built from dicts and validated once (one `go.Figure` call instead of a validation per "
        "`add_trace` / `update_yaxes`).",
        "", "## Over the websocket, against a one-process server (median)", "",
        "| rerun | " + ("before: time | before: sent | " if before else "") + "now: time | now: sent |",
        "|---|" + ("---|---|" if before else "") + "---|---|",
    ]
    for label, t, kb in (("the page again, nothing changed", "unchanged_s", "unchanged_kb"),
                         ("move \"show the clustering for k\"", "moved_s", "moved_kb")):
        b = f"{1000 * before[t]:.0f} ms | {before[kb]:.0f} kB | " if before else ""
        lines.append(f"| {label} | {b}{1000 * now[t]:.0f} ms | {now[kb]:.0f} kB |")
    lines += ["", f"Now the slider's rerun ends with `{now['moved_status']}`: only the fragment ran and only "
              "its elements were sent." + (f" Before: `{before['moved_status']}` (the whole page)." if before else "")]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
