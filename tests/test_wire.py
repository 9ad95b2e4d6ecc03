"""Nothing on the wire can take unbounded memory or time: gzip bombs, endless and dripped bodies
from the feed, the export API and the LLM endpoint, each served for real on 127.0.0.1."""

from __future__ import annotations

import os
import time

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import ApiError
from arxiv_digest.sources.api import ExportApi
from arxiv_digest.sources.http import HttpFetcher
from tests.conftest import QUANT_PH, ROOT
from tests.support.hostile import MB, drip, endless, gzip_bomb, run_measured
from tests.support.http_server import Reply

runner = CliRunner()
FEED_HEAD = QUANT_PH.read_bytes()[:2000]  # a real feed's start, then zeros


def bomb_reply(decoded: int = 200 * MB) -> Reply:
    return Reply(body=gzip_bomb(decoded, FEED_HEAD), headers={"Content-Encoding": "gzip"})


def use_server(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", url + "/rss")
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", url + "/api/query")


# -- the feed -------------------------------------------------------------------------------------
def test_feed_gzip_bomb_stops_at_32_mb_in_a_subprocess_with_little_memory(server, isolated):
    """The real CLI in its own process, so its peak memory is its own: a 200 MB bomb once took
    all 200 MB and more (1 MB compressed: 2.1 GB); now the download stops at the cap."""
    server.route("/rss/quant-ph", bomb_reply())
    env = {**os.environ, "ARXIV_DIGEST_RSS_URL": server.url + "/rss", "PYTHONPATH": str(ROOT)}
    # no wall-time bound here: a loaded machine starts Python slowly; the drip tests time
    code, stderr, peak_mb = run_measured(["summarize", "-c", "quant-ph", "--no-llm"], env, isolated)
    assert code == 3, stderr
    assert "larger than 32 MB (decoded)" in stderr and "Traceback" not in stderr
    assert peak_mb < 150, f"peak {peak_mb:.0f} MB"
    assert not (isolated / "output").exists()


def test_feed_without_end_is_cut_at_the_cap(server, isolated, monkeypatch):
    server.route("/rss/quant-ph", Reply(stream=endless()))
    use_server(monkeypatch, server.url)
    started = time.monotonic()
    result = runner.invoke(app, ["summarize", "-c", "quant-ph", "--no-llm"])
    assert result.exit_code == 3, result.stderr
    assert "larger than 32 MB" in result.stderr
    assert time.monotonic() - started < 20
    assert len(server.hits_for("/rss/quant-ph")) == 1  # not worth asking again


def test_feed_dripped_a_byte_at_a_time_ends_at_the_whole_request_bound(
    server, isolated, monkeypatch
):
    server.route("/rss/quant-ph", Reply(stream=drip(QUANT_PH.read_bytes(), every=0.05)))
    use_server(monkeypatch, server.url)
    monkeypatch.setenv("ARXIV_DIGEST_FETCH_TIMEOUT", "1.5")
    started = time.monotonic()
    result = runner.invoke(app, ["summarize", "-c", "quant-ph", "--no-llm"])
    took = time.monotonic() - started
    assert result.exit_code == 3, result.stderr
    assert "longer than 1.5 s in all" in result.stderr
    assert took < 10, took  # the whole feed dripped would take hours


def test_headers_dripped_a_byte_at_a_time_end_at_the_bound_too(isolated):
    """Before any body: a server that sends its status line and headers one byte at a time."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                conn.sendall(bytes([byte]))
                time.sleep(0.05)
        except OSError:
            pass
        finally:
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    started = time.monotonic()
    with HttpFetcher(timeout=5, total=1.0, attempts=1) as http, pytest.raises(Exception) as err:
        http.get(f"http://127.0.0.1:{port}/rss/quant-ph")
    listener.close()
    assert "longer than 1 s in all" in str(err.value)
    assert time.monotonic() - started < 10  # the headers dripped: 50 s


def test_a_normal_gzip_feed_still_reads(server, isolated, monkeypatch):
    import gzip

    server.route(
        "/rss/quant-ph",
        Reply(body=gzip.compress(QUANT_PH.read_bytes()), headers={"Content-Encoding": "gzip"}),
    )
    use_server(monkeypatch, server.url)
    result = runner.invoke(app, ["summarize", "-c", "quant-ph", "--no-llm", "--no-enrich"])
    assert result.exit_code == 0, result.stderr
    assert (isolated / "output" / "2025-04-28" / "quant-ph.md").is_file()
    assert server.hits_for("/rss/quant-ph")[0].headers["Accept-Encoding"] == "gzip, deflate"


def test_content_length_above_the_cap_is_refused_before_the_body(server, isolated):
    server.route("/big", Reply(body=b"x" * (2 * MB)))
    with HttpFetcher(attempts=1) as http, pytest.raises(Exception, match="larger than 1 MB"):
        http.get(server.url + "/big", max_bytes=MB)


# -- the export API -------------------------------------------------------------------------------
def test_api_gzip_bomb_is_a_warning_not_gigabytes(server):
    server.route("/api/query", bomb_reply())
    with HttpFetcher(attempts=1) as http, pytest.raises(ApiError, match="larger than 16 MB"):
        ExportApi(http, server.url + "/api/query").lookup(["2504.10001"])


def test_api_dripped_ends_at_the_bound(server):
    server.route("/api/query", Reply(stream=drip(b"<feed>" + b" " * 1000, every=0.05)))
    started = time.monotonic()
    with HttpFetcher(total=1.0, attempts=2) as http, pytest.raises(ApiError, match="in all"):
        ExportApi(http, server.url + "/api/query").lookup(["2504.10001"])
    assert time.monotonic() - started < 10  # the body dripped: 50 s
    assert len(server.hits_for("/api/query")) == 1


def test_cli_api_bomb_writes_the_digest_without_comments(server, isolated, monkeypatch):
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/api/query", bomb_reply())
    use_server(monkeypatch, server.url)
    result = runner.invoke(app, ["summarize", "-c", "quant-ph", "--no-llm"])
    assert result.exit_code == 0, result.stderr
    assert "larger than 16 MB" in result.stderr and "without 备注" in result.stderr
    assert (isolated / "output" / "2025-04-28" / "quant-ph.md").is_file()


# -- the LLM endpoint's model list (doctor) -------------------------------------------------------
def test_doctor_models_gzip_bomb_is_one_failed_check(arxiv_and_models, isolated, monkeypatch):
    models = arxiv_and_models
    models.route("/v1/models", Reply(body=gzip_bomb(200 * MB, b'{"data": ['),
                                     headers={"Content-Encoding": "gzip"},
                                     content_type="application/json"))  # fmt: skip
    monkeypatch.setenv("ARXIV_DIGEST_MAX_ATTEMPTS", "1")  # its chat check gets 501s
    started = time.monotonic()
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1, result.stdout
    assert "larger than 16 MB (decoded)" in result.stdout and "Traceback" not in result.stdout
    assert time.monotonic() - started < 20


def test_llm_clients_end_a_dripped_model_list_at_their_bound(server):
    from arxiv_digest.wire import RequestDeadline, llm_client

    server.route("/v1/models", Reply(stream=drip(b'{"data": []}' + b" " * 500, every=0.05)))
    started = time.monotonic()
    with llm_client(1.0) as client, pytest.raises(RequestDeadline):
        client.get(server.url + "/v1/models")
    assert time.monotonic() - started < 10  # the body dripped: 25 s


@pytest.fixture
def arxiv_and_models(server, isolated, monkeypatch):
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/api/query", Reply(body=b"<feed xmlns='http://www.w3.org/2005/Atom'/>"))
    use_server(monkeypatch, server.url)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return server


def test_feed_retry_after_of_a_day_is_not_waited_for(server, isolated, monkeypatch):
    server.route("/rss/quant-ph", Reply(429, b"slow down", {"Retry-After": "100000"}, "text/plain"))
    use_server(monkeypatch, server.url)
    started = time.monotonic()
    result = runner.invoke(app, ["summarize", "-c", "quant-ph", "--no-llm"])
    assert result.exit_code == 3
    assert "asks to wait 100000 s (Retry-After)" in result.stderr
    assert time.monotonic() - started < 10  # Retry-After: 28 hours


# -- one download per feed URL; names checked before anything is paid for -------------------------
def test_groups_sharing_a_feed_download_it_once(server, isolated, monkeypatch):
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/rss/cs.SD", Reply(404, b"no such feed", content_type="text/plain"))
    groups = "".join(
        f'[[groups]]\nname = "g{n}"\ntitle = "x"\ncategories = ["quant-ph"]\n'
        f'include = ["{word}"]\n'
        for n, word in enumerate(["quantum", "qubit", "photon"] * 10)
    )
    groups += "".join(
        f'[[groups]]\nname = "s{n}"\ntitle = "s"\ncategories = ["cs.SD"]\n' for n in range(3)
    )
    (isolated / "arxiv-digest.toml").write_text(groups)
    use_server(monkeypatch, server.url)
    result = runner.invoke(app, ["summarize", "--no-llm", "--no-enrich"])
    assert result.exit_code == 3, result.stderr  # the cs.SD groups' feed is missing
    assert len(server.hits_for("/rss/quant-ph")) == 1
    assert len(server.hits_for("/rss/cs.SD")) == 1
    assert len(list((isolated / "output" / "2025-04-28").glob("g*.md"))) == 30
    assert result.stderr.count("could not download") == 3  # each group is told


def test_forty_categories_are_refused_before_any_request(llm, server, isolated, monkeypatch):
    from arxiv_digest.categories import CATEGORY_NAMES

    use_server(monkeypatch, server.url)
    categories = sorted(CATEGORY_NAMES)[:40]
    args = [part for category in categories for part in ("-c", category)]
    result = runner.invoke(app, ["summarize", *args])
    assert result.exit_code == 2, result.stderr
    assert "40 categories make the file name" in result.stderr and "at most 200" in result.stderr
    assert server.hits == [] and llm.calls == []


def test_a_configured_group_name_too_long_for_a_file_is_refused(isolated):
    name = "a" * 240
    (isolated / "arxiv-digest.toml").write_text(
        f'[[groups]]\nname = "{name}"\ntitle = "x"\ncategories = ["quant-ph"]\n'
    )
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "--no-llm"])
    assert result.exit_code == 2 and "240 characters long" in result.stderr
