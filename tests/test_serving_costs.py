"""What keeps a class server's clicks cheap (issue 11), checked without timing anything.

- Streamlit's full gc.collect() after every script run is off in the repository's config
  (it walked every object of the imported libraries, ~0.1 s of CPU per click);
- the Explorer payload's core sources are read once per init and each payload still gets
  its own lists, equal to what explain.sources reads from the code;
- the load test's session keeps the browser's ForwardMsg cache: it announces the hashes
  of the big elements it holds and resolves the server's references to them.
"""

import gc
import tomllib
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import load_test
from kmeans_app.explorer import explain, payload

ROOT = Path(__file__).resolve().parents[1]


def test_post_script_gc_is_off_in_the_repository_config():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["runner"]["postScriptGC"] is False


def test_post_script_gc_option_reaches_streamlit(monkeypatch):
    """Streamlit reads the option where _on_script_finished looks for it (runner.postScriptGC)."""
    from streamlit import config

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    try:
        assert config.get_option("runner.postScriptGC") is False
    finally:
        config.get_config_options(force_reparse=True)


def test_gc_is_still_automatic():
    """Without the per-run collection, Python's generational collector must still be on."""
    assert gc.isenabled()


@pytest.mark.parametrize("init", ["k-means++", "random", "pick", "dragged"])
def test_source_texts_equal_the_code_and_are_not_shared(init):
    want = {phase: [list(item) for item in explain.sources(phase, init)] for phase in ("init", "assign", "update")}
    first, second = payload.source_texts(init), payload.source_texts(init)
    assert first == want
    assert first is not second and first["init"] is not second["init"]
    first["init"][0][1] = "changed"  # one payload's lists are its own
    assert payload.source_texts(init) == want


def _delta(text, cacheable):
    msg = ForwardMsg()
    msg.delta.new_element.markdown.body = text
    msg.hash = f"h-{text[:8]}-{len(text)}"
    msg.metadata.cacheable = cacheable
    msg.metadata.delta_path[:] = [0, 1]
    return msg


def _ref(msg, path=(0, 2)):
    ref = ForwardMsg()
    ref.ref_hash = msg.hash
    ref.metadata.delta_path[:] = list(path)
    return ref


def _finished():
    msg = ForwardMsg()
    msg.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    return msg


class FakeSocket:
    def __init__(self, msgs):
        self.frames = [m.SerializeToString() for m in msgs]

    def settimeout(self, _):
        pass

    def recv(self):
        return self.frames.pop(0)


def bare_session(msgs):
    sess = load_test.Session.__new__(load_test.Session)
    sess.ws = FakeSocket(msgs)
    sess.bytes_in, sess.msg_cache, sess.runs_finished = 0, {}, 0
    return sess


def test_session_resolves_references_to_cached_elements():
    big = _delta("x" * 20_000, cacheable=True)
    small = _delta("small", cacheable=False)
    sess = bare_session([big, small, _finished(), _ref(big)])
    got = [sess._recv(float("inf")) for _ in range(4)]
    assert set(sess.msg_cache) == {big.hash}  # only the cacheable element is kept
    resolved = got[3]
    assert resolved.WhichOneof("type") == "delta"
    assert resolved.delta.new_element.markdown.body == "x" * 20_000
    assert list(resolved.metadata.delta_path) == [0, 2]  # placed where the reference says


def test_session_ages_out_cached_elements_like_the_browser():
    big = _delta("y" * 20_000, cacheable=True)
    runs = load_test.MAX_CACHED_MESSAGE_AGE + 1
    sess = bare_session([big] + [_finished() for _ in range(runs)])
    for _ in range(runs + 1):
        sess._recv(float("inf"))
    assert sess.msg_cache == {}


def test_session_refuses_a_reference_it_cannot_resolve():
    sess = bare_session([_ref(_delta("z" * 20_000, cacheable=True))])
    with pytest.raises(load_test.ProtocolError):
        sess._recv(float("inf"))


def test_rerun_request_carries_the_cached_hashes():
    from streamlit.proto.BackMsg_pb2 import BackMsg

    big = _delta("w" * 20_000, cacheable=True)
    sess = bare_session([big])
    sess._recv(float("inf"))
    sent = []
    sess._send = sent.append
    sess.query_string, sess.page_hash, sess.states, sess._pending = "", "", {}, 0
    sess.rerun(stop_after=0)
    assert isinstance(sent[0], BackMsg)
    assert list(sent[0].rerun_script.cached_message_hashes) == [big.hash]


def test_control_character_count_matches_a_brute_force_count():
    """upload.decode counts control characters with a regex; the rule is ord < 32 except tab, LF, CR."""
    import random

    from kmeans_app.data.upload import _CONTROL_CHARS

    rng = random.Random(3)
    for _ in range(200):
        text = "".join(chr(rng.randrange(0, 160)) for _ in range(rng.randrange(0, 400)))
        assert len(_CONTROL_CHARS.findall(text)) == sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
