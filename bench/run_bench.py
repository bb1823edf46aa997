"""Run every benchmark case (bench/cases_*.py) in one process and write docs/benchmarks.md.

    .venv/bin/python bench/run_bench.py                 # everything, writes docs/benchmarks.md
    .venv/bin/python bench/run_bench.py --only plusplus # cases whose name contains the text
    .venv/bin/python bench/run_bench.py --quick         # at most 2 timed runs per measurement
    .venv/bin/python bench/run_bench.py --rounds 2      # the whole suite twice (noisy machine)
    OPENBLAS_CORETYPE=Sandybridge .venv/bin/python bench/run_bench.py --only cases_lloyd.fit_ --section sandybridge
                                                        # medians only, into their own marked section

Each cases module defines CASES, a list of zero-argument callables returning
bench.common.Result. Timings are medians on a small shared machine: treat
ratios near a target as ties. Partial or quick runs print the table but only
write the document when --output is given. ``--section NAME`` writes just the
medians, between ``<!-- NAME -->`` and ``<!-- /NAME -->`` in the document; a full
run keeps every such marked section (the browser benchmark writes one too).
"""

import argparse
import datetime
import importlib
import os
import pathlib
import platform
import re
import statistics
import sys
import time
import traceback

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

COLUMNS = ["case", "ours s", "sklearn s", "ratio", "target", "peak MiB ours/ref", "check"]


def discover():
    """(module name, case callable) for every bench/cases_*.py, in file-name order."""
    found = []
    for path in sorted((ROOT / "bench").glob("cases_*.py")):
        module = importlib.import_module(f"bench.{path.stem}")
        found.extend((path.stem, case) for case in getattr(module, "CASES", []))
    return found


def machine():
    """What the numbers were measured on."""
    info = {}
    try:
        cpuinfo = pathlib.Path("/proc/cpuinfo").read_text()
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
        info["CPU"] = models[0] if models else platform.processor() or "unknown"
    except OSError:
        info["CPU"] = platform.processor() or "unknown"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    info["cores"] = f"{os.cpu_count()} logical, {usable} usable by this process"
    try:
        mem = pathlib.Path("/proc/meminfo").read_text().splitlines()
        total_kib = int(next(line for line in mem if line.startswith("MemTotal")).split()[1])
        info["RAM"] = f"{total_kib / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        info["RAM"] = "unknown"
    import numpy
    import sklearn

    versions = [f"Python {platform.python_version()}", f"numpy {numpy.__version__}",
                f"scikit-learn {sklearn.__version__}"]
    try:
        import threadpoolctl

        versions.append(f"threadpoolctl {threadpoolctl.__version__}")
        blas = [f"{p['internal_api']} {p.get('version')} {p.get('architecture')} kernels ({p['num_threads']} threads)"
                for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        info["BLAS"] = "; ".join(dict.fromkeys(blas)) or "unknown"
    except ImportError:
        pass
    info["versions"] = ", ".join(versions)
    info["OS"] = platform.platform()
    return info


def row(result):
    speed = ""
    if result.limit is not None:
        speed = " ✓" if result.ratio <= result.limit else " ✗"
    peak = "n/a"
    if result.ours_peak_mib is not None and result.ref_peak_mib is not None:
        peak = f"{result.ours_peak_mib:.0f} / {result.ref_peak_mib:.0f}"
    elif result.ours_peak_mib is not None:
        peak = f"{result.ours_peak_mib:.0f} / -"
    return [result.case, f"{result.ours_s:.4f}", f"{result.ref_s:.4f}", f"{result.ratio:.2f}{speed}",
            result.target, peak, ("✓ " if result.ok else "✗ ") + result.check]


def markdown_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in r) + " |" for r in rows]
    return "\n".join(lines)


