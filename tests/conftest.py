from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_llm import FakeLLM
from tests.support.http_server import ScriptedServer
from tests.support.site_fixture import ReaderSite, build_reader_site

FIXTURES = Path(__file__).parent / "fixtures"
QUANT_PH = FIXTURES / "rss" / "rss2_quant-ph_2025-04-28_RSSFeeds.jl.xml"
MULTI = FIXTURES / "rss" / "rss2_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_TRIMMED4_laya-reader.xml"
CL_DISTILL = FIXTURES / "rss" / "rss2_cs.CL_2026-04-27_TRIMMED3_distill.xml"
ATOM = FIXTURES / "atom" / "atom_cs.LG_2026-09-25_TRIMMED3_abstracts-cut_paper-forge.xml"
LEGACY = FIXTURES / "legacy" / "rss1_cs_2018-08-30_nim-rss.rdf"
HTML = FIXTURES / "html" / "list_cs.AI_new_2026-08-12_excerpt_Polaris.html"
API_ERROR = FIXTURES / "api" / "api_error-response_usermanual-example_dialect-map-io.xml"
ROOT = Path(__file__).resolve().parents[1]
LLM_KEY = "sk-test-SECRET-4f9a2b"  # grepped for: it must never land in output, logs or cache


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in an empty folder with none of the user's settings or cache."""
    for key in list(os.environ):
        if key.startswith(("ARXIV_DIGEST_", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ARXIV_DIGEST_CACHE", str(tmp_path / "cache.sqlite3"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def reader_site(tmp_path_factory: pytest.TempPathFactory) -> ReaderSite:
    """The web reader's small site, built once for the browser tests and the search tests."""
    return build_reader_site(tmp_path_factory.mktemp("reader"))


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """A fake OpenAI-compatible endpoint the real SDK reaches over HTTP, with fast retries."""
    fake = FakeLLM().start()
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", LLM_KEY)
    monkeypatch.setenv("ARXIV_DIGEST_RETRY_BACKOFF", "0.05")
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "2")
    monkeypatch.setenv("ARXIV_DIGEST_PROMPTS_DIR", str(ROOT / "prompts"))
    # one request per paper, as most tests count them; tests/test_overview.py turns it on
    monkeypatch.setenv("ARXIV_DIGEST_OVERVIEW", "false")
    yield fake
    fake.stop()


def empty_day(feed: bytes) -> bytes:
    """arXiv's weekend/holiday feed: the normal channel header, zero items.

    No real empty-day capture exists, so it is made from the real quant-ph file by deleting
    its <item> elements, which is what arXiv's generator serves on those days.
    """
    head, _, rest = feed.partition(b"    <item>")
    _, _, tail = rest.rpartition(b"</item>\n")
    return head + tail
