"""The class server's generated HAProxy configuration (scripts/class_server.py, a pure function).

Checked two ways: the directives that make a room work are there (parsed, not grepped
as one blob), and, when haproxy is installed, haproxy itself accepts the file (`-c`).
"""

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("class_server", ROOT / "scripts" / "class_server.py")
cs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cs)

TWO = [cs.Replica("r1", "127.0.0.1", 9101), cs.Replica("r2", "127.0.0.1", 9102)]


def sections(text):
    """{section header: [directive lines]} of an HAProxy config, comments dropped."""
    out, current = {}, None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith(" "):
            current = line.strip()
            out[current] = []
        else:
            out[current].append(" ".join(line.split()))
    return out


def test_frontend_binds_the_room_port():
    s = sections(cs.haproxy_config(TWO, "0.0.0.0", 8600))
    assert s["frontend room"] == ["bind 0.0.0.0:8600", "default_backend replicas"]


def test_backend_routes_by_cookie_round_robin_and_checks_health():
    s = sections(cs.haproxy_config(TWO))
    b = s["backend replicas"]
    assert "balance roundrobin" in b
    cookie = next(line for line in b if line.startswith("cookie "))
    assert cookie.split()[1:4] == ["kmeans_replica", "insert", "indirect"]
    assert "option httpchk GET /_stcore/health" in b
    assert "http-check expect status 200" in b
    assert "http-response set-header X-Kmeans-Replica %[srv_name]" in b
    servers = [line.split() for line in b if line.startswith("server ")]
    assert servers == [["server", "r1", "127.0.0.1:9101", "cookie", "r1"],
                       ["server", "r2", "127.0.0.1:9102", "cookie", "r2"]]
    default = next(line for line in b if line.startswith("default-server"))
    assert " check " in f" {default} "


def test_a_busy_replica_is_not_taken_for_a_dead_one():
    """A replica deep in a long fit answers its health check late: it must stay in (its students'
    uploads and websockets would land on a replica that does not know their session otherwise)."""
    s = sections(cs.haproxy_config(TWO))
    check_timeout = next(line for line in s["defaults"] if line.startswith("timeout check "))
    assert int(check_timeout.split()[2].rstrip("s")) >= 10
    default = next(line for line in s["backend replicas"] if line.startswith("default-server")).split()
    assert int(default[default.index("fall") + 1]) >= 3


def test_websockets_stay_open_and_dead_replicas_are_skipped():
    d = sections(cs.haproxy_config(TWO, tunnel_timeout="2h"))["defaults"]
    assert "mode http" in d  # HTTP mode: HAProxy passes the websocket upgrade through
    assert "timeout tunnel 2h" in d
    assert "option redispatch" in d
    assert any(line.startswith("retries ") and int(line.split()[1]) >= 1 for line in d)


def test_the_config_is_a_pure_function_of_its_input():
    assert cs.haproxy_config(TWO) == cs.haproxy_config(list(TWO))
    three = TWO + [cs.Replica("r3", "127.0.0.1", 9103)]
    assert "server r3 127.0.0.1:9103 cookie r3" in cs.haproxy_config(three)
    assert "r3" not in cs.haproxy_config(TWO)


@pytest.mark.parametrize("replicas, message", [
    ([], "at least one replica"),
    ([cs.Replica("r1", "127.0.0.1", 9101), cs.Replica("r1", "127.0.0.1", 9102)], "unique"),
    ([cs.Replica("r 1", "127.0.0.1", 9101)], "letters, digits"),
    ([cs.Replica("r1", "127.0.0.1", 70000)], "not a TCP port"),
])
def test_bad_replica_lists_are_refused(replicas, message):
    with pytest.raises(ValueError, match=message):
        cs.haproxy_config(replicas)