def median_table(ratios):
    """One line per case: the median ratio over the rounds (the figure to quote) and each round's."""
    lines = ["| case | median ratio | rounds | target |", "|---|---|---|---|"]
    for case, (values, target, limit) in ratios.items():
        med = statistics.median(values)
        mark = "" if limit is None else (" ✓" if med <= limit else " ✗")
        lines.append(f"| {case} | {med:.2f}{mark} | {', '.join(f'{v:.2f}' for v in values)} | {target} |")
    return "\n".join(lines)


def text_table(rows):
    widths = [max(len(COLUMNS[i]), *(len(r[i]) for r in rows)) for i in range(len(COLUMNS))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*COLUMNS), fmt.format(*("-" * w for w in widths))]
                     + [fmt.format(*r) for r in rows])


NOTES = """\
## How to read this

- Each case runs our code and scikit-learn's on the same data in this one process;
  times are medians of several runs (fewer with `--quick`) after a warm-up run.
  ratio = ours / scikit-learn (lower is better); ✓/✗ after it compares with the target.
- The machine is small (2 cores) and was shared with other work while this ran
  (load average below): timings are noisy, and a ratio within ~20% of its target is a tie.
- Both sides use both cores: scikit-learn through OpenMP, ours through two worker
  threads that take row blocks in turn, with BLAS pinned to one thread by
  threadpoolctl (without threadpoolctl the core runs on one thread).
- KMeans.fit cases: same data, same initial centres, tol=0, n_init=1 and a fixed
  max_iter on data that keeps moving, so both run the same number of iterations
  (checked, with label agreement and inertia). Ours runs with the default
  record="auto": full labels in `history_` up to 50,000 rows (the 10k case),
  centres and inertia only above that.
- converge cases: whole fits to convergence (tol=0, n_init=1, k random rows as the
  init; separated or overlapping blobs), ours with algorithm="auto" (the bounded E step
  of kmeans_core/hamerly.py above a small size) against the *faster* of scikit-learn's
  "lloyd" and "elkan" (both timed; no warm-up run, these take seconds). Labels must agree
  on every row and n_iter must be equal. CPU seconds are in the check column: on a loaded
  machine scikit-learn's OpenMP threads lose far more wall time than our two workers,
  so compare the CPU figures too.
- kmeans_plusplus: the check compares the mean potential (inertia of the chosen
  centres) over several seeds; the two libraries' random streams differ, so only
  the distribution can match, not the picks.
- peak MiB is what tracemalloc sees during one call. numpy buffers are traced;
  scikit-learn's C/Cython scratch buffers (malloc inside OpenMP loops) are not, so
  its figure is a lower bound.
"""


_MARKED = re.compile(r"<!-- ([\w-]+) -->.*?<!-- /\1 -->", re.S)


def marked_sections(path):
    """The ``<!-- name -->...<!-- /name -->`` blocks of an existing document, in order."""
    try:
        text = pathlib.Path(path).read_text()
    except OSError:
        return []
    return [m.group(0) for m in _MARKED.finditer(text)]


