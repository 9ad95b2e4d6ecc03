"""Pushes after the digest: Feishu card, WeCom markdown, apprise's json:// and e-mail, each to a
receiver on 127.0.0.1; once per group and day; failures warned, recorded and retried."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Digest, Entry, Group
from arxiv_digest.publish import feishu, wecom
from arxiv_digest.publish.message import fit, html_body, make_brief, markdown, utf8_size
from arxiv_digest.render.links import Links
from arxiv_digest.sources.feed import parse_feed
from tests.conftest import CL_DISTILL, QUANT_PH, empty_day
from tests.support.fake_llm import FakeLLM
from tests.support.webhooks import Hooks, Mailbox

runner = CliRunner()
DAY = CL_DAY = Path("output") / "2026-04-27"
DIGEST_URL = "https://github.com/someone/papers/blob/main/output/2026-04-27/q.md"
SECRET = "s3cret-signing-9d8e"
DIGEST_URL_Q = "https://github.com/someone/papers/blob/main/output/2025-04-28/q.md"


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    receiver = Hooks(secret=SECRET)
    yield receiver
    receiver.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.stop()


@pytest.fixture(autouse=True)
def github(monkeypatch: pytest.MonkeyPatch, llm: FakeLLM) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/papers")
    monkeypatch.delenv("ARXIV_DIGEST_OVERVIEW")  # 今日概览 in the pushes too


def configure(folder: Path, *urls: str, top: int = 50, category: str = "quant-ph") -> None:
    notify = ", ".join(json.dumps(u) for u in urls)
    (folder / "arxiv-digest.toml").write_text(
        f'[[groups]]\nname = "q"\ntitle = "量子"\ncategories = ["{category}"]\n'
        'interests = "Rydberg atoms, lattice gauge theory"\nllm_score = true\n'
        f"top = {top}\nnotify = [{notify}]\n"
    )


def summarize(*extra: str, code: int = 0, feed: Path = CL_DISTILL) -> str:
    args = ["summarize", "--no-enrich", "--feed", str(feed), "-g", "q", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.stderr
    return result.stdout + result.stderr


def test_every_channel_gets_one_message_within_its_limit_and_a_rerun_sends_nothing(
    hooks: Hooks, mailbox: Mailbox, isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    configure(isolated, hooks.feishu_url(), hooks.wecom_url(), category="cs.CL")
    monkeypatch.setenv("ARXIV_DIGEST_NOTIFY", f"{hooks.json_url()}\n{mailbox.url()}")
    log = summarize()
    data = json.loads((isolated / DAY / "q.json").read_text())

    (card,) = hooks.of("feishu")  # signed, and the secret itself never sent
    assert card["msg_type"] == "interactive" and card["sign"] and card["timestamp"]
    assert all("secret" not in path for kind, path, _ in hooks.received if kind == "feishu")
    text = json.dumps(card, ensure_ascii=False)
    assert len(text.encode()) <= 20_000
    assert card["card"]["header"]["title"]["content"] == "量子 · 2026-04-27"
    assert data["overview"] in text and "⭐ 今日推荐" in text
    top = max(data["papers"], key=lambda p: p["score"] or 0)
    assert f"**{top['title_zh']}** ｜ " in text and f"— {top['score']} 分" in text
    assert f"{DIGEST_URL}#{top['id']}" in text  # each paper links to its block

    (wecom,) = hooks.of("wecom")
    content = wecom["markdown"]["content"]
    assert wecom["msgtype"] == "markdown" and f"[完整日报]({DIGEST_URL})" in content
    assert content.count(" 分，") == 3  # every paper judged, all three listed

    (posted,) = hooks.of("json")
    assert posted["title"] == "量子 · 2026-04-27" and "今日概览" in posted["message"]

    (mail,) = mailbox.messages
    assert mail["Subject"] == "量子 · 2026-04-27"
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    body = html.get_content()
    assert len(body.encode()) < 100_000 and data["overview"] in body
    assert f'<a href="{DIGEST_URL}">完整日报</a>' in body

    assert "pushed q 2026-04-27 → Feishu/Lark bot (127.0.0.1)" in log
    assert "pushed q 2026-04-27 → mailto://" in log
    for token in ("feishu-token-a1b2c3", SECRET, hooks.wecom_key):
        assert token not in log
        assert token.encode() not in (isolated / "cache.sqlite3").read_bytes()

    summarize("--force")  # the day rewritten: nothing sent again
    assert len(hooks.received) == 3 and len(mailbox.messages) == 1


def test_a_refused_push_warns_without_the_token_keeps_the_exit_code_and_is_retried_next_run(
    hooks: Hooks, isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    wrong = hooks.feishu_url().replace(SECRET, "not-the-secret")
    bad_key = hooks.wecom_url().replace(hooks.wecom_key, "revoked-key-00")
    configure(isolated, wrong, bad_key, category="cs.CL")
    summary = isolated / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    log = " ".join(summarize().split())  # exit 0: the digest is whole
    assert (isolated / CL_DAY / "q.md").is_file()
    assert len(hooks.of("feishu")) == 3 and len(hooks.of("wecom")) == 3  # a few tries each
    assert (
        "push q 2026-04-27 → Feishu/Lark bot (127.0.0.1) failed: HTTP 200, code 19021: sign "
        "match fail" in log
    )
    assert "→ WeCom bot (127.0.0.1) failed: HTTP 200, errcode 93000" in log
    assert "tried again on the next run" in log
    for secret in ("feishu-token-a1b2c3", "not-the-secret", "revoked-key-00"):
        assert secret not in log and secret not in summary.read_text()
    assert "⚠️ push q 2026-04-27 → Feishu/Lark bot (127.0.0.1) failed" in summary.read_text()

    configure(isolated, hooks.feishu_url(), hooks.wecom_url(), category="cs.CL")  # fixed
    holiday = isolated / "holiday.xml"
    holiday.write_bytes(empty_day(CL_DISTILL.read_bytes()))
    result = runner.invoke(app, ["summarize", "--no-enrich", "--feed", str(holiday), "-g", "q"])
    assert result.exit_code == 0, result.stderr
    assert "nothing written" in result.stderr  # and yet the pushes still owed go out
    assert len(hooks.of("feishu")) == 4 and len(hooks.of("wecom")) == 4
    assert hooks.received[-1][2]["msgtype"] == "markdown"
    summarize()
    assert len(hooks.received) == 8  # owed no more


def test_a_flaky_channel_is_tried_again_within_the_run(hooks: Hooks, isolated: Path):
    hooks.fail = {"feishu": 2}  # "frequency limited" twice, then fine
    configure(isolated, hooks.feishu_url(), category="cs.CL")
    log = summarize()
    assert len(hooks.of("feishu")) == 3 and "pushed q 2026-04-27" in log
    assert "→ Feishu/Lark bot (127.0.0.1) failed" not in log


def test_a_ledger_that_cannot_record_stops_the_pushes_naming_the_channel_and_the_file(
    hooks: Hooks, isolated: Path
):
    """A real ledger that is read but cannot be written (a pushes table from another version,
    without the tries column): the first push goes out, recording it fails. That push is
    named, with the file, as one that may come twice, and no more are sent (each would)."""
    cache = isolated / "cache.sqlite3"
    with sqlite3.connect(cache) as db:
        db.execute(
            "CREATE TABLE pushes (grp TEXT, day TEXT, target TEXT, status TEXT, detail TEXT, "
            "updated REAL, PRIMARY KEY (grp, day, target))"
        )
    db.close()
    configure(isolated, hooks.feishu_url(), hooks.wecom_url(), category="cs.CL")
    log = " ".join(summarize().split())  # exit 0: the digest is whole
    assert len(hooks.received) == 1 and hooks.of("feishu")
    assert "pushed q 2026-04-27 → Feishu/Lark bot (127.0.0.1)" in log
    assert (
        f"cannot record the push of q 2026-04-27 → Feishu/Lark bot (127.0.0.1) in {cache} "
        "(table pushes has no column named tries): the next run may send it again; pushes "
        "stopped, 1 more not sent" in log
    )


def test_pushes_that_cannot_set_up_https_warn_so_and_keep_the_exit_code(
    hooks: Hooks, isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(isolated / "missing.pem"))  # httpx reads it
    configure(isolated, hooks.feishu_url(), category="cs.CL")
    log = " ".join(summarize("--no-llm").split())
    assert not hooks.received
    assert f"nothing pushed: cannot set up HTTPS (SSL_CERT_FILE={isolated / 'missing.pem'}" in log


def big_day() -> Digest:
    """81 real papers, every one starred with a 中文标题 and a reason: more than any chat
    message holds."""
    papers = parse_feed(QUANT_PH.read_bytes()).papers
    entries = [
        Entry(paper=p, status="ok", tags=["量子"], summary="简介" * 40, score=99 - n,
              reason="直接研究读者关注的问题" * 4, title_zh="关于量子模拟的一项研究" * 2)
        for n, p in enumerate(papers)
    ]  # fmt: skip
    group = Group(name="q", title="量子", categories=["quant-ph"], top=50)
    return Digest(date=dt.date(2025, 4, 28), group=group, entries=entries, overview="概览" * 150)


@pytest.mark.parametrize(
    ("channel", "limit"),
    [("wecom", 4096), ("feishu", 20_000), ("telegram", 4096), ("discord", 2000), ("mail", 100_000)],
)
def test_each_channel_drops_whole_papers_from_the_end_to_fit(channel: str, limit: int):
    links = Links.make(None, Path("output"), {"GITHUB_SERVER_URL": "https://github.com",
                                              "GITHUB_REPOSITORY": "someone/papers"})  # fmt: skip
    brief = make_brief(big_day(), links)
    assert len(brief.items) == 50
    if channel == "wecom":
        text = wecom.content(brief)
    elif channel == "feishu":
        text = json.dumps(feishu.payload(brief, "s3cret"), ensure_ascii=False)
    elif channel == "mail":
        text = fit(lambda i, c: html_body(brief, i, c), brief.items, limit, utf8_size)
    else:
        text = fit(lambda i, c: markdown(brief, i, c), brief.items, limit)
    size = len(text) if channel in ("telegram", "discord") else len(text.encode())
    assert size <= limit
    listed = re.findall(r"\[(?:new|replaced) \d{3}\]", text)
    assert listed == [f"[new {n:03d}]" for n in range(1, len(listed) + 1)]  # a prefix, in order
    if channel == "mail":
        assert len(listed) == 50 and "完整日报" in text  # an e-mail holds them all
    else:
        assert 0 < len(listed) < 50 and "…完整列表" in text and DIGEST_URL_Q in text


def test_an_apprise_channel_that_fails_is_named_by_its_scheme_only(hooks: Hooks, isolated: Path):
    hooks.fail = {"json": 3}  # HTTP 500 three times
    configure(isolated, hooks.json_url() + "-token-5e6f7a", category="cs.CL")
    log = " ".join(summarize().split())
    assert len(hooks.of("json")) == 3
    assert "push q 2026-04-27 → json:// failed: " in log and "tried again on the next run" in log
    assert "token-5e6f7a" not in log and "127.0.0.1:" not in log.split("→ json://")[1][:200]
