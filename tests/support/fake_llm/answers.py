"""What the fake model answers: a good 标签/简介 (and 中文标题, relevance judgement, 今日概览,
batch answers, search phrases) built from the request, or one of the ways real models get it
wrong, chosen by the request's mode."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

TITLE = re.compile(r"标题[:：]\s*(?:<title>)?(.+?)(?:</title>)?[ \t]*$", re.MULTILINE)
PAPER_ID = re.compile(r"^\[(\S+)\]", re.MULTILINE)
INTERESTS = re.compile(r"读者关注[:：]\s*(.+)")


def judge(interests: str, text: str) -> dict[str, Any]:
    """A stand-in for the model's relevance judgement: high when an interest phrase occurs."""
    phrases = [w.strip() for w in re.split(r"[,;，；、]", interests) if w.strip()]
    hit = next((w for w in phrases if w.lower() in text.lower()), None)
    if hit is None:
        return {"score": 10, "reason": "与读者关注无关"}
    return {"score": 90, "reason": f"直接研究{hit}"}


def good_title_zh(title: str) -> str:
    """A stand-in translation: Chinese words around the title's names, kept as written."""
    from arxiv_digest.summarize.validate import title_names

    names = title_names(title)
    return "面向" + "、".join(names) + "的测试方法研究" if names else "一种测试方法的研究"


def good_summary(title: str) -> str:
    return (
        f"该论文属于测试任务，旨在解决“{title[:24]}”相关的问题。作者提出一种新的方法，"
        "并在多个公开基准上进行验证，实验表明该方法优于现有基线。"
    )


# what the fake "translates" when asked for English search phrases (rank/translate.py)
TRANSLATIONS = {
    "里德堡原子": "Rydberg atoms",
    "格点规范": "lattice gauge theory",
    "语音增强": "speech enhancement",
    "声码器": "vocoder",
}

LONGER = "实验结果显示该方法稳定有效。"  # one more sentence of a longer answer
PLAIN_TOKENS = 80  # about the tokens of a plain answer: a variable one takes its share of time


@dataclass
class Call:
    index: int
    body: dict[str, Any]
    at: float
    mode: str = "ok"
    status: int = 200
    extra: int = 0  # sentences added to the summary (variable-length answers)
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def user(self) -> str:
        users = [m["content"] for m in self.body.get("messages", []) if m["role"] == "user"]
        return users[-1] if users else ""

    @property
    def first_user(self) -> str:
        users = [m["content"] for m in self.body.get("messages", []) if m["role"] == "user"]
        return users[0] if users else ""

    @property
    def title(self) -> str:
        match = TITLE.search(self.first_user)
        return match.group(1).strip() if match else ""


