"""Load test: many concurrent Streamlit sessions against one local `streamlit run`.

Each session is a real Streamlit websocket session speaking the app's own
protocol (``BackMsg`` / ``ForwardMsg`` protobufs over
``ws://127.0.0.1:PORT/_stcore/stream``), exactly as the browser's frontend
does: it sends ``rerun_script`` with widget states, the server runs the page
script and streams deltas back, ending with ``script_finished``. That is far
lighter on two cores than 30 headless browser tabs, and what it measures is the
server (the part a teacher's laptop has to carry), not React and Plotly.

Every session: loads data (a generated dataset from the shareable URL, or, for
odd-numbered sessions when the CSV uploader exists, an uploaded CSV through the
real upload endpoint), steps the Explorer, opens the Elbow page and changes k,
and repeats until the time is up. Then an interrupted-rerun case: one session
starts a slow run and changes a slider while it runs; another session's
interaction must complete in bounded time meanwhile; then the slow session
disconnects mid-run and we measure how soon the server's CPU goes idle.

    .venv/bin/python bench/load_test.py --sessions 30 --seconds 60

Results are printed and written to docs/load.md (``--out``). Only loopback
(127.0.0.1) is used, and every loop is bounded in count and time.
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import websocket  # noqa: E402  (websocket-client)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

# .streamlit/config.toml already sets headless, maxUploadSize = 50, runOnSave = false,
# showErrorDetails = "none", toolbarMode = "minimal" and no usage stats. On top of it, a
# class server should not watch the source files (no reruns when a file changes, less CPU).
CLASS_SERVER_ARGS = ["--server.headless", "true", "--server.fileWatcherType", "none"]
# The launcher `make run` uses when present (it fixes deep links on a fresh server).
LAUNCHER = ROOT / "scripts" / "serve.py"
HZ = os.sysconf("SC_CLK_TCK")
DATASETS = ["Blobs", "Two moons", "Circles", "Anisotropic blobs", "Unequal variances",
            "Uneven sizes", "Uniform noise"]
# The Explorer's stepping buttons (Assign / Update / Iteration, or Step / Next).
STEP_BUTTON = re.compile(r"^\s*(assign|update|iteration|step|next)\b", re.I)
FINISHED = {0: "ok", 1: "compile error", 2: "stopped for rerun", 3: "fragment ok"}


# ---------------------------------------------------------------- server ----------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on a free loopback port, with /proc readings of its process."""

    def __init__(self, extra_args=(), log_path=None, cwd=ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path or ROOT / "test-artifacts" / f"load-server-{self.port}.log")
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "w")
        launch = [sys.executable, str(LAUNCHER)] if LAUNCHER.exists() else [
            sys.executable, "-m", "streamlit", "run", "app.py"]
        args = [*launch, *CLASS_SERVER_ARGS,
                "--server.port", str(self.port), "--server.address", "127.0.0.1", *extra_args]
        self.proc = subprocess.Popen(args, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit did not start within 60 s")

    def status_kib(self, field_name):
        """A field of /proc/PID/status in KiB (VmRSS = resident now, VmHWM = peak resident)."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        return None

    def rss_mib(self):
        return self.status_kib("VmRSS") / 1024

    def peak_rss_mib(self):
        return self.status_kib("VmHWM") / 1024

    def cpu_seconds(self):
        """User + system CPU time of the server process so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ

    def cpu_share(self, window=0.5):
        """The server's CPU use over the next ``window`` seconds (1.0 = one core busy)."""
        c0, t0 = self.cpu_seconds(), time.monotonic()
        time.sleep(window)
        return (self.cpu_seconds() - c0) / (time.monotonic() - t0)

    def log_text(self):
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


# --------------------------------------------------------------- session ----------

@dataclass
class RunResult:
    """What one script run sent back."""

    seconds: float
    status: str  # "ok", "stopped for rerun", "compile error", "timeout", "disconnected"
    elements: list = field(default_factory=list)  # (kind, proto) in arrival order
    exceptions: list = field(default_factory=list)  # st.exception / uncaught error messages
    errors: list = field(default_factory=list)  # st.error bodies
    stopped_after: float | None = None  # when an earlier run reported "stopped for rerun"

    @property
    def ok(self):
        return self.status == "ok" and not self.exceptions

    def texts(self):
        """Every markdown/heading/caption/text/alert body, metric value and label shown."""
        out = []
        for kind, el in self.elements:
            for attr in ("body", "label", "value", "title"):
                v = getattr(el, attr, None)
                if isinstance(v, str) and v:
                    out.append(v)
            if kind == "metric":
                out.append(el.body)
        return out


class ProtocolError(RuntimeError):
    pass


class Session:
    """One browser-equivalent Streamlit session over the websocket protocol."""

    def __init__(self, base_url, query_string="", timeout=120):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.query_string = query_string
        self.states = {}  # widget id -> WidgetState we send on every rerun
        self.widgets = {}  # label and key -> (kind, proto) of the last run
        self.pages = {}  # page title / url path -> page_script_hash
        self.page_hash = ""
        self.session_id = None
        self.last = None
        self._file_urls = {}
        self._pending = 0  # runs sent with stop_after whose script_finished is still to come
        self.trace = None  # set to a list to record (time, message kind, detail) of every ForwardMsg
        # The XSRF cookie the frontend gets from /_stcore/health; uploads must echo it.
        req = urllib.request.Request(self.base + "/_stcore/health")
        with urllib.request.urlopen(req, timeout=10) as r:
            cookies = r.headers.get_all("Set-Cookie") or []
        self.xsrf = None
        for c in cookies:
            m = re.match(r"_streamlit_xsrf=([^;]*)", c)
            if m:
                self.xsrf = m.group(1)
        ws_url = "ws" + self.base[4:] + "/_stcore/stream"
        protocols = ["streamlit"] + ([self.xsrf] if self.xsrf else [])
        cookie = f"_streamlit_xsrf={self.xsrf}" if self.xsrf else None
        self.ws = websocket.create_connection(ws_url, subprotocols=protocols, cookie=cookie, timeout=timeout)

    # -- protocol --------------------------------------------------------------
    def _send(self, back):
        self.ws.send_binary(back.SerializeToString())

    def _recv(self, deadline):
        self.ws.settimeout(max(0.05, deadline - time.monotonic()))
        data = self.ws.recv()
        if isinstance(data, str):
            raise ProtocolError("text frame from server")
        msg = ForwardMsg()
        msg.ParseFromString(data)
        return msg

    def _handle_meta(self, msg):
        kind = msg.WhichOneof("type")
        if self.trace is not None:
            detail = msg.script_finished if kind == "script_finished" else (
                msg.session_status_changed.script_is_running if kind == "session_status_changed" else "")
            self.trace.append((round(time.monotonic(), 2), kind, detail))
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
        elif kind == "navigation":
            for p in msg.navigation.app_pages:
                self.pages[p.page_name] = p.page_script_hash
                self.pages[p.url_pathname or ""] = p.page_script_hash
            if msg.navigation.page_script_hash:
                self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "file_urls_response":
            self._file_urls[msg.file_urls_response.response_id] = msg.file_urls_response
        return kind

    def rerun(self, page_hash=None, page_name="", stop_after=None):
        """Send rerun_script with the current widget states; collect until script_finished.

        stop_after: return as soon as that many seconds passed (the run keeps going
        on the server) with status "sent" - used to interrupt a run.
        """
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.page_name = page_name
        for st in self.states.values():
            cs.widget_states.widgets.append(st)
        t0 = time.monotonic()
        self._send(back)
        # Buttons fire once: the frontend sends a trigger on one rerun only.
        self.states = {k: v for k, v in self.states.items() if v.WhichOneof("value") != "trigger_value"}
        if stop_after is not None:
            self._pending += 1
            return RunResult(stop_after, "sent")
        return self.collect(t0)

    def collect(self, t0=None):
        """Read messages until the current run finishes (or the timeout).

        Every run starts with a ``new_session`` message and normally ends with
        ``script_finished``. A run interrupted by a newer rerun request (fast
        reruns) sends no ``script_finished``: the server just reports
        ``script_is_running=False`` and starts the new run. So while an earlier
        run we did not wait for is pending, a ``script_finished`` or a
        not-running status before the next ``new_session`` belongs to that
        earlier run; the first ``script_finished`` after it is ours.
        """
        t0 = time.monotonic() if t0 is None else t0
        deadline = t0 + self.timeout
        res = RunResult(0.0, "timeout")
        widgets = {}
        # Runs sent with stop_after were never read: each starts with a new_session we have
        # not seen yet (the bench leaves them >= 1 s to start). Ours starts after them.
        earlier = self._pending
        mine = earlier == 0
        self._pending = 0
        try:
            while time.monotonic() < deadline:
                msg = self._recv(deadline)
                kind = self._handle_meta(msg)
                if not mine:
                    if kind == "new_session":
                        if earlier:
                            earlier -= 1  # an earlier run started
                        else:  # our run starts: the earlier one has ended or been stopped
                            mine = True
                            res.stopped_after = time.monotonic() - t0
                    continue
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    el = msg.delta.new_element
                    ek = el.WhichOneof("type")
                    proto = getattr(el, ek)
                    res.elements.append((ek, proto))
                    if ek == "exception":
                        res.exceptions.append(f"{proto.type}: {proto.message}")
                    elif ek == "alert" and proto.format == 1:
                        res.errors.append(proto.body)
                    wid = getattr(proto, "id", "")
                    if isinstance(wid, str) and wid.startswith("$$ID"):
                        label = getattr(proto, "label", "")
                        widgets[label] = (ek, proto)
                        widgets["key:" + wid.rsplit("-", 1)[-1]] = (ek, proto)
                elif kind == "new_session" and res.elements:
                    # a newer run replaced the one we were reading (e.g. a rerun the app asked for)
                    widgets, res.elements, res.exceptions, res.errors = {}, [], [], []
                elif kind == "script_finished":
                    status = FINISHED.get(msg.script_finished, str(msg.script_finished))
                    res.status = status
                    if status == "stopped for rerun":  # a newer run follows: read on
                        if res.stopped_after is None:
                            res.stopped_after = time.monotonic() - t0
                        widgets, res.elements, res.exceptions, res.errors = {}, [], [], []
                        continue
                    break
        except websocket.WebSocketTimeoutException:
            res.status = "timeout"
        except (websocket.WebSocketException, OSError, ProtocolError) as e:
            res.status = f"disconnected ({type(e).__name__})"
        res.seconds = time.monotonic() - t0
        if widgets:
            self.widgets = widgets
        self.last = res
        return res

    # -- user actions ----------------------------------------------------------
    def start(self, page_name=""):
        """The first run, as when a browser opens the URL (query string and page path)."""
        return self.rerun(page_hash="", page_name=page_name)

    def find(self, label_or_key):
        w = self.widgets.get(label_or_key) or self.widgets.get("key:" + label_or_key)
        if w is None:
            raise KeyError(f"no widget {label_or_key!r} on screen; have "
                           f"{sorted(k for k in self.widgets if not k.startswith('key:'))}")
        return w

    def has(self, label_or_key):
        return label_or_key in self.widgets or ("key:" + label_or_key) in self.widgets

    def buttons(self, pattern=STEP_BUTTON):
        return [lbl for lbl, (k, p) in self.widgets.items()
                if k == "button" and not lbl.startswith("key:") and pattern.search(lbl) and not p.disabled]

    def stage(self, label_or_key, value):
        """Change a widget's value for the next rerun (several changes can go in one)."""
        kind, proto = self.find(label_or_key)
        ws = WidgetState(id=proto.id)
        if kind == "slider":
            ws.double_array_value.data.extend(value if isinstance(value, list | tuple) else [value])
        elif kind == "number_input":
            ws.double_value = float(value)
        elif kind in ("selectbox", "radio"):
            ws.string_value = str(value)
        elif kind in ("checkbox",):
            ws.bool_value = bool(value)
        elif kind in ("multiselect", "button_group"):
            ws.string_array_value.data.extend([str(v) for v in value])
        elif kind == "text_input" or kind == "text_area":
            ws.string_value = str(value)
        else:
            raise ValueError(f"don't know how to set a {kind}")
        self.states[proto.id] = ws
        qkey = getattr(proto, "query_param_key", "")
        if qkey:  # the frontend keeps bound widgets' values in the URL itself
            q = [(k, v) for k, v in urllib.parse.parse_qsl(self.query_string) if k != qkey]
            shown = value if kind != "slider" or isinstance(value, float | list | tuple) else int(value)
            if kind == "number_input" and float(value).is_integer() and "%d" in proto.format:
                shown = int(value)
            self.query_string = urllib.parse.urlencode(q + [(qkey, str(shown))])

    def set(self, label_or_key, value, stop_after=None):
        """Change a widget like a user does: the frontend reruns the script at once."""
        self.stage(label_or_key, value)
        return self.rerun(stop_after=stop_after)

    def click(self, label_or_key):
        kind, proto = self.find(label_or_key)
        self.states[proto.id] = WidgetState(id=proto.id, trigger_value=True)
        return self.rerun()

    def goto(self, page):
        """Switch page like a click in the navigation (page title or url path)."""
        if page not in self.pages:
            raise KeyError(f"no page {page!r}; have {sorted(self.pages)}")
        self.page_hash = self.pages[page]
        return self.rerun()

    def upload(self, label_or_key, filename, data, mime="text/csv"):
        """Upload through the real endpoint (PUT /_stcore/upload_file/...) and rerun."""
        kind, proto = self.find(label_or_key)
        if kind != "file_uploader":
            raise ValueError(f"{label_or_key!r} is a {kind}")
        rid = str(uuid.uuid4())
        back = BackMsg()
        back.file_urls_request.request_id = rid
        back.file_urls_request.file_names.append(filename)
        back.file_urls_request.session_id = self.session_id or ""
        self._send(back)
        deadline = time.monotonic() + self.timeout
        while rid not in self._file_urls and time.monotonic() < deadline:
            self._handle_meta(self._recv(deadline))
        resp = self._file_urls.pop(rid)
        if resp.error_msg:
            raise ProtocolError(resp.error_msg)
        urls = resp.file_urls[0]
        boundary = uuid.uuid4().hex
        safe_name = filename.replace('"', "%22").replace("\r", "").replace("\n", "")
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
                f"Content-Type: {mime}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if self.xsrf:
            headers |= {"X-Xsrftoken": self.xsrf, "Cookie": f"_streamlit_xsrf={self.xsrf}"}
        req = urllib.request.Request(self.base + urls.upload_url, data=body, method="PUT", headers=headers)
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            if r.status not in (200, 204):
                raise ProtocolError(f"upload returned {r.status}")
        ws = WidgetState(id=proto.id)
        info = ws.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = filename, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        self.states[proto.id] = ws
        return self.rerun()

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing a dead socket is fine
            pass


# --------------------------------------------------------------- workload ---------

def small_csv(seed, rows=300):
    """A small numeric CSV with 3 clear groups."""
    rng = random.Random(seed)
    lines = ["height,weight,age"]
    for i in range(rows):
        c = i % 3
        lines.append(f"{150 + 15 * c + rng.gauss(0, 3):.2f},{50 + 12 * c + rng.gauss(0, 4):.2f},"
                     f"{20 + 10 * c + rng.gauss(0, 2):.1f}")
    return ("\n".join(lines) + "\n").encode()


def find_uploader(sess):
    for lbl, (k, _p) in sess.widgets.items():
        if k == "file_uploader" and not lbl.startswith("key:"):
            return lbl
    return None


@dataclass
class SessionStats:
    idx: int
    cycles: int = 0
    times: dict = field(default_factory=dict)  # action -> [seconds]
    failures: list = field(default_factory=list)
    uploaded: bool = False
    pause: tuple = (0.0, 0.0)  # seconds a user waits after each result before the next click

    def record(self, action, res):
        self.times.setdefault(action, []).append(res.seconds)
        if not res.ok:
            self.failures.append(f"{action}: {res.status} {res.exceptions[:1]}")
        elif res.errors:
            self.failures.append(f"{action}: st.error {res.errors[:1]}")
        if self.pause[1] > 0:
            time.sleep(random.uniform(*self.pause))


def load_data(sess, stats, rng):
    """Generated data via the URL-bound sidebar, or (odd sessions) a CSV upload."""
    if stats.idx % 2 == 1 and sess.has("Dataset"):
        kind, proto = sess.find("Dataset")
        csv_label = next((o for o in proto.options if "csv" in o.lower()), None)
        if csv_label:
            res = sess.set("Dataset", csv_label)
            stats.record("choose CSV", res)
            up = find_uploader(sess)
            if up:
                res = sess.upload(up, f"class-{stats.idx}.csv", small_csv(stats.idx))
                stats.record("upload CSV", res)
                stats.uploaded = True
                return
    res = sess.set("Dataset", rng.choice(DATASETS))
    stats.record("choose dataset", res)
    if sess.has("Points"):
        stats.record("set points", sess.set("Points", rng.choice([200, 500, 1000])))


def one_cycle(sess, stats, rng, steps=4):
    load_data(sess, stats, rng)
    stats.record("go Explorer", sess.goto("Explorer"))
    stats.record("set seed", sess.set("Seed", rng.randrange(0, 100)))
    for _ in range(steps):
        btns = sess.buttons()
        if not btns:  # placeholder page: changing k is the interaction
            stats.record("explorer k", sess.set("k (clusters)", rng.randrange(2, 8)))
            continue
        stats.record("explorer step", sess.click(btns[0]))  # the next half-step
    stats.record("go Elbow", sess.goto("Elbow"))
    stats.record("elbow k", sess.set("k (clusters)", rng.randrange(2, 8)))
    stats.cycles += 1


def run_session(base, idx, until, out, think=(0.2, 0.8), pause=(0.0, 0.0)):
    stats = SessionStats(idx, pause=tuple(pause))
    rng = random.Random(idx)
    out[idx] = stats
    sess = None
    try:
        qs = f"dataset={DATASETS[idx % len(DATASETS)].replace(' ', '+')}&k={3 + idx % 4}&seed={idx}"
        sess = Session(base, qs)
        stats.record("open", sess.start())
        while True:  # at least one full cycle, then until the time is up
            one_cycle(sess, stats, rng)
            if time.monotonic() >= until:
                break
            time.sleep(rng.uniform(*think))
    except Exception as e:  # noqa: BLE001 - a failed session is a counted error, not a crash
        stats.failures.append(f"{type(e).__name__}: {e}")
    finally:
        if sess:
            sess.close()


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def run_load(server, sessions, seconds, ramp=3.0, think=(0.2, 0.8), pause=(0.0, 0.0)):
    """``sessions`` concurrent sessions for ``seconds``; returns a summary dict."""
    out = {}
    threads = []
    t_start = time.monotonic()
    until = t_start + seconds
    for i in range(sessions):
        th = threading.Thread(target=run_session, args=(server.url, i, until, out, think, pause), daemon=True)
        th.start()
        threads.append(th)
        time.sleep(ramp / max(1, sessions))
    cpu = []
    while any(t.is_alive() for t in threads) and time.monotonic() < until + 180:
        cpu.append(server.cpu_share(1.0))
    for t in threads:
        t.join(timeout=max(0.1, until + 200 - time.monotonic()))
    hung = sum(t.is_alive() for t in threads)
    all_times = [x for s in out.values() for v in s.times.values() for x in v]
    by_action = {}
    for s in out.values():
        for a, v in s.times.items():
            by_action.setdefault(a, []).extend(v)
    failures = [f"session {s.idx}: {f}" for s in out.values() for f in s.failures]
    return {
        "sessions": sessions,
        "seconds": seconds,
        "wall_s": time.monotonic() - t_start,
        "served": sum(1 for s in out.values() if s.cycles > 0 and not s.failures),
        "cycles": sum(s.cycles for s in out.values()),
        "uploads": sum(s.uploaded for s in out.values()),
        "interactions": len(all_times),
        "errors": len(failures) + hung,
        "failures": failures[:20],
        "hung_threads": hung,
        "p50_s": percentile(all_times, 50),
        "p95_s": percentile(all_times, 95),
        "max_s": max(all_times) if all_times else float("nan"),
        "by_action": {a: (len(v), percentile(v, 50), percentile(v, 95)) for a, v in sorted(by_action.items())},
        "server_cpu_mean": statistics.fmean(cpu) if cpu else float("nan"),
    }


# ---------------------------------------------------------- interrupted rerun -----

def slow_setup(sess):
    """The biggest generated set (5000 points, 10 centres) on the Elbow page.

    Returns the widget values that make the next Elbow run slow: the widest
    sweep (k = 1..20, 20 seeds per k: 400 fits of 5000 points).
    """
    sess.set("Dataset", "Blobs")
    if sess.has("Points"):
        sess.set("Points", 5000)
    if sess.has("Centres"):
        sess.set("Centres", 10)
    return sess.goto("Elbow")


def start_slow_run(sess, seed):
    """Send a rerun that starts a fresh (uncached) wide sweep; do not wait for it."""
    sess.stage("Seed", seed)
    if sess.has("Seeds per k"):
        sess.stage("Seeds per k", sess.find("Seeds per k")[1].max)
    if sess.has("Range of k"):
        proto = sess.find("Range of k")[1]
        sess.stage("Range of k", [proto.min, proto.max])
    return sess.rerun(stop_after=0)


def wait_idle_cpu(server, threshold=0.15, limit=60.0, window=0.5):
    """Seconds until the server's CPU share falls under ``threshold`` (or None)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if server.cpu_share(window) < threshold:
            return time.monotonic() - t0
    return None


def interrupted_rerun(server, seed_base=5000):
    """A slider change while a long run is going, plus a disconnect mid-run.

    1. Session A starts a wide, uncached Elbow sweep; 1 s in, it narrows "Range of k"
       to 1..3 (a slider change). Measured: how soon the abandoned run reports that it
       stopped, and how long until the new run's result is there.
    2. While A's slow run goes, session B opens the app and changes its seed: its
       times show whether the server stays responsive.
    3. A starts another uncached wide sweep and closes its socket 1 s in. Measured:
       how long the server's CPU stays busy afterwards (the abandoned work).
    """
    report = {}
    slow = Session(server.url, "dataset=Blobs", timeout=180)
    slow.start()
    slow_setup(slow)
    wait_idle_cpu(server, limit=20)
    t_start = time.monotonic()
    start_slow_run(slow, seed_base)
    time.sleep(1.0)
    other = Session(server.url, "dataset=Circles&k=3", timeout=120)
    first = other.start()
    res_other = other.set("Seed", 7)
    report["other_open_s"] = first.seconds
    report["other_interaction_s"] = res_other.seconds
    report["other_ok"] = first.ok and res_other.ok
    other.close()
    t_change = time.monotonic()
    report["slow_run_age_at_change_s"] = t_change - t_start
    if slow.has("Range of k"):
        res = slow.set("Range of k", [1, 3])
    else:
        res = slow.set("k (clusters)", 3)
    report["stop_after_change_s"] = res.stopped_after
    report["rerun_after_change_s"] = res.seconds
    report["rerun_after_change_status"] = res.status
    report["rerun_ok"] = res.ok
    # Abandon: another fresh wide sweep, socket closed 1 s in.
    wait_idle_cpu(server, limit=30)
    start_slow_run(slow, seed_base + 100)
    time.sleep(1.0)
    slow.close()
    t_close = time.monotonic()
    idle = wait_idle_cpu(server, threshold=0.15, limit=90)
    report["idle_after_disconnect_s"] = idle
    report["busy_wall_after_disconnect_s"] = time.monotonic() - t_close
    return report


# ------------------------------------------------------------------- report -------

def render_markdown(cfg, rss, load, intr, memory_note=""):
    lines = [
        "# Load test results",
        "",
        f"Measured with `bench/load_test.py --sessions {cfg['sessions']} --seconds {cfg['seconds']} "
        f"--think {cfg['think'][0]} {cfg['think'][1]} --pause {cfg['pause'][0]} {cfg['pause'][1]}` "
        f"on {os.cpu_count()} cores ({time.strftime('%Y-%m-%d %H:%M')}). The client runs on the same "
        "machine as the server, so the figures are pessimistic.",
        "",
        "Each session is a real Streamlit websocket session (the frontend's protocol): it opens the "
        "app from a shareable URL, loads data (a generated dataset, or for odd sessions an uploaded "
        "CSV when the uploader exists), steps the Explorer, opens the Elbow page and changes k, "
        f"then repeats until the time is up, with {cfg['think'][0]}-{cfg['think'][1]} s of think time "
        f"between cycles and {cfg['pause'][0]}-{cfg['pause'][1]} s after each result.",
        "",
        "Server: `" + ("python scripts/serve.py " if LAUNCHER.exists() else "streamlit run app.py ")
        + " ".join(CLASS_SERVER_ARGS) + "` with the repository's `.streamlit/config.toml`.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| concurrent sessions | {load['sessions']} |",
        f"| sessions served without an error | {load['served']} |",
        f"| full cycles completed | {load['cycles']} |",
        f"| CSV uploads | {load['uploads']} |",
        f"| interactions (script runs) | {load['interactions']} |",
        f"| errors | {load['errors']} |",
        f"| p50 time per interaction | {load['p50_s']:.3f} s |",
        f"| p95 time per interaction | {load['p95_s']:.3f} s |",
        f"| slowest interaction | {load['max_s']:.3f} s |",
        f"| server CPU while loaded (1.0 = one core) | {load['server_cpu_mean']:.2f} |",
        f"| server RSS before | {rss['before']:.0f} MiB |",
        f"| server RSS after the load | {rss['after']:.0f} MiB |",
        f"| server RSS after sessions closed (+{rss['settle_s']:.0f} s) | {rss['settled']:.0f} MiB |",
        f"| server peak RSS | {rss['peak']:.0f} MiB |",
        "",
        "Per action (count, p50 s, p95 s):",
        "",
        "| action | count | p50 | p95 |",
        "|---|---|---|---|",
    ]
    for a, (n, p50, p95) in load["by_action"].items():
        lines.append(f"| {a} | {n} | {p50:.3f} | {p95:.3f} |")
    if load["failures"]:
        lines += ["", "First failures:", ""] + [f"- `{f}`" for f in load["failures"]]
    if intr:
        lines += [
            "",
            "## Interrupted rerun",
            "",
            "One session on the Elbow page with the largest generated set (5000 points, 10 centres) "
            "starts the widest uncached sweep (k = 1..20, 20 seeds per k: 400 fits); while it runs, "
            "another session opens the app and changes its seed; then the slow session narrows the "
            "'Range of k' slider (the run is interrupted). Then it starts another uncached wide sweep "
            "and closes its socket 1 s in.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| other session: open the app during the slow run | {intr['other_open_s']:.2f} s |",
            f"| other session: one interaction during the slow run | {intr['other_interaction_s']:.2f} s |",
            f"| other session ok | {intr['other_ok']} |",
            f"| age of the slow run when the slider changed | {intr['slow_run_age_at_change_s']:.1f} s |",
            "| slider change -> the abandoned run reports it stopped | "
            + ("not seen" if intr["stop_after_change_s"] is None else f"{intr['stop_after_change_s']:.2f} s")
            + " |",
            f"| slider change -> the new result is shown | {intr['rerun_after_change_s']:.2f} s "
            f"({intr['rerun_after_change_status']}, ok={intr['rerun_ok']}) |",
            "| server CPU idle (< 15% of a core) after the slow session disconnected | "
            + ("never within 90 s" if intr["idle_after_disconnect_s"] is None
               else f"{intr['idle_after_disconnect_s']:.1f} s") + " |",
            "",
            "Streamlit stops an abandoned run at its next `st.*` call; a numpy fit that is "
            "already inside the core runs to the end of that call, so CPU stays busy for at "
            "most one fit after the change or disconnect.",
        ]
    if memory_note:
        lines += ["", memory_note]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--out", default=str(ROOT / "docs" / "load.md"))
    ap.add_argument("--no-interrupt", action="store_true", help="skip the interrupted-rerun case")
    ap.add_argument("--settle", type=float, default=10.0, help="seconds to wait after closing sessions")
    ap.add_argument("--json", default=None, help="also write the raw figures as JSON here")
    ap.add_argument("--think", type=float, nargs=2, default=(0.2, 0.8), metavar=("LO", "HI"),
                    help="seconds between cycles (default: a stress profile, far busier than a class)")
    ap.add_argument("--pause", type=float, nargs=2, default=(0.0, 0.0), metavar=("LO", "HI"),
                    help="seconds a user looks at each result before the next click (class-like: 1 4)")
    args = ap.parse_args(argv)
    if not (1 <= args.sessions <= 200 and 1 <= args.seconds <= 1800):
        ap.error("--sessions must be 1..200 and --seconds 1..1800")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the server
    server = Server()
    try:
        # warm up: one session imports everything and fills the generated-data cache
        warm = Session(server.url)
        warm.start()
        warm.goto("Elbow")
        warm.close()
        time.sleep(1.0)
        rss = {"before": server.rss_mib()}
        print(f"server pid {server.pid} on {server.url}; RSS before {rss['before']:.0f} MiB", flush=True)
        load = run_load(server, args.sessions, args.seconds, think=args.think, pause=args.pause)
        rss["after"] = server.rss_mib()
        time.sleep(args.settle)
        rss["settled"], rss["settle_s"] = server.rss_mib(), args.settle
        rss["peak"] = server.peak_rss_mib()
        print(json.dumps({k: v for k, v in load.items() if k != "by_action"}, indent=1, default=str))
        intr = None if args.no_interrupt else interrupted_rerun(server)
        if intr:
            print(json.dumps(intr, indent=1))
        md = render_markdown(vars(args), rss, load, intr)
        Path(args.out).parent.mkdir(exist_ok=True)
        Path(args.out).write_text(md)
        if args.json:
            Path(args.json).write_text(json.dumps({"rss": rss, "load": load, "interrupt": intr},
                                                  indent=1, default=str))
        print(md)
        tracebacks = server.log_text().count("Traceback")
        if tracebacks:
            print(f"WARNING: {tracebacks} tracebacks in {server.log_path}")
        ok = load["errors"] == 0 and (intr is None or (intr["other_ok"] and intr["rerun_ok"]))
        return 0 if ok else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
