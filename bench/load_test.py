"""Load test: many concurrent Streamlit sessions against the app (one process or the class server).

Each session is a real Streamlit websocket session speaking the app's own
protocol (``BackMsg`` / ``ForwardMsg`` protobufs over
``ws://127.0.0.1:PORT/_stcore/stream``), exactly as the browser's frontend
does: it sends ``rerun_script`` with widget states, the server runs the page
script and streams deltas back, ending with ``script_finished``. That is far
lighter on two cores than 30 headless browser tabs, and what it measures is the
server (the part a teacher's laptop has to carry), not React and Plotly.

Every session: loads data (a generated dataset from the shareable URL, or, for
half the sessions when the CSV uploader exists, an uploaded CSV through the
real upload endpoint), opens the Explorer and changes its seed, opens the Elbow
page, changes k and moves the page's "show the clustering for k" slider (a
fragment rerun, as the browser sends it), and repeats until the time is up.
Then an interrupted-rerun case: one session starts a slow run and changes a
slider while it runs; another session's interaction must complete in bounded
time meanwhile; then the slow session disconnects mid-run and we measure how
soon the server's CPU goes idle.

Each session keeps its cookies like a browser: the XSRF cookie an upload must
echo, and the class server's affinity cookie, so its upload (an HTTP PUT)
reaches the replica its websocket talks to.

    .venv/bin/python bench/load_test.py --sessions 30 --seconds 60   # its own one-process server
    .venv/bin/python bench/load_test.py --class-server 2              # its own class server (HAProxy)
    .venv/bin/python bench/load_test.py --url http://127.0.0.1:8501   # a server already running
    .venv/bin/python bench/load_test.py --suite                       # what `make loadtest` runs

``--kill-at S`` kills one replica S seconds in (the fault case; its students
reload), ``--shared`` puts every session on the teacher's one link.
``--suite`` starts the class server (one replica per core) and writes
docs/load-class.md (class pace, the shared link, the fault case) and
docs/load.md (stress pace, the interrupted rerun), next to the figures from
before the class server (bench/load_before.json). Only loopback (127.0.0.1)
is used, and every loop is bounded in count and time.
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
from collections.abc import Iterable
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
CLASS_LAUNCHER = ROOT / "scripts" / "class_server.py"
BEFORE = ROOT / "bench" / "load_before.json"
REPLICA_HEADER = "X-Kmeans-Replica"
HZ = os.sysconf("SC_CLK_TCK")
DATASETS = ["Blobs", "Two moons", "Circles", "Anisotropic blobs", "Unequal variances",
            "Uneven sizes", "Uniform noise"]
# The Explorer's stepping buttons (Assign / Update / Iteration, or Step / Next).
STEP_BUTTON = re.compile(r"^\s*(assign|update|iteration|step|next)\b", re.I)
FINISHED = {0: "ok", 1: "compile error", 2: "stopped for rerun", 3: "fragment ok"}
OK_STATUS = ("ok", "fragment ok")
MAX_CACHED_MESSAGE_AGE = 2  # Streamlit's global.maxCachedMessageAge (the browser's cache uses it)


# ---------------------------------------------------------------- server ----------

def machine_busy_seconds():
    """CPU seconds the whole machine has been busy (all cores, /proc/stat: everything but idle and iowait)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    return (sum(fields[:8]) - fields[3] - fields[4]) / HZ


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_status_kib(pid, field_name):
    """A field of /proc/PID/status in KiB (VmRSS = resident now, VmHWM = peak resident), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _proc_cpu_seconds(pid):
    """User + system CPU time of a process so far, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / HZ


class Meter:
    """/proc readings of the server processes (one, or every replica of the class server)."""

    url = ""

    def pids(self):
        """[(name, pid)] of the app processes now running."""
        return []

    def rss_by_replica(self, field_name="VmRSS"):
        out = {}
        for name, pid in self.pids():
            kib = _proc_status_kib(pid, field_name)
            if kib is not None:
                out[name] = kib / 1024
        return out

    def rss_mib(self):
        """Resident memory of all app processes together (MiB)."""
        return sum(self.rss_by_replica().values()) if self.pids() else float("nan")

    def peak_rss_mib(self):
        return sum(self.rss_by_replica("VmHWM").values()) if self.pids() else float("nan")

    def cpu_seconds(self):
        return sum(c for _, pid in self.pids() if (c := _proc_cpu_seconds(pid)) is not None)

    def cpu_share(self, window=0.5):
        """The servers' CPU use over the next ``window`` seconds (1.0 = one core busy); a process
        that exits or starts meanwhile counts for the part it was seen at both ends (none)."""
        pids = [pid for _, pid in self.pids()]
        if not pids:
            time.sleep(window)
            return float("nan")
        c0, t0 = {p: _proc_cpu_seconds(p) for p in pids}, time.monotonic()
        time.sleep(window)
        c1 = {p: _proc_cpu_seconds(p) for p in pids}
        busy = sum(c1[p] - c0[p] for p in pids if c0[p] is not None and c1[p] is not None)
        return busy / (time.monotonic() - t0)

    def log_text(self):
        return ""

    def stop(self):
        pass