def write_section(path, name, body):
    """Replace (or append) the block marked ``name`` in the document at ``path``."""
    block = f"<!-- {name} -->\n{body.rstrip()}\n<!-- /{name} -->"
    try:
        text = pathlib.Path(path).read_text()
    except OSError:
        text = "# Benchmarks\n"
    pattern = re.compile(f"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    pathlib.Path(path).write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run only cases whose module or name contains this text")
    parser.add_argument("--quick", action="store_true", help="at most 2 timed runs per measurement")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the whole suite this many times (one table per round)")
    parser.add_argument("--output", default=None,
                        help="markdown file to write (default docs/benchmarks.md for a full run)")
    parser.add_argument("--section", default=None,
                        help="write only the medians, as this marked section of the document")
    args = parser.parse_args(argv)
    common.QUICK = args.quick

    cases = [(m, c) for m, c in discover() if args.only.lower() in f"{m}.{c.__name__}".lower()]
    if not cases:
        print(f"no case matches {args.only!r}", file=sys.stderr)
        return 2
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    rounds, failed = [], 0
    ratios = {}  # case title -> (ratios over rounds, target, limit)
    for r in range(args.rounds):
        rows = []
        for module, case in cases:
            t0 = time.perf_counter()
            print(f"[round {r + 1}/{args.rounds}] {module}.{case.__name__} ...", flush=True)
            try:
                result = case()
            except Exception:  # one broken case must not hide the others' results
                failed += 1
                traceback.print_exc()
                rows.append([f"{module}.{case.__name__}", "-", "-", "-", "-", "-", "✗ raised (see log)"])
                continue
            rows.append(row(result))
            kept = ratios.setdefault(result.case, ([], result.target, result.limit))
            kept[0].append(result.ratio)
            failed += not result.ok
            print(f"  {result.case}: ours {result.ours_s:.4f}s, sklearn {result.ref_s:.4f}s, "
                  f"ratio {result.ratio:.2f} ({time.perf_counter() - t0:.0f}s)", flush=True)
        rounds.append(rows)
        print()
        print(text_table(rows))
    load_after = os.getloadavg()

    output = args.output
    if output is None and ((not args.only and not args.quick) or args.section):
        output = str(ROOT / "docs" / "benchmarks.md")
    if output and args.section:
        info = machine()
        coretype = os.environ.get("OPENBLAS_CORETYPE", "(auto)")
        body = [f"## {args.only or 'All cases'}: OPENBLAS_CORETYPE={coretype}", "",
                f"`bench/run_bench.py --only {args.only} --rounds {args.rounds} --section {args.section}` on "
                f"{started:%Y-%m-%d %H:%M} UTC; BLAS: {info.get('BLAS', 'unknown')}; load average "
                f"{' / '.join(f'{x:.1f}' for x in load_before)} at start, "
                f"{' / '.join(f'{x:.1f}' for x in load_after)} at the end.", "",
                median_table(ratios), ""]
        for r, rows in enumerate(rounds):
            body += [f"Round {r + 1} of {len(rounds)}:", "", markdown_table(rows), ""]
        write_section(output, args.section, "\n".join(body))
        print(f"\nwrote section {args.section} of {output}")
    elif output:
        kept = marked_sections(output)
        info = machine()
        lines = ["# Benchmarks", "",
                 f"Generated by `bench/run_bench.py{' --quick' if args.quick else ''}"
                 f"{f' --rounds {args.rounds}' if args.rounds > 1 else ''}` (`make bench` runs three rounds) "
                 f"on {started:%Y-%m-%d %H:%M} UTC.", ""]
        lines += [f"- **{k}**: {v}" for k, v in info.items()]
        lines += [f"- **load average** (1/5/15 min): {' / '.join(f'{x:.1f}' for x in load_before)} at start, "
                  f"{' / '.join(f'{x:.1f}' for x in load_after)} at the end", ""]
        if len(rounds) > 1:
            lines += [f"## Medians over {len(rounds)} rounds", "", median_table(ratios), ""]
        for r, rows in enumerate(rounds):
            title = "## Results" if len(rounds) == 1 else f"## Results, round {r + 1} of {len(rounds)}"
            lines += [title, "", markdown_table(rows), ""]
        lines += [NOTES]
        lines += [block + "\n" for block in kept]
        pathlib.Path(output).parent.mkdir(parents=True, exist_ok=True)
        # Keep the sections other benchmarks write between their markers (bench/browser_bench.py).
        old = pathlib.Path(output).read_text() if pathlib.Path(output).exists() else ""
        kept = re.findall(r"<!-- (\w+) -->.*?<!-- /\1 -->", old, flags=re.S)
        for name in kept:
            block = re.search(rf"<!-- {name} -->.*?<!-- /{name} -->", old, flags=re.S).group(0)
            lines += ["", block]
        pathlib.Path(output).write_text("\n".join(lines) + "\n")
        print(f"\nwrote {output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
