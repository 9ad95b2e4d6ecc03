"""The export API: both layouts, the error feed, batching, pacing and backoff on a real server."""

from __future__ import annotations

import itertools

import pytest

from arxiv_digest.errors import ApiError
from arxiv_digest.sources.api import ExportApi, enrich, parse_api_response
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.sources.http import HttpFetcher
from tests.conftest import API_ERROR, FIXTURES, QUANT_PH
from tests.support.http_server import Reply

API = FIXTURES / "api"


def test_new_layout_comment_doi_journal_ref():
    found = parse_api_response(
        (API / "api_newbackend_cat-cs.CL_max3_2026-09-24_laya-reader.xml").read_bytes()
    )
    assert len(found) == 3
    first = found["2609.28471"]
    assert first["comment"].startswith("Published in the proceedings of CLEF 2026.")
    assert first["doi"] == "10.1007/978-3-032-39150-6_7"
    assert first["journal_ref"].startswith("Experimental IR Meets Multilinguality")


def test_old_layout_inline_namespaces_and_old_style_id():
    found = parse_api_response(
        (API / "api_idlist-hep-ex0307015_2021-03-25_dialect-map-io.xml").read_bytes()
    )
    assert list(found) == ["hep-ex/0307015"]
    fields = found["hep-ex/0307015"]
    assert {k: v for k, v in fields.items() if k not in ("title", "abstract")} == {
        "comment": "23 pages, 8 figures and 4 tables",
        "doi": "10.1140/epjc/s2003-01326-x",
        "journal_ref": "Eur.Phys.J.C31:17-29,2003",
    }
    # title and abstract too, for a group's seeds (rank.py)
    assert fields["title"].startswith("Multi-Electron Production at High Transverse Momenta")
    assert fields["abstract"].startswith("Multi-electron production is studied")


@pytest.mark.parametrize(
    "name",
    [
        "api_all-Einstein_2018-02-05_di-proposal.xml",
        "api_newbackend_cat-cs.AI-OR-cs.LG-OR-cs.CL_max5_2026-07-11_arxiv-atlas.xml",
        "api_newbackend_run_20260211T113450Z_abi445-arXiv-ingestion-pipeline.xml",
        "api_newbackend_run_20260212T040931Z_abi445-arXiv-ingestion-pipeline.xml",
        "api_newbackend_run_20260212T041036Z_abi445-arXiv-ingestion-pipeline.xml",
        "api_all-electron_usermanual-example_dialect-map-io.xml",
    ],
)
def test_every_real_api_response_parses(name):
    data = (API / name).read_bytes()
    found = parse_api_response(data)
    assert len(found) == data.count(b"<entry")
    for fields in found.values():
        assert all(value == value.strip() and "\n" not in value for value in fields.values())


def test_crlf_committed_files_still_give_one_line_comments():
    data = (
        API / "api_newbackend_run_20260212T041036Z_abi445-arXiv-ingestion-pipeline.xml"
    ).read_bytes()
    assert b"\r\n" in data
    assert any("comment" in f for f in parse_api_response(data).values())


def test_error_feed_raises():
    with pytest.raises(ApiError, match=r"incorrect id format for 1234\.12345"):
        parse_api_response(API_ERROR.read_bytes())


def test_enrich_fills_comment_and_keeps_feed_doi():
    papers = parse_feed(QUANT_PH.read_bytes()).papers[:2]
    with_doi = papers[0].model_copy(update={"doi": "10.1/feed"})
    out = enrich([with_doi, papers[1]], {papers[0].id: {"comment": "5 pages", "doi": "10.1/api"}})
    assert out[0].comment == "5 pages" and out[0].doi == "10.1/feed"
    assert out[1] == papers[1]


def api_feed(ids: list[str]) -> bytes:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{i}v1</id><title>T</title>"
        f"<arxiv:comment>comment for {i}</arxiv:comment></entry>"
        for i in ids
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        f'xmlns:arxiv="http://arxiv.org/schemas/atom"><title>q</title>{entries}</feed>'
    ).encode()


def test_batches_of_100_paced_and_user_agent(server):
    ids = [f"2504.{10000 + k}" for k in range(230)]
    server.route("/api/query", *(Reply(body=api_feed(ids[i : i + 100])) for i in (0, 100, 200)))
    with HttpFetcher(backoff=0.05) as http:
        found = ExportApi(http, server.url + "/api/query", interval=0.4).lookup(ids)
    hits = server.hits_for("/api/query")
    assert [len(h.query["id_list"][0].split(",")) for h in hits] == [100, 100, 30]
    assert all(
        h.query["max_results"] == [str(n)] for h, n in zip(hits, [100, 100, 30], strict=True)
    )
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    assert min(gaps) >= 0.39
    assert hits[0].headers["User-Agent"].startswith("arxiv-digest/")
    assert len(found) == 230 and found[ids[229]]["comment"] == f"comment for {ids[229]}"


def test_default_interval_is_arxivs_three_seconds():
    with HttpFetcher() as http:
        assert ExportApi(http, "http://127.0.0.1:9").interval >= 3.0


def test_429_then_200_honours_retry_after(server):
    server.route(
        "/api/query",
        Reply(503, b"busy", {"Retry-After": "1"}, "text/plain"),
        Reply(body=api_feed(["2504.10001"])),
    )
    with HttpFetcher(backoff=0.01) as http:
        found = ExportApi(http, server.url + "/api/query").lookup(["2504.10001"])
    hits = server.hits_for("/api/query")
    assert len(hits) == 2 and hits[1].at - hits[0].at >= 1.0
    assert found["2504.10001"]["comment"] == "comment for 2504.10001"


def test_api_down_raises_api_error_after_retries(server):
    server.route("/api/query", Reply(503, b"down", {}, "text/plain"))
    with HttpFetcher(backoff=0.01, attempts=3) as http, pytest.raises(ApiError, match="503"):
        ExportApi(http, server.url + "/api/query").lookup(["2504.10001"])
    assert len(server.hits_for("/api/query")) == 3