def content(call: Call, mode: str) -> str:
    """The answer's text for a request, well made unless ``mode`` says how it goes wrong."""
    if '"overview"' in call.body["messages"][0]["content"]:
        return overview(call, mode)
    if "English search phrases" in json.dumps(call.body.get("messages", [])[:1]):
        asked = call.first_user.split("Interests:", 1)[-1]
        found = [en for zh, en in TRANSLATIONS.items() if zh in asked]
        return json.dumps({"phrases": found}, ensure_ascii=False)
    ids = PAPER_ID.findall(call.first_user)
    if ids and "JSON 数组" in "".join(m["content"] for m in call.body["messages"]):
        return batch_content(call, ids, mode)
    summary = good_summary(call.title) + LONGER * call.extra
    tags = ["测试标签", "机器学习"]
    asked = INTERESTS.search(call.first_user)
    judgement = judge(asked.group(1), call.first_user[: asked.start()]) if asked else {}
    if "title_zh" in call.body["messages"][0]["content"]:  # the prompt asks for it
        judgement = {"title_zh": good_title_zh(call.title), **judgement}
        if mode == "title_zh_english":
            judgement["title_zh"] = "A Test Method Study"
        elif mode == "title_zh_missing":
            del judgement["title_zh"]
        elif mode == "title_zh_no_names":  # translated the names away
            judgement["title_zh"] = "一种测试方法的研究"
    if judgement and mode in ("score_missing", "score_word", "score_english"):
        judgement = {
            "score_missing": {},
            "score_word": {**judgement, "score": "很高"},
            "score_english": {**judgement, "reason": "Directly about the topic."},
        }[mode]
    elif judgement and mode == "score_loose":  # 评分 as a string with 分, 理由 as the key
        score, reason = judgement.pop("score"), judgement.pop("reason")
        judgement = {**judgement, "评分": f"{score}分", "理由": reason}
    good = json.dumps({"tags": tags, "summary": summary, **judgement}, ensure_ascii=False)
    if mode == "nonjson":
        return "抱歉，我无法按要求回答。"
    if mode == "english":
        summary = "This paper studies a test task and proposes a method that works well."
        tags = ["testing"]
    elif mode == "long":
        summary = summary * 6
    elif mode == "zi":
        summary = f"**{summary}**（99字）"
    elif mode == "empty":
        return ""
    elif mode == "fenced":
        fenced = json.dumps({"tags": tags, "summary": summary, **judgement})
        return "```json\n" + fenced + "\n```"
    elif mode == "think_braces":  # Qwen3 / DeepSeek-R1 served raw: thinking in content
        return (
            '<think>\n用户要求输出 {"tags": [...], "summary": "..."}，键是 Summary 和 '
            'Tags，也就是 简介/标签。先想想 {这篇论文} 讲什么。\n</think>\n\n' + good
        )
    elif mode == "think_unclosed_prefix":  # the template opened <think>; only its end comes
        return '思考：输出 {"summary": "…"} 的格式。\n</think>\n' + good
    elif mode == "other_case_keys":
        return json.dumps({"Tags": tags, "Summary": summary, **judgement}, ensure_ascii=False)
    elif mode == "chinese_keys":
        zh = {"中文标题": judgement.pop("title_zh")} if "title_zh" in judgement else {}
        answer = {"标签": tags, "简介": summary, **zh, **judgement}
        return json.dumps(answer, ensure_ascii=False)
    elif mode == "raw_newline":  # a literal line break inside the JSON string
        half = len(summary) // 2
        return good.replace(summary, summary[:half] + "\n" + summary[half:])
    elif mode == "echo_example":
        return 'JSON 格式：{"tags": ["标签"], "summary": "简介"}\n回答：' + good
    elif mode == "placeholder_tag":  # a weak model copies the fill-in text
        tags = ["1–3 个中文标签"]
    elif mode == "nested_brackets":  # well inside max_tokens, deeper than any parser
        return '{"tags": ' + "[" * 1200 + "]" * 1200 + ', "summary": "x"}'
    elif mode == "controls":  # NUL, a right-to-left override and a zero-width space
        summary = summary[:10] + "\x00\u202e\u200b" + summary[10:]
        tags = ["测试\u202e标签", "机器学习"]
    elif mode == "url":
        summary = summary + "详情见 https://evil.example/login 或 www.evil.example。"
        tags = ["见www.x.cn", "机器学习"]
    elif mode == "url_reason":
        judgement = {**judgement, "reason": "见 https://evil.example/login 相关"}
    return json.dumps({"tags": tags, "summary": summary, **judgement}, ensure_ascii=False)

def overview(call: Call, mode: str) -> str:
    """今日概览 over the numbered titles and 简介 the request lists."""
    papers = re.findall(r"(?m)^\d+\. (?:<title>)?(.+?)(?:</title>)?$", call.first_user)
    first = papers[0][:40] if papers else "无"
    text = (
        f"今天共有 {len(papers)} 篇论文，主题集中在测试任务与方法评估上。代表性工作如“{first}”"
        "提出了新的方法并在公开基准上验证了效果；多篇论文关注模型的可靠性、效率与可解释性，"
        "也有工作讨论数据集构建和评测协议的改进。整体来看，研究者更加重视在真实场景中的"
        "泛化能力以及与已有基线的公平比较。"
    )
    if mode == "overview_short":
        text = "今天论文很多。"
    elif mode == "overview_english":
        text = "Today's papers are about testing. " * 8
    return json.dumps({"overview": text}, ensure_ascii=False)

def batch_content(call: Call, ids: list[str], mode: str) -> str:
    titles = TITLE.findall(call.first_user)
    asked = INTERESTS.search(call.first_user)
    blocks = PAPER_ID.split(call.first_user[: asked.start()] if asked else call.first_user)
    texts = blocks[2::2]  # split keeps the ids: [header, id, text, id, text, …]
    items = []
    for number, (paper_id, title) in enumerate(zip(ids, titles, strict=False)):
        summary = good_summary(title.strip())
        if mode == "english" and number == 0:
            summary = "English only answer for the first paper of the batch."
        item = {"id": paper_id, "tags": ["测试标签"], "summary": summary}
        if "title_zh" in call.first_user[:300]:
            item["title_zh"] = good_title_zh(title.strip())
        if asked and number < len(texts):
            item.update(judge(asked.group(1), texts[number]))
        items.append(item)
    if mode == "nonjson":
        return "不是 JSON"
    return json.dumps({"papers": items}, ensure_ascii=False)