def test_haproxy_accepts_the_generated_file(tmp_path):
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None)
    if haproxy is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but haproxy is not installed (make test installs it)")
        pytest.skip("haproxy is not installed")
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(cs.haproxy_config(TWO, "127.0.0.1", 8600))
    res = subprocess.run([haproxy, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    bad = tmp_path / "bad.cfg"
    bad.write_text(cfg.read_text().replace("balance roundrobin", "balance no-such-algorithm"))
    assert subprocess.run([haproxy, "-c", "-f", str(bad)], capture_output=True, timeout=30).returncode != 0


def test_every_replica_gets_the_same_secret_and_one_thread(monkeypatch, tmp_path):
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", "from-the-environment")
    server = cs.ClassServer(port=8600, replicas=3, log_dir=tmp_path, quiet=True)
    assert server.env["STREAMLIT_SERVER_COOKIE_SECRET"] == "from-the-environment"
    assert all(server.env[k] == "1" for k in cs.THREAD_ENV)
    assert [r.name for r in server.replicas] == ["r1", "r2", "r3"]
    assert len({r.port for r in server.replicas}) == 3
    monkeypatch.delenv("STREAMLIT_SERVER_COOKIE_SECRET")
    a = cs.ClassServer(port=8600, replicas=1, log_dir=tmp_path, quiet=True)
    b = cs.ClassServer(port=8600, replicas=1, log_dir=tmp_path, quiet=True)
    sa, sb = a.env["STREAMLIT_SERVER_COOKIE_SECRET"], b.env["STREAMLIT_SERVER_COOKIE_SECRET"]
    assert len(sa) >= 32 and sa != sb  # generated at launch, not a fixed committed value


def test_kmeans_threads_caps_the_cores_worker_threads():
    """KMEANS_THREADS=1 (what every replica gets) keeps the core's Lloyd and silhouette on one thread."""
    code = ("import kmeans_core.lloyd as l, kmeans_core.silhouette as s, importlib;"
            "l = importlib.import_module('kmeans_core.lloyd'); s = importlib.import_module('kmeans_core.silhouette');"
            "print(l._n_workers(), s._N_THREADS)")
    env = dict(os.environ, KMEANS_THREADS="1")
    out = subprocess.run([__import__("sys").executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1"]


def test_the_compose_haproxy_config_is_the_generated_one():
    """deploy/haproxy.cfg (used by deploy/compose.yaml) is exactly what haproxy_config produces."""
    expected = cs.haproxy_config([cs.Replica("app1", "app1", 8501), cs.Replica("app2", "app2", 8501)],
                                 "0.0.0.0", 8501)
    assert (ROOT / "deploy" / "haproxy.cfg").read_text() == expected


def test_deploy_files_share_the_secret_and_keep_affinity():
    """Checked on the text (no YAML parser in the environment): the lines that matter are there."""
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    assert "STREAMLIT_SERVER_COOKIE_SECRET: ${KMEANS_COOKIE_SECRET:?" in compose  # from the environment
    apps = re.findall(r"^  (app\d+): \*app$", compose, re.M)
    servers = [line.split()[1] for line in (ROOT / "deploy" / "haproxy.cfg").read_text().splitlines()
               if line.strip().startswith("server ")]
    assert len(apps) >= 2 and sorted(apps) == sorted(servers)
    k8s = (ROOT / "deploy" / "kubernetes" / "kmeans.yaml").read_text()
    assert re.findall(r"^kind: (\w+)$", k8s, re.M) == ["Deployment", "Service", "Ingress"]
    assert "secretKeyRef: { name: kmeans-cookie, key: cookie-secret }" in k8s
    assert '{ name: KMEANS_THREADS, value: "1" }' in k8s
    assert 'nginx.ingress.kubernetes.io/affinity: "cookie"' in k8s
    timeout = re.search(r'proxy-read-timeout: "(\d+)"', k8s)
    assert timeout and int(timeout.group(1)) >= 3600
    assert "ingressClassName: nginx" in k8s
    for text in (compose, k8s, (ROOT / "Dockerfile").read_text()):
        assert not re.search(r"COOKIE_SECRET[=:]\s*['\"]?[0-9a-f]{16,}", text), "a committed secret"