def _wait_health(url, proc=None, log_path=None, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early; see {log_path}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer /_stcore/health within {limit} s")


class Server(Meter):
    """`streamlit run app.py` (scripts/serve.py) on a free loopback port: one process."""

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
        try:
            _wait_health(self.url, self.proc, self.log_path)
        except RuntimeError:
            self.stop()
            raise

    def pids(self):
        return [("server", self.pid)] if self.proc.poll() is None else []

    def status_kib(self, field_name):
        return _proc_status_kib(self.pid, field_name)

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


class RunningServer(Meter):
    """A server that is already running (``--url``); with ``state_file`` (written by
    scripts/class_server.py --state-file) its replicas are measured and can be killed."""

    def __init__(self, url, state_file=None):
        self.url = url.rstrip("/")
        self.state_file = Path(state_file) if state_file else None
        _wait_health(self.url, limit=10)

    def state(self):
        if not self.state_file:
            return {}
        for _ in range(20):  # the launcher replaces the file atomically; it may be mid-restart
            try:
                return json.loads(self.state_file.read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
        return {}

    def pids(self):
        return [(r["name"], r["pid"]) for r in self.state().get("replicas", [])
                if _proc_cpu_seconds(r["pid"]) is not None]

    def restarts(self):
        return {r["name"]: r.get("restarts", 0) for r in self.state().get("replicas", [])}

    def kill_replica(self, name):
        """SIGKILL one replica (the fault case): as if its process crashed."""
        pid = dict(self.pids())[name]
        os.kill(pid, signal.SIGKILL)
        return pid

    def log_text(self):
        log_dir = self.state().get("log_dir")
        if not log_dir:
            return ""
        return "\n".join(p.read_text(errors="replace") for p in sorted(Path(log_dir).glob("r*.log")))


class ClassServer(RunningServer):
    """scripts/class_server.py (REPLICAS app processes behind HAProxy) on a free loopback port."""

    def __init__(self, replicas=None, log_dir=None):
        self.port = free_port()
        self.log_dir = Path(log_dir or ROOT / "test-artifacts" / f"class-server-{self.port}")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        state_file = self.log_dir / "state.json"
        self._log = open(self.log_dir / "launcher.log", "w")
        cmd = [sys.executable, str(CLASS_LAUNCHER), "--port", str(self.port), "--address", "127.0.0.1",
               "--log-dir", str(self.log_dir), "--state-file", str(state_file),
               "--server.fileWatcherType", "none"]
        if replicas:
            cmd += ["--replicas", str(replicas)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not state_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the class server did not start; see {self.log_dir / 'launcher.log'}")
            time.sleep(0.3)
        super().__init__(f"http://127.0.0.1:{self.port}", state_file)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # the launcher stops HAProxy and every replica
            try:
                self.proc.wait(30)
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
        return self.status in OK_STATUS and not self.exceptions

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

    def __init__(self, base_url, query_string="", timeout=120, cookies=None):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.query_string = query_string
        self.states = {}  # widget id -> WidgetState we send on every rerun
        self.widgets = {}  # label and key -> (kind, proto) of the last run
        self.pages = {}  # page title / url path -> page_script_hash
        self.url_paths = {}  # page_script_hash -> url path
        self.page_hash = ""
        self.session_id = None
        self.last = None
        self._file_urls = {}
        self._pending = 0  # runs sent with stop_after whose script_finished is still to come
        self.trace = None  # set to a list to record (time, message kind, detail) of every ForwardMsg
        self.fragment_of = {}  # widget id -> id of the fragment that drew it ("" = none)
        self.bytes_in = 0  # bytes of ForwardMsgs received so far
        self.page_name = ""  # url path of the page shown (what a reload asks for)
        # The browser's ForwardMsg cache: big elements (>= 10 kB: the Explorer's run, charts) are
        # kept by hash, their hashes go with every rerun request, and the server then sends a
        # small reference for an element that did not change instead of the element again.
        self.msg_cache = {}  # hash -> [ForwardMsg, script runs finished when last used]
        self.runs_finished = 0
        # Cookies as a browser keeps them (a reload passes the old ones in): the XSRF cookie
        # from /_stcore/health, which uploads must echo, and the class server's affinity cookie.
        self.cookies = dict(cookies or {})
        req = urllib.request.Request(self.base + "/_stcore/health", headers=self._cookie_headers())
        with urllib.request.urlopen(req, timeout=10) as r:
            self._take_cookies(r.headers.get_all("Set-Cookie") or [])
            self.replica = r.headers.get(REPLICA_HEADER)  # which class-server replica answered
        self.xsrf = self.cookies.get("_streamlit_xsrf")
        ws_url = "ws" + self.base[4:] + "/_stcore/stream"
        protocols = ["streamlit"] + ([self.xsrf] if self.xsrf else [])
        self.ws = websocket.create_connection(ws_url, subprotocols=protocols, cookie=self._cookie_header(),
                                              timeout=timeout)

    def _take_cookies(self, set_cookie_headers):
        for c in set_cookie_headers:
            m = re.match(r"\s*([^=;\s]+)=([^;]*)", c)
            if m:
                self.cookies[m.group(1)] = m.group(2)

    def _cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items()) or None

    def _cookie_headers(self):
        header = self._cookie_header()
        return {"Cookie": header} if header else {}

    # -- protocol --------------------------------------------------------------
    def _send(self, back):
        self.ws.send_binary(back.SerializeToString())

    def _recv(self, deadline):
        self.ws.settimeout(max(0.05, deadline - time.monotonic()))
        data = self.ws.recv()
        self.bytes_in += len(data)
        if isinstance(data, str):
            raise ProtocolError("text frame from server")
        msg = ForwardMsg()
        msg.ParseFromString(data)
        if msg.WhichOneof("type") == "ref_hash":  # an element we hold: use our copy (the browser does)
            entry = self.msg_cache.get(msg.ref_hash)
            if entry is None:
                raise ProtocolError(f"reference to a message not in the cache ({msg.ref_hash})")
            entry[1] = self.runs_finished
            cached = ForwardMsg()
            cached.CopyFrom(entry[0])
            cached.metadata.CopyFrom(msg.metadata)
            return cached
        if msg.metadata.cacheable:
            self.msg_cache[msg.hash] = [msg, self.runs_finished]
        elif msg.WhichOneof("type") == "script_finished":
            self.runs_finished += 1  # the browser's ForwardMsgCache ages entries per finished run
            self.msg_cache = {h: e for h, e in self.msg_cache.items()
                              if self.runs_finished - e[1] <= MAX_CACHED_MESSAGE_AGE}
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
                self.url_paths[p.page_script_hash] = p.url_pathname or ""
            if msg.navigation.page_script_hash:
                self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "file_urls_response":
            self._file_urls[msg.file_urls_response.response_id] = msg.file_urls_response
        return kind

    def rerun(self, page_hash=None, page_name="", stop_after=None, fragment_id=""):
        """Send rerun_script with the current widget states; collect until script_finished.

        stop_after: return as soon as that many seconds passed (the run keeps going
        on the server) with status "sent" - used to interrupt a run.
        fragment_id: rerun only that fragment (what the frontend sends for a widget drawn
        inside an ``st.fragment``).
        """
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.page_name = page_name
        cs.fragment_id = fragment_id
        cs.cached_message_hashes.extend(self.msg_cache)
        for st in self.states.values():
            cs.widget_states.widgets.append(st)
        t0 = time.monotonic()
        try:
            self._send(back)
        except (websocket.WebSocketException, OSError) as e:  # the server (replica) is gone
            self.last = RunResult(0.0, f"disconnected ({type(e).__name__})")
            return self.last
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
                        self.fragment_of[wid] = msg.delta.fragment_id
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
        if widgets and res.status == "fragment ok":  # only the fragment's widgets were redrawn
            self.widgets.update(widgets)
        elif widgets:
            self.widgets = widgets
        self.last = res
        return res

    # -- user actions ----------------------------------------------------------
    def start(self, page_name=""):
        """The first run, as when a browser opens the URL (query string and page path)."""
        self.page_name = page_name
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
        if kind == "slider" and proto.type == proto.Type.SELECT_SLIDER:  # sent as the option's text
            ws.string_array_value.data.extend([str(v) for v in value] if isinstance(value, list | tuple)
                                              else [str(value)])
        elif kind == "slider":
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
        """Change a widget like a user does: the frontend reruns the script at once (only the
        widget's fragment when it was drawn inside one)."""
        self.stage(label_or_key, value)
        return self.rerun(stop_after=stop_after, fragment_id=self.fragment_of.get(self.find(label_or_key)[1].id, ""))

    def click(self, label_or_key):
        kind, proto = self.find(label_or_key)
        self.states[proto.id] = WidgetState(id=proto.id, trigger_value=True)
        return self.rerun()

    def goto(self, page):
        """Switch page like a click in the navigation (page title or url path)."""
        if page not in self.pages:
            raise KeyError(f"no page {page!r}; have {sorted(self.pages)}")
        self.page_hash = self.pages[page]
        self.page_name = self.url_paths.get(self.page_hash, self.page_name)
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
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", **self._cookie_headers()}
        if self.xsrf:
            headers["X-Xsrftoken"] = self.xsrf
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


class ReplicaLost(Exception):
    """An interaction failed because the session's replica was killed (the fault case)."""


@dataclass
class Fault:
    """Kill replica ``victim`` ``at`` seconds into the load (``run_load`` does it)."""

    at: float
    victim: str = "r1"
    killed_at: float | None = None  # time.monotonic() of the kill
    pid: int | None = None
    victims: tuple = ()  # sessions on the victim at the kill


@dataclass
class SessionStats:
    idx: int
    cycles: int = 0
    times: dict = field(default_factory=dict)  # action -> [seconds]
    samples: list = field(default_factory=list)  # (monotonic end time, action, seconds, replica)
    failures: list = field(default_factory=list)
    uploaded: bool = False
    pause: tuple = (0.0, 0.0)  # seconds a user waits after each result before the next click
    fault: Fault | None = None
    replica: str | None = None  # the class-server replica this session talks to (None: one process)
    first_replica: str | None = None  # where it started (before any reload)
    reloads: list = field(default_factory=list)  # what a reload after the kill gave
    lost: int = 0  # interactions lost to the kill (then the student reloads)

    def lost_replica(self):
        f = self.fault
        return f is not None and f.killed_at is not None and self.replica == f.victim

    def record(self, action, res):
        if not res.ok and self.lost_replica() and (res.status.startswith("disconnected")
                                                   or res.status == "timeout"):
            self.lost += 1
            raise ReplicaLost(f"{action}: {res.status}")
        self.times.setdefault(action, []).append(res.seconds)
        self.samples.append((time.monotonic(), action, res.seconds, self.replica))
        if not res.ok:
            self.failures.append(f"{action}: {res.status} {res.exceptions[:1]}")
        elif res.errors:
            self.failures.append(f"{action}: st.error {res.errors[:1]}")
        if self.pause[1] > 0:
            time.sleep(random.uniform(*self.pause))


def load_data(sess, stats, rng):
    """Generated data via the URL-bound sidebar, or (half the sessions) a CSV upload.

    Sessions 1, 2, 5, 6, 9, ... upload: round-robin gives every replica some of each.
    """
    if stats.idx % 4 in (1, 2) and sess.has("Dataset"):
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


SHOW_K = "Show the clustering for k"  # the Elbow page's slider, inside a fragment


def show_other_k(sess, stats, rng):
    """Move the Elbow page's 'show the clustering for k' slider (a select_slider: the value
    sent is the option's text)."""
    if sess.has(SHOW_K):
        options = list(sess.find(SHOW_K)[1].options)
        stats.record("elbow show k", sess.set(SHOW_K, rng.choice(options)))


def one_cycle(sess, stats, rng, shared=False):
    """One round of a student's work. The Explorer's steps run in the browser, so opening the
    Explorer and changing its seed are what it costs the server.

    shared: every student is on the teacher's link; they look around without changing the
    data or settings (page switches and the Elbow page's own slider).
    """
    if not shared:
        load_data(sess, stats, rng)
    stats.record("go Explorer", sess.goto("Explorer"))
    if not shared:
        stats.record("set seed", sess.set("Seed", rng.randrange(0, 100)))
    stats.record("go Elbow", sess.goto("Elbow"))
    if not shared:
        stats.record("elbow k", sess.set("k (clusters)", rng.randrange(2, 8)))
    show_other_k(sess, stats, rng)
    stats.cycles += 1


def reload_after_loss(base, old, stats, why):
    """What a student does when the page stops answering: reload it (same URL, same cookies).

    Returns the new Session, or None when the reload failed (a counted error). Records
    whether the page worked, whether the view came back from the URL (dataset, k, seed as
    the link says) and, for an upload, whether the page asks for the file again.
    """
    t0 = time.monotonic()
    info = {"session": stats.idx, "why": why, "page": old.page_name, "uploaded": stats.uploaded}
    old.close()
    new, res = None, None
    for _ in range(5):  # HAProxy re-dispatches at once; retry in case the first attempt races the kill
        try:
            new = Session(base, old.query_string, cookies=old.cookies)
            res = new.start(old.page_name)
            if res.ok:
                break
        except Exception as e:  # noqa: BLE001 - recorded, then retried
            info["error"] = f"{type(e).__name__}: {e}"
        time.sleep(1.0)
    info["seconds"] = time.monotonic() - t0
    info["ok"] = bool(res is not None and res.ok)
    info["replica"] = new.replica if new else None
    if not info["ok"]:
        stats.failures.append(f"reload after the kill failed: {info.get('error') or (res and res.status)}")
        stats.reloads.append(info)
        return None
    q = dict(urllib.parse.parse_qsl(old.query_string))
    def shown(label):  # what the browser draws: the value the server set, else the widget's default
        if not new.has(label):
            return None
        proto = new.find(label)[1]
        v = list(proto.value) if isinstance(proto.value, Iterable) else [proto.value]
        d = list(proto.default) if isinstance(proto.default, Iterable) else [proto.default]
        return v if (v and getattr(proto, "set_value", True)) else d

    k_shown, seed_shown = shown("k (clusters)"), shown("Seed")
    info["shown"] = {"k": k_shown, "seed": seed_shown, "link": old.query_string}
    restored = k_shown is not None and seed_shown is not None
    if restored and "k" in q:
        restored = k_shown == [float(q["k"])]
    if restored and "seed" in q:
        restored = seed_shown == [float(q["seed"])]
    info["restored"] = bool(restored)
    if stats.uploaded:
        info["asks_upload"] = any("upload" in t.lower() for t in res.texts()) and not new.has("Columns to cluster on")
    stats.reloads.append(info)
    stats.replica = new.replica
    stats.uploaded = False
    return new


def run_session(base, idx, until, out, think=(0.2, 0.8), pause=(0.0, 0.0), fault=None, shared=None):
    stats = SessionStats(idx, pause=tuple(pause), fault=fault)
    rng = random.Random(idx)
    out[idx] = stats
    sess = None
    try:
        qs = shared or f"dataset={DATASETS[idx % len(DATASETS)].replace(' ', '+')}&k={3 + idx % 4}&seed={idx}"
        sess = Session(base, qs)
        stats.replica = stats.first_replica = sess.replica
        stats.record("open", sess.start())
        while True:  # at least one full cycle, then until the time is up
            try:
                one_cycle(sess, stats, rng, shared=shared is not None)
            except (ReplicaLost, websocket.WebSocketException, OSError, ProtocolError) as e:
                if not stats.lost_replica():
                    raise
                if not isinstance(e, ReplicaLost):
                    stats.lost += 1
                sess = reload_after_loss(base, sess, stats, f"{type(e).__name__}: {e}")
                if sess is None:
                    break
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


def run_load(server, sessions, seconds, ramp=3.0, think=(0.2, 0.8), pause=(0.0, 0.0), fault=None, shared=None):
    """``sessions`` concurrent sessions for ``seconds``; returns a summary dict.

    fault: a Fault, to kill one replica of a class server (RunningServer) during the load.
    shared: a query string every session opens (the teacher's link) instead of its own data.
    """
    out = {}
    threads = []
    t_start = time.monotonic()
    until = t_start + seconds
    client0, machine0 = time.process_time(), machine_busy_seconds()
    haproxy_pid = server.state().get("haproxy_pid") if isinstance(server, RunningServer) else None
    haproxy0 = _proc_cpu_seconds(haproxy_pid) if haproxy_pid else None
    replica0 = {name: _proc_cpu_seconds(pid) for name, pid in server.pids()}
    for i in range(sessions):
        th = threading.Thread(target=run_session, args=(server.url, i, until, out, think, pause, fault, shared),
                              daemon=True)
        th.start()
        threads.append(th)
        time.sleep(ramp / max(1, sessions))
    cpu, rss_peak = [], {}
    while any(t.is_alive() for t in threads) and time.monotonic() < until + 180:
        if fault is not None and fault.killed_at is None and time.monotonic() - t_start >= fault.at:
            fault.victims = tuple(s.idx for s in list(out.values()) if s.replica == fault.victim)
            fault.pid = server.kill_replica(fault.victim)
            fault.killed_at = time.monotonic()
        cpu.append(server.cpu_share(1.0))
        for name, mib in server.rss_by_replica().items():
            rss_peak[name] = max(rss_peak.get(name, 0.0), mib)
    loaded_s = time.monotonic() - t_start
    client_cpu = (time.process_time() - client0) / loaded_s  # this process: the simulated students
    machine_cpu = (machine_busy_seconds() - machine0) / loaded_s  # every process on the machine
    haproxy1 = _proc_cpu_seconds(haproxy_pid) if haproxy_pid else None
    haproxy_cpu = (haproxy1 - haproxy0) / loaded_s if haproxy0 is not None and haproxy1 is not None else float("nan")
    replica_cpu = {}
    for name, pid in server.pids():
        c1 = _proc_cpu_seconds(pid)
        if replica0.get(name) is not None and c1 is not None and c1 >= replica0[name]:  # same process
            replica_cpu[name] = (c1 - replica0[name]) / loaded_s
    for t in threads:
        t.join(timeout=max(0.1, until + 200 - time.monotonic()))
    hung = sum(t.is_alive() for t in threads)
    all_times = [x for s in out.values() for v in s.times.values() for x in v]
    by_action = {}
    for s in out.values():
        for a, v in s.times.items():
            by_action.setdefault(a, []).extend(v)
    failures = [f"session {s.idx}: {f}" for s in out.values() for f in s.failures]
    replicas = sorted({s.first_replica for s in out.values() if s.first_replica})
    result = {
        "sessions": sessions,
        "seconds": seconds,
        "wall_s": time.monotonic() - t_start,
        "served": sum(1 for s in out.values() if s.cycles > 0 and not s.failures),
        "cycles": sum(s.cycles for s in out.values()),
        "uploads": sum(1 for s in out.values() for a in s.times.get("upload CSV", [])),
        "interactions": len(all_times),
        "errors": len(failures) + hung,
        "failures": failures[:20],
        "hung_threads": hung,
        "p50_s": percentile(all_times, 50),
        "p95_s": percentile(all_times, 95),
        "max_s": max(all_times) if all_times else float("nan"),
        "by_action": {a: (len(v), percentile(v, 50), percentile(v, 95)) for a, v in sorted(by_action.items())},
        "server_cpu_mean": statistics.fmean(c for c in cpu if c == c) if any(c == c for c in cpu) else float("nan"),
        "client_cpu_mean": client_cpu,
        "haproxy_cpu_mean": haproxy_cpu,
        "machine_cpu_mean": machine_cpu,
        "server_cpu_by_replica": replica_cpu,
        "cores": os.cpu_count(),
        "sessions_per_replica": {r: sum(1 for s in out.values() if s.first_replica == r) for r in replicas},
        "rss_peak_by_replica": rss_peak,
    }
    if fault is not None and fault.killed_at is not None:
        victims = [out[i] for i in fault.victims]
        others = [s for s in out.values() if s.idx not in fault.victims]
        after = [x for s in others for (t, _a, x, _r) in s.samples if t >= fault.killed_at]
        before = [x for s in others for (t, _a, x, _r) in s.samples if t < fault.killed_at]
        reloads = [r for s in victims for r in s.reloads]
        result["fault"] = {
            "victim": fault.victim,
            "killed_after_s": fault.killed_at - t_start,
            "victim_sessions": len(victims),
            "victims_who_lost_an_interaction": sum(1 for s in victims if s.lost),
            "reloads": len(reloads),
            "reloads_working": sum(1 for r in reloads if r["ok"]),
            "reloads_view_restored": sum(1 for r in reloads if r.get("restored")),
            "reloads_not_restored": [{k: r.get(k) for k in ("page", "uploaded", "shown")}
                                     for r in reloads if r["ok"] and not r.get("restored")],
            "reloads_with_upload": sum(1 for r in reloads if r["uploaded"]),
            "reloads_asking_upload_again": sum(1 for r in reloads if r.get("asks_upload")),
            "reload_p50_s": percentile([r["seconds"] for r in reloads], 50),
            "reload_max_s": max([r["seconds"] for r in reloads], default=float("nan")),
            "reload_replicas": sorted({r["replica"] for r in reloads if r.get("replica")}),
            "victim_errors": sum(len(s.failures) for s in victims),
            "other_sessions": len(others),
            "other_errors": sum(len(s.failures) for s in others),
            "other_p50_before_s": percentile(before, 50), "other_p95_before_s": percentile(before, 95),
            "other_p50_after_s": percentile(after, 50), "other_p95_after_s": percentile(after, 95),
            "restarts": server.restarts() if hasattr(server, "restarts") else {},
            "reload_details": reloads[:5],
        }
    return result


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
    if not server.pids():  # a server we cannot measure
        return None
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

def loadavg():
    """The 1, 5 and 15-minute load averages (the machine is shared: they go beside every figure)."""
    try:
        return tuple(float(x) for x in Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return (float("nan"),) * 3


def _fmt_load(la):
    return " / ".join(f"{x:.2f}" for x in la)


def _server_line(server):
    if isinstance(server, RunningServer) and server.state_file:
        n = len(server.state().get("replicas", []))
        return (f"Server: the class server, `scripts/class_server.py` ({n} replicas of `scripts/serve.py`, "
                "each with `KMEANS_THREADS=1` and one-thread BLAS, behind HAProxy with cookie affinity), "
                "with the repository's `.streamlit/config.toml`.")
    if isinstance(server, RunningServer):
        return f"Server: already running at {server.url} (not started by the load test; no process figures)."
    return ("Server: one process, `" + ("python scripts/serve.py " if LAUNCHER.exists() else "streamlit run app.py ")
            + " ".join(CLASS_SERVER_ARGS) + "` with the repository's `.streamlit/config.toml`.")


def _before_value(before, key):
    if not before or key not in before:
        return ""
    v = before[key]
    return f"{v:.3f} s" if key.endswith("_s") else str(v)


def run_table(cfg, rss, load, before=None):
    """Markdown lines of one load run (``before``: the same figures from bench/load_before.json)."""
    b = before or {}
    head = ["| figure | before (one process) | now |", "|---|---|---|"] if before else ["| figure | value |", "|---|---|"]

    def row(label, now, then=""):
        return f"| {label} | {then} | {now} |" if before else f"| {label} | {now} |"

    lines = [
        f"`bench/load_test.py --sessions {cfg['sessions']} --seconds {cfg['seconds']:g} --think {cfg['think'][0]:g} "
        f"{cfg['think'][1]:g} --pause {cfg['pause'][0]:g} {cfg['pause'][1]:g}"
        + (" --shared" if cfg.get("shared") else "") + (f" --kill-at {cfg['kill_at']:g}" if cfg.get("kill_at") else "")
        + f"`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime(cfg['started']))} UTC, load average "
        f"(1/5/15 min) {_fmt_load(cfg['load_before'])} before and {_fmt_load(cfg['load_after'])} after.",
        "",
        *head,
        row("concurrent sessions", load["sessions"]),
        row("sessions served without an error", load["served"]),
        row("full cycles completed", load["cycles"]),
        row("CSV uploads", load["uploads"]),
        row("interactions (script runs)", load["interactions"], b.get("interactions", "")),
        row("errors", load["errors"], b.get("errors", "")),
        row("p50 time per interaction", f"{load['p50_s']:.3f} s", _before_value(b, "p50_s")),
        row("p95 time per interaction", f"{load['p95_s']:.3f} s", _before_value(b, "p95_s")),
        row("slowest interaction", f"{load['max_s']:.3f} s", _before_value(b, "max_s")),
        row("servers' CPU while loaded (1.0 = one core)", f"{load['server_cpu_mean']:.2f}", b.get("server_cpu", "")),
    ]
    if "client_cpu_mean" in load:
        lines += [
            row("the load generator's own CPU (these simulated students, same machine)", f"{load['client_cpu_mean']:.2f}"),
            row("HAProxy's CPU", f"{load['haproxy_cpu_mean']:.2f}"),
            row(f"whole machine's CPU, every process ({load['cores']} cores)", f"{load['machine_cpu_mean']:.2f}"),
            row("idle CPU left on the machine (cores - whole machine)", f"{load['cores'] - load['machine_cpu_mean']:.2f}"),
    ]
    if rss:
        lines += [
            row("server RSS before (all replicas)", f"{rss['before']:.0f} MiB"),
            row("server RSS after the load", f"{rss['after']:.0f} MiB"),
            row(f"server RSS after sessions closed (+{rss['settle_s']:.0f} s)", f"{rss['settled']:.0f} MiB"),
            row("server peak RSS (all replicas)", f"{rss['peak']:.0f} MiB",
                f"{b['peak_rss_mib']} MiB" if "peak_rss_mib" in b else ""),
        ]
        if len(rss.get("peak_by_replica", {})) > 1:
            lines.append(row("peak RSS per replica", ", ".join(
                f"{k} {v:.0f} MiB" for k, v in sorted(rss["peak_by_replica"].items()))))
    if len(load.get("server_cpu_by_replica", {})) > 1:
        lines.append(row("CPU per replica", ", ".join(f"{k} {v:.2f}" for k, v in
                                                      sorted(load["server_cpu_by_replica"].items()))))
    if load.get("sessions_per_replica"):
        lines.append(row("sessions per replica", ", ".join(
            f"{k} {v}" for k, v in load["sessions_per_replica"].items())))
    lines += ["", "Per action (count, p50 s, p95 s):", "",
              "| action | count | p50 | p95 |" + (" before: p50 | p95 |" if before else ""),
              "|---|---|---|---|" + ("---|---|" if before else "")]
    for a, (n, p50, p95) in load["by_action"].items():
        extra = ""
        if before:
            ba = b.get("by_action", {}).get(a)
            extra = f" {ba[1]:.3f} | {ba[2]:.3f} |" if ba else " | |"
        lines.append(f"| {a} | {n} | {p50:.3f} | {p95:.3f} |{extra}")
    if before:
        gone = sorted(set(b.get("by_action", {})) - set(load["by_action"]))
        if gone:
            lines += ["", "Before only (the Explorer's steps now run in the browser, so they are not server "
                      "interactions any more): " + ", ".join(
                          f"{a} ({b['by_action'][a][0]}, p50 {b['by_action'][a][1]:.2f} s, p95 {b['by_action'][a][2]:.2f} s)"
                          for a in gone) + "."]
    if load["failures"]:
        lines += ["", "First failures:", ""] + [f"- `{f}`" for f in load["failures"]]
    return lines


def fault_lines(f):
    if not f:
        return []
    return [
        "",
        f"Replica {f['victim']} was killed (SIGKILL, as a crash) {f['killed_after_s']:.0f} s in, with "
        f"{f['victim_sessions']} of the students on it.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| students on the killed replica | {f['victim_sessions']} |",
        f"| of them, an interaction failed (the page stopped answering) | {f['victims_who_lost_an_interaction']} |",
        f"| reloads (same URL, same cookies) | {f['reloads']} |",
        f"| reloads that gave a working page | {f['reloads_working']} |",
        f"| reloads with the view restored from the URL (dataset, k, seed) | {f['reloads_view_restored']} |",
        f"| reloads of students who had uploaded a file / asked to upload it again | "
        f"{f['reloads_with_upload']} / {f['reloads_asking_upload_again']} |",
        f"| time to a working page after the failure: p50 / max | {f['reload_p50_s']:.2f} s / {f['reload_max_s']:.2f} s |",
        f"| replicas the reloads landed on | {', '.join(f['reload_replicas']) or '-'} |",
        f"| errors of the killed replica's students (beyond the lost interaction) | {f['victim_errors']} |",
        f"| other students | {f['other_sessions']} |",
        f"| errors of the other students | {f['other_errors']} |",
        f"| other students, p50 / p95 per interaction before the kill | {f['other_p50_before_s']:.3f} / "
        f"{f['other_p95_before_s']:.3f} s |",
        f"| other students, p50 / p95 per interaction after the kill | {f['other_p50_after_s']:.3f} / "
        f"{f['other_p95_after_s']:.3f} s |",
        f"| restarts by the launcher | {', '.join(f'{k}: {v}' for k, v in f['restarts'].items())} |",
    ]


def interrupt_lines(intr):
    if not intr:
        return []
    return [
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


WORKLOAD = ("Each session is a real Streamlit websocket session (the frontend's protocol, cookies kept like a "
            "browser's): it opens the app from a shareable URL, loads data (a generated dataset, or for half "
            "the sessions an uploaded CSV), opens the Explorer and changes the seed, opens the Elbow page, changes "
            "k and moves the page's \"show the clustering for k\" slider (a fragment rerun, as the browser "
            "sends it), then repeats until the time is up. The clients run on the same 2-core machine as the "
            "server, so the figures are pessimistic.")


def render_markdown(cfg, rss, load, intr, memory_note="", server=None, before=None):
    """One run as a page (the single-run mode)."""
    lines = ["# Load test results", "", WORKLOAD, "", _server_line(server) if server else "", "",
             *run_table(cfg, rss, load, before), *fault_lines(load.get("fault")), *interrupt_lines(intr)]
    if memory_note:
        lines += ["", memory_note]
    return "\n".join(lines) + "\n"


def measure(server, sessions, seconds, think, pause, settle=10.0, fault=None, shared=None):
    """One load run with memory and load-average readings: (cfg, rss, load)."""
    cfg = {"sessions": sessions, "seconds": seconds, "think": tuple(think), "pause": tuple(pause),
           "shared": shared, "kill_at": fault.at if fault else None, "started": time.time(),
           "load_before": loadavg()}
    rss = {"before": server.rss_mib()}
    load = run_load(server, sessions, seconds, think=think, pause=pause, fault=fault, shared=shared)
    rss["after"] = server.rss_mib()
    time.sleep(settle)
    rss["settled"], rss["settle_s"] = server.rss_mib(), settle
    rss["peak"] = server.peak_rss_mib()
    peaks = server.rss_by_replica("VmHWM")
    rss["peak_by_replica"] = {k: max(v, load["rss_peak_by_replica"].get(k, 0.0)) for k, v in peaks.items()}
    cfg["load_after"] = loadavg()
    print(json.dumps({k: v for k, v in load.items() if k != "by_action"}, indent=1, default=str), flush=True)
    return cfg, rss, load


def warm_up(server, replicas=1):
    """One session per replica (round-robin) imports everything and fills the generated-data cache."""
    for _ in range(max(1, replicas)):
        warm = Session(server.url)
        warm.start()
        warm.goto("Elbow")
        warm.close()
    time.sleep(1.0)


def targets_lines(results):
    """Issue 11's targets against this run, met or not, in one table."""
    c, st_ = results["class"][2], results["stress"][2]
    elbow = c["by_action"].get("go Elbow", (0, float("nan"), float("nan")))
    rows = [
        ("class pace: interactions", ">= 300", c["interactions"], c["interactions"] >= 300),
        ("class pace: errors", "0", c["errors"], c["errors"] == 0),
        ("class pace: p50 per interaction", "<= 0.2 s", f"{c['p50_s']:.3f} s", c["p50_s"] <= 0.2),
        ("class pace: p95 per interaction", "<= 1.0 s", f"{c['p95_s']:.3f} s", c["p95_s"] <= 1.0),
        ("class pace: opening the Elbow page, p95", "<= 2 s", f"{elbow[2]:.3f} s", elbow[2] <= 2.0),
        ("stress pace: the servers' CPU together", "> 1.5 cores", f"{st_['server_cpu_mean']:.2f}",
         st_["server_cpu_mean"] > 1.5),
    ]
    return ["## Targets (issue 11)", "", "| target | wanted | measured | met |", "|---|---|---|---|",
            *[f"| {a} | {b} | {m} | {'yes' if ok else '**no**'} |" for a, b, m, ok in rows], ""]


TEACHER_LINK = "dataset=Blobs&k=4&seed=0"
CLASS_PACE = {"think": (5.0, 15.0), "pause": (1.0, 4.0)}
STRESS_PACE = {"think": (0.2, 0.8), "pause": (0.0, 0.0)}


def suite(args):
    """`make loadtest`: the class server under class pace, the shared link, the fault case and
    stress pace; writes docs/load-class.md and docs/load.md. Returns an exit code."""
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else {}
    replicas = args.class_server or os.cpu_count() or 2
    server = ClassServer(replicas)
    results = {}
    try:
        warm_up(server, replicas)
        print(f"class server on {server.url}: {replicas} replicas {server.pids()}", flush=True)
        results["class"] = measure(server, args.sessions, args.seconds, **CLASS_PACE)
        results["shared"] = measure(server, args.sessions, min(args.seconds, 60), **CLASS_PACE,
                                    shared=TEACHER_LINK)
        results["fault"] = measure(server, args.sessions, args.seconds, **CLASS_PACE,
                                   fault=Fault(at=min(30.0, args.seconds / 3)))
        time.sleep(5)  # the killed replica is back (the launcher restarts it)
        warm_up(server, replicas)
        results["stress"] = measure(server, args.sessions, min(args.seconds, 60), **STRESS_PACE)
        intr = None if args.no_interrupt else interrupted_rerun(server)
        tracebacks = server.log_text().count("Traceback")
        head = ["", _server_line(server), "", WORKLOAD, ""]
    finally:
        server.stop()
    c, sh, fa = results["class"], results["shared"], results["fault"]
    class_md = ["# Load test: a class on the class server", "",
                "Class pace: 5-15 s between cycles and 1-4 s of looking at each result. Written by "
                "`make loadtest` (`bench/load_test.py --suite`). \"Before\" is the same test on the "
                "single-process server before the class server and the Elbow page's fragment and caches "
                f"({before.get('note', 'bench/load_before.json')}).", *head, *targets_lines(results),
                "## Every student on different data", "", *run_table(*c, before.get("class")),
                "", "## Every student on the teacher's shared link", "",
                f"All sessions open the same link (`?{TEACHER_LINK}`) and look around: the Explorer, the Elbow "
                "page and its slider, without changing data or settings. They share every cache.", "",
                *run_table(*sh),
                "", "## Fault: one replica killed mid-class", "",
                "The students of the killed replica find their page dead at their next click and reload it "
                "(same URL, same cookies); HAProxy sends them to a live replica (or the restarted one).", "",
                *run_table(*fa), *fault_lines(fa[2].get("fault"))]
    if tracebacks:
        class_md += ["", f"The replicas' logs hold {tracebacks} tracebacks (the killed replica's are expected)."]
    stress_md = ["# Load test: stress pace on the class server", "",
                 "Stress pace: 0.2-0.8 s between cycles and no pause after a result, far busier than a class. "
                 "\"Before\" is the single-process server before the class server "
                 f"({before.get('note', '')}).", *head, *run_table(*results["stress"], before.get("stress")),
                 *interrupt_lines(intr)]
    Path(args.class_out).write_text("\n".join(class_md) + "\n")
    Path(args.out).write_text("\n".join(stress_md) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "interrupt": intr}, indent=1, default=str))
    print("\n".join(class_md), "\n", "\n".join(stress_md))
    bad = sum(results[k][2]["errors"] for k in ("class", "shared", "stress"))
    return 0 if bad == 0 and (intr is None or (intr["other_ok"] and intr["rerun_ok"])) else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=None, help="default 60 (90 with --suite)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "load.md"))
    ap.add_argument("--class-out", default=str(ROOT / "docs" / "load-class.md"), help="--suite: class-pace page")
    ap.add_argument("--no-interrupt", action="store_true", help="skip the interrupted-rerun case")
    ap.add_argument("--settle", type=float, default=10.0, help="seconds to wait after closing sessions")
    ap.add_argument("--json", default=None, help="also write the raw figures as JSON here")
    ap.add_argument("--think", type=float, nargs=2, default=(0.2, 0.8), metavar=("LO", "HI"),
                    help="seconds between cycles (default: a stress profile, far busier than a class)")
    ap.add_argument("--pause", type=float, nargs=2, default=(0.0, 0.0), metavar=("LO", "HI"),
                    help="seconds a user looks at each result before the next click (class-like: 1 4)")
    ap.add_argument("--url", default=None, help="drive a server that is already running (e.g. make class)")
    ap.add_argument("--state-file", default=None,
                    help="with --url: the class server's --state-file, to measure (and kill) its replicas")
    ap.add_argument("--class-server", type=int, default=None, metavar="REPLICAS",
                    help="start the class server with this many replicas instead of one process")
    ap.add_argument("--kill-at", type=float, default=None, metavar="S",
                    help="kill replica r1 S seconds in (class server only); its students reload")
    ap.add_argument("--shared", action="store_true", help="every session on the teacher's link " + TEACHER_LINK)
    ap.add_argument("--suite", action="store_true", help="what `make loadtest` runs (see the module doc)")
    args = ap.parse_args(argv)
    args.seconds = args.seconds or (90.0 if args.suite else 60.0)
    if not (1 <= args.sessions <= 200 and 1 <= args.seconds <= 1800):
        ap.error("--sessions must be 1..200 and --seconds 1..1800")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the server
    if args.suite:
        return suite(args)
    if args.url:
        server = RunningServer(args.url, args.state_file)
    elif args.class_server:
        server = ClassServer(args.class_server)
    else:
        server = Server()
    if args.kill_at is not None and not (isinstance(server, RunningServer) and server.state_file):
        ap.error("--kill-at needs the class server (--class-server N, or --url with --state-file)")
    try:
        warm_up(server, len(server.pids()) or 1)
        print(f"server {server.pids()} on {server.url}; RSS before {server.rss_mib():.0f} MiB", flush=True)
        fault = Fault(at=args.kill_at) if args.kill_at is not None else None
        cfg, rss, load = measure(server, args.sessions, args.seconds, args.think, args.pause, args.settle,
                                 fault=fault, shared=TEACHER_LINK if args.shared else None)
        if not server.pids():
            rss = None
        intr = None if args.no_interrupt else interrupted_rerun(server)
        if intr:
            print(json.dumps(intr, indent=1))
        md = render_markdown(cfg, rss, load, intr, server=server)
        Path(args.out).parent.mkdir(exist_ok=True)
        Path(args.out).write_text(md)
        if args.json:
            Path(args.json).write_text(json.dumps({"rss": rss, "load": load, "interrupt": intr},
                                                  indent=1, default=str))
        print(md)
        tracebacks = server.log_text().count("Traceback")
        if tracebacks:
            print(f"WARNING: {tracebacks} tracebacks in the server log")
        ok = load["errors"] == 0 and (intr is None or (intr["other_ok"] and intr["rerun_ok"]))
        return 0 if ok else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
