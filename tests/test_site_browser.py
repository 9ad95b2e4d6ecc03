"""The web reader in a real browser: Debian's chromium driven by Playwright, the site served from
127.0.0.1. One browser for the whole module, and one small site (four digests over three days)
for the whole session (tests/conftest.py)."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_digest.site.search import pagefind_binary
from tests.support.site_fixture import NEEDLE, ReaderSite

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"
)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(reader_site: ReaderSite) -> Iterator[tuple[str, Path]]:
    handler = functools.partial(Quiet, directory=str(reader_site.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", reader_site.output
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


class Watched:
    """A page whose requests and errors are recorded."""

    def __init__(self, browser: object, base: str, **context: object) -> None:
        self.context = browser.new_context(**context)  # type: ignore[attr-defined]
        self.context.set_default_timeout(8000)
        self.page = self.context.new_page()
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(r.url))

    def off_site(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.base, "blob:", "data:"))]

    def close(self) -> None:
        self.context.close()


def papers_of(output: Path, day: str, group: str) -> list[dict[str, object]]:
    return json.loads((output / day / f"{group}.json").read_text(encoding="utf-8"))["papers"]


def test_a_day_page_has_every_paper_with_math_and_nothing_from_elsewhere(site, browser) -> None:
    base, output = site
    w = Watched(browser, base)
    w.page.goto(base + "2025-04-28/quant.html")
    w.page.wait_for_function("document.querySelectorAll('.tex.typeset').length > 0")
    ids = w.page.eval_on_selector_all("article.paper", "els => els.map(e => e.dataset.id)")
    assert ids == [p["id"] for p in papers_of(output, "2025-04-28", "quant")]
    anchored = w.page.evaluate("ids => ids.map(id => document.getElementById(id)?.tagName)", ids)
    assert anchored == ["H3"] * len(ids)  # every paper can be linked by its arXiv id
    tex = w.page.locator("span.tex").count()
    assert tex > 20
    assert w.page.locator("span.tex.typeset .katex").count() == tex  # every formula typeset
    assert w.page.locator(".katex-error").count() == 0
    assert w.page.locator("text=（生成失败，下次运行时重试）").count() == 1
    # the abstract is folded, and opens
    first = w.page.locator("article.paper").first
    assert not first.locator("details.abstract").evaluate("d => d.open")
    first.locator("details.abstract summary").click()
    assert first.locator("details.abstract p").is_visible()
    w.page.goto(base + "index.html")
    assert w.page.locator(".month td.has a").count() == 3
    assert w.off_site() == [] and w.errors == []
    w.close()


def test_a_filter_and_a_read_mark_survive_a_reload(site, browser) -> None:
    base, _ = site
    w = Watched(browser, base)
    w.page.goto(base + "2025-04-28/quant.html")
    total = w.page.locator("article.paper").count()
    w.page.select_option("select[name=tag]", "纠缠")
    w.page.fill("input[name=min]", "30")
    w.page.dispatch_event("input[name=min]", "change")
    w.page.select_option("select[name=sort]", "score")
    assert "tag=" in w.page.url and "min=30" in w.page.url and "sort=score" in w.page.url
    shown = w.page.locator("article.paper:visible")
    count = shown.count()
    assert 0 < count < total
    for section in ("new", "replaced"):  # sorted within each section
        scores = [int(s) for s in w.page.locator(f"#section-{section} article.paper:visible")
                  .evaluate_all("els => els.map(e => e.dataset.score)")]
        assert all(s >= 30 for s in scores) and scores == sorted(scores, reverse=True)
    w.page.keyboard.press("Escape")  # out of the sort menu: keys go to the page again
    w.page.keyboard.press("j")
    current = w.page.locator("article.paper.current")
    read_id = current.get_attribute("data-id")
    w.page.keyboard.press("x")
    w.page.keyboard.press("s")
    w.page.reload()
    assert w.page.locator("article.paper:visible").count() == count
    assert w.page.input_value("select[name=tag]") == "纠缠"
    article = w.page.locator(f"article.paper[data-id='{read_id}']")
    assert "is-read" in (article.get_attribute("class") or "")
    w.page.goto(base + "starred.html")
    assert w.page.locator(f"#starred a[href*='{read_id}']").count() == 1
    assert w.off_site() == [] and w.errors == []
    w.close()


@pytest.mark.skipif(pagefind_binary() is None, reason="Pagefind not installed (arxiv-digest[site])")
def test_search_finds_a_paper_of_another_day(site, browser) -> None:
    base, output = site
    w = Watched(browser, base)
    w.page.goto(base + "2025-04-28/quant.html")
    w.page.keyboard.press("/")
    w.page.keyboard.type(NEEDLE)
    hit = w.page.locator("#results a.r-hit").first
    hit.wait_for()
    wanted = papers_of(output, "2026-04-27", "cl")[0]["id"]
    assert hit.get_attribute("href").endswith(f"2026-04-27/cl.html#{wanted}")
    assert NEEDLE in hit.locator("mark").all_text_contents()[0] or hit.locator("mark").count()
    hit.click()
    w.page.wait_for_url(f"**/2026-04-27/cl.html#{wanted}")
    assert w.page.locator(f"[id='{wanted}']").is_visible()
    assert w.off_site() == [] and w.errors == []
    w.close()


def test_dark_mode_phone_screen_and_no_script(site, browser) -> None:
    base, _ = site
    w = Watched(browser, base, color_scheme="dark", viewport={"width": 390, "height": 844},
                device_scale_factor=1, is_mobile=True, has_touch=True)
    for path in ("index.html", "2025-04-28/quant.html", "starred.html"):
        w.page.goto(base + path)
        w.page.wait_for_load_state("load")
        width = w.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways ({width} px)"
    background = "getComputedStyle(document.body).backgroundColor"
    assert w.page.evaluate(background) == "rgb(23, 24, 26)"  # the system's dark
    w.page.click("#theme")
    assert w.page.evaluate(background) == "rgb(253, 253, 252)"
    w.page.reload()
    assert w.page.evaluate(background) == "rgb(253, 253, 252)"  # the choice is kept
    assert w.off_site() == [] and w.errors == []
    w.close()
    bare = Watched(browser, base, java_script_enabled=False)
    bare.page.goto(base + "2025-04-28/quant.html")
    assert bare.page.locator("article.paper").count() == 81
    assert bare.page.locator("article.paper h3 a").first.is_visible()
    bare.close()
