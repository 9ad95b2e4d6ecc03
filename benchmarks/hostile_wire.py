"""Issue 18's network attacks on the real CLI, each against hostile servers on 127.0.0.1, with
exit code, wall time and the CLI process's own peak memory (wait4).

    python -m benchmarks.hostile_wire [SOURCE_TREE]   # default: this checkout

SOURCE_TREE lets the same attacks run against an older checkout (before → after). Each run is
killed after LIMIT seconds ("killed" in the table): the old code never ended some of them.
Doctor's rows also include its other checks (a POST to a server that has no chat route is
retried as a 5xx), so their time is not the model list's alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import MULTI, QUANT_PH
from tests.support.fake_llm import FakeLLM
from tests.support.hostile import MB, drip, endless, gzip_bomb, run_measured
from tests.support.http_server import Reply, ScriptedServer

LIMIT = 40.0
ROOT = Path(__file__).resolve().parents[1]
SECRETS = ("hunter2pass", "qsecret123")


def main() -> None:
    tree = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    bomb = gzip_bomb(1000 * MB, QUANT_PH.read_bytes()[:2000])  # 1 MB on the wire, 1 GB decoded
    print(f"source: {tree}; bomb {len(bomb) / MB:.2f} MB → 1000 MB decoded; limit {LIMIT:g} s")
    print("| attack | exit | time | peak MB | note |\n|---|---|---|---|---|")
    for name, attack in ATTACKS.items():
        arxiv, llm = ScriptedServer().start(), FakeLLM().start()
        with tempfile.TemporaryDirectory() as folder:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_", "OPENAI_"))},
                "PYTHONPATH": f"{tree}{os.pathsep}{ROOT}",
                "ARXIV_DIGEST_RSS_URL": arxiv.url + "/rss",
                "ARXIV_DIGEST_API_URL": arxiv.url + "/api/query",
                "ARXIV_DIGEST_CACHE": f"{folder}/cache.sqlite3",
                "ARXIV_DIGEST_PROMPTS_DIR": str(ROOT / "prompts"),
                "ARXIV_DIGEST_MODEL": "gpt-4o-mini",
                "OPENAI_BASE_URL": llm.base_url,
                "OPENAI_API_KEY": "sk-bench-0123456789",
            }
            args, note = attack(arxiv, llm, env, Path(folder), bomb)
            limit = float(env.pop("BENCH_LIMIT", LIMIT))
            started = time.monotonic()
            code, stderr, peak = run_measured(args, env, Path(folder), timeout=limit)
            took = time.monotonic() - started
            shown = "killed" if took >= limit - 0.5 else str(code)
            extra = note(stderr) if note else stderr.strip().splitlines()[-1:] or [""]
            print(f"| {name} | {shown} | {took:.1f} s | {peak:.0f} | {_cell(extra)} |", flush=True)
        arxiv.stop()
        llm.stop()


def _cell(note: object) -> str:
    text = note if isinstance(note, str) else " ".join(str(n) for n in note)  # type: ignore[attr-defined]
    return text.replace("|", "/")[:150]


Note = Callable[[str], str] | None
Attack = Callable[[ScriptedServer, FakeLLM, dict[str, str], Path, bytes], tuple[list[str], Note]]
FEED = ["summarize", "-c", "quant-ph", "--no-llm"]
LLM_RUN = ["summarize", "--feed", str(MULTI), "--no-enrich"]


def feed_bomb(arxiv, llm, env, folder, bomb):
    arxiv.route("/rss/quant-ph", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    return FEED, None


def feed_endless(arxiv, llm, env, folder, bomb):
    arxiv.route("/rss/quant-ph", Reply(stream=endless(limit=LIMIT)))
    return FEED, None


def feed_drip(arxiv, llm, env, folder, bomb):
    arxiv.route("/rss/quant-ph", Reply(stream=drip(QUANT_PH.read_bytes(), 1.0, LIMIT)))
    env["ARXIV_DIGEST_FETCH_TIMEOUT"] = "10"  # the default is 120 s
    return FEED, None


def api_bomb(arxiv, llm, env, folder, bomb):
    arxiv.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    arxiv.route("/api/query", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    return FEED, None


def api_drip(arxiv, llm, env, folder, bomb):
    arxiv.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    arxiv.route("/api/query", Reply(stream=drip(b"<feed>" + b" " * 4000, 1.0, LIMIT)))
    env["ARXIV_DIGEST_FETCH_TIMEOUT"] = "10"
    return FEED, None


def chat_bomb(arxiv, llm, env, folder, bomb):
    from tests.support.fake_llm.raw import RAW_ANSWERS

    gzipped = {"Content-Encoding": "gzip"}
    RAW_ANSWERS["bomb1g"] = lambda call: ("application/json", bomb, gzipped)
    llm.fault = lambda call: "bomb1g"
    env["ARXIV_DIGEST_TIMEOUT"] = "30"
    return [*LLM_RUN, "--concurrency", "4"], None


def models_bomb(arxiv, llm, env, folder, bomb):
    arxiv.route("/rss/cs.SD", Reply(body=QUANT_PH.read_bytes()))
    arxiv.route("/v1/models", Reply(body=bomb, headers={"Content-Encoding": "gzip"},
                                    content_type="application/json"))  # fmt: skip
    env["OPENAI_BASE_URL"] = arxiv.url + "/v1"
    return ["doctor"], lambda err: ""


def models_drip(arxiv, llm, env, folder, bomb):
    arxiv.route("/v1/models", Reply(stream=drip(b'{"data": []}' + b" " * 4000, 1.0, LIMIT)))
    env["OPENAI_BASE_URL"] = arxiv.url + "/v1"
    env["ARXIV_DIGEST_TIMEOUT"] = "10"  # the model list is bounded by min(timeout, 30 s)
    return ["doctor"], lambda err: ""


def retry_after(arxiv, llm, env, folder, bomb):
    llm.retry_after = 100000
    llm.script = ["ok", "429"]
    return [*LLM_RUN, "--concurrency", "1"], None


def malformed(mode):
    def attack(arxiv, llm, env, folder, bomb):
        llm.script = [mode]

        def note(err: str) -> str:
            cache = folder / "cache.sqlite3"
            import sqlite3

            kept = sqlite3.connect(cache).execute("select count(*) from summaries").fetchone()[0]
            last = err.strip().splitlines()[-1] if err.strip() else ""
            return f"{kept} of 4 summaries cached; {last}"

        return LLM_RUN, note

    return attack


def same_feed(arxiv, llm, env, folder, bomb):
    arxiv.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    (folder / "arxiv-digest.toml").write_text("".join(
        f'[[groups]]\nname = "g{n}"\ntitle = "x"\ncategories = ["quant-ph"]\n' for n in range(300)
    ))  # fmt: skip
    env["BENCH_LIMIT"] = "300"  # writing 300 digests takes a while whatever the network does
    return ["summarize", "--no-llm", "--no-enrich"], lambda err: (
        f"{len(arxiv.hits_for('/rss/quant-ph'))} feed requests"
    )


def forty(arxiv, llm, env, folder, bomb):
    from arxiv_digest.categories import CATEGORY_NAMES

    cats = sorted(CATEGORY_NAMES)[:40]
    arxiv.route("/rss/" + "+".join(cats), Reply(body=QUANT_PH.read_bytes()))
    args = ["summarize", "--no-enrich", *[p for c in cats for p in ("-c", c)]]
    return args, lambda err: f"{len(llm.calls)} LLM calls; {err.strip().splitlines()[-1][:90]}"


def secrets(arxiv, llm, env, folder, bomb):
    host = llm.base_url.split("//", 1)[1]
    env["OPENAI_BASE_URL"] = f"http://alice:hunter2pass@{host}?api-key=qsecret123"
    env["GITHUB_STEP_SUMMARY"] = str(folder / "summary.md")
    llm.fault = lambda call: "401"

    def note(err: str) -> str:
        summary = (folder / "summary.md").read_text() if (folder / "summary.md").exists() else ""
        return f"secrets printed {sum((err + summary).count(s) for s in SECRETS)} times"

    return LLM_RUN, note


def extra_body(arxiv, llm, env, folder, bomb):
    toml = '[extra_body]\nmodel = "gpt-4-32k"\nmax_tokens = 100000\n'
    (folder / "arxiv-digest.toml").write_text(toml)
    return LLM_RUN, lambda err: (
        f"{len(llm.calls)} calls, model sent {llm.calls[0].body.get('model') if llm.calls else '-'}"
    )


MODES = ("html", "null", "choices_str", "message_str", "content_list", "content_number",
         "usage_null", "usage_str", "sse")  # fmt: skip
MODES = ("html", "null", "choices_str", "message_str", "content_list", "content_number",
         "usage_null", "usage_str", "sse")  # fmt: skip
ATTACKS: dict[str, Attack] = {
    "feed: 1 MB gzip bomb": feed_bomb,
    "feed: endless chunked": feed_endless,
    "feed: 1 byte/s": feed_drip,
    "export API: 1 MB gzip bomb": api_bomb,
    "export API: 1 byte/s": api_drip,
    "chat: 1 MB gzip bombs, 4 in flight": chat_bomb,
    "doctor GET /models: 1 MB gzip bomb": models_bomb,
    "doctor GET /models: 1 byte/s": models_drip,
    "chat: 429 Retry-After 100000": retry_after,
    **{f"chat: one 200 answer is {mode}": malformed(mode) for mode in MODES},
    "300 groups, one feed": same_feed,
    "40 -c categories": forty,
    "user:pass@ and ?api-key= in OPENAI_BASE_URL": secrets,
    "[extra_body] model and max_tokens": extra_body,
}


if __name__ == "__main__":
    main()
