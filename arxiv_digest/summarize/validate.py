"""Check what the model said before it is kept: JSON shape, Chinese, one paragraph, length, tags.

Small cosmetic slips (an echoed （99字）, stray ``**``, line breaks) are cleaned; anything else is
an AnswerError whose message is sent back to the model in the one corrective retry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError, field_validator

from arxiv_digest.models import Summary
from arxiv_digest.untrusted import MAX_ANSWER_CHARS, clean

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Japanese is mostly these same Han characters: its kana (hiragana, katakana, their phonetic
# extensions and half-width forms) and Korean's Hangul are what tell it is not Chinese
_NOT_CHINESE = re.compile(
    r"[\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
# （99字）, (共120字), 【约100字】, 字数：99 …: echoed length notes from the prompt
_LENGTH_NOTE = re.compile(
    r"[（(【\[]\s*(?:共|约|全文)?\s*\d+\s*(?:个)?(?:汉)?字\s*[）)】\]]"
    r"|(?:字数|总字数)\s*[:：]\s*\d+\s*(?:字)?"
)
_LEAD_LABEL = re.compile(r"^\s*(?:简介|摘要|总结|summary)\s*[:：]\s*", re.IGNORECASE)
_LIST_OR_HEADING = re.compile(r"(?m)^\s*(?:#{1,6}\s|[-*+•]\s|\d+[.、)]\s)")
_TAG_SPLIT = re.compile(r"[;；,，、/|]+")


class AnswerError(ValueError):
    """The answer can't be kept; the message tells the model what to fix."""


@dataclass(frozen=True)
class Limits:
    min_chars: int = 40
    max_chars: int = 200
    max_tags: int = 3
    max_tag_chars: int = 12
    placeholders: frozenset[str] = frozenset()  # example values from the prompts
    title_zh: bool = False  # the prompts ask for "title_zh" (a user's older prompts may not)


class _Answer(BaseModel):
    tags: list[str]
    summary: str
    score: object = None  # read only when the model was asked to judge relevance
    reason: object = None
    title_zh: object = None  # read only when the prompts ask for it

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_as_list(cls, value: object) -> object:
        if isinstance(value, str):  # "语音增强; 扩散模型" is a common slip
            return [t for t in _TAG_SPLIT.split(value) if t.strip()]
        return value


_THINK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<think(?:ing)?>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think(?:ing)?>", re.IGNORECASE)
# keys as models write them → ours; compared lower-cased and stripped
KEY_ALIASES = {
    "summary": "summary",
    "简介": "summary",
    "摘要": "summary",
    "总结": "summary",
    "tags": "tags",
    "tag": "tags",
    "标签": "tags",
    "关键词": "tags",
    "score": "score",
    "评分": "score",
    "分数": "score",
    "相关度": "score",
    "reason": "reason",
    "理由": "reason",
    "原因": "reason",
    "title_zh": "title_zh",
    "titlezh": "title_zh",
    "title_cn": "title_zh",
    "chinese_title": "title_zh",
    "中文标题": "title_zh",
    "标题": "title_zh",
}
MAX_REASON_CHARS = 40
_SCORE_TEXT = re.compile(r"^\s*(\d{1,3})(?:\.0+)?\s*(?:分|/\s*100)?\s*$")


def strip_thinking(text: str) -> str:
    """A reasoning model's <think> block is never the answer, braces and keys inside included."""
    text = _THINK.sub("", text)
    close = list(_THINK_CLOSE.finditer(text))
    if close:  # templates that open the block in the prompt send only its end
        text = text[close[-1].end() :]
    opened = _THINK_OPEN.search(text)
    if opened:  # cut off while still thinking
        text = text[: opened.start()]
    return text


def normalize_keys(value: dict[str, object]) -> dict[str, object]:
    """Summary, TAGS, 简介, 标签 … as summary and tags; other keys kept as they are."""
    out: dict[str, object] = {}
    for key, item in value.items():
        name = KEY_ALIASES.get(str(key).strip().lower(), key)
        out.setdefault(name, item)
    return out


def json_objects(text: str) -> list[dict[str, object]]:
    """Every top-level JSON object in the text, in order: prose, fences and echoes around them
    are skipped; raw newlines inside strings are accepted (strict=False)."""
    decoder = json.JSONDecoder(strict=False)
    found: list[dict[str, object]] = []
    index = text.find("{")
    while index >= 0:
        try:
            value, end = decoder.raw_decode(text, index)
        except (ValueError, RecursionError):
            index = text.find("{", index + 1)
            continue
        if isinstance(value, dict):
            found.append(normalize_keys(value))
        index = text.find("{", end)
    return found


def candidates(text: str, keys: tuple[str, ...] = ("summary", "tags")) -> list[dict[str, object]]:
    """The objects that carry the answer's keys (an echoed example may come first)."""
    body = _FENCE.sub("", strip_thinking(text[: MAX_ANSWER_CHARS * 20]).strip())
    objects = json_objects(body)
    if not objects:
        raise AnswerError("回答中没有 JSON 对象")
    keyed = [o for o in objects if any(k in o for k in keys)]
    return keyed or objects[:1]


def extract_json(text: str, keys: tuple[str, ...] = ("summary", "tags")) -> dict[str, object]:
    """The first JSON object with the answer's keys, also when wrapped in prose or code fences."""
    return candidates(text, keys)[0]


def cjk_share(text: str) -> float:
    letters = [c for c in text if not c.isspace() and not _is_punct(c)]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _CJK.match(c)) / len(letters)


def _is_punct(char: str) -> bool:
    return not char.isalnum() and not _CJK.match(char)


def clean_summary(text: str) -> str:
    text = _LENGTH_NOTE.sub("", text)
    text = text.replace("**", "").replace("__", "")
    text = _LEAD_LABEL.sub("", text)
    # lines of one paragraph joined: no space between Chinese characters, one otherwise
    parts = [p.strip() for p in text.splitlines() if p.strip()]
    joined = ""
    for part in parts:
        if joined and not (_CJK.match(joined[-1]) or _CJK.match(part[0])):
            joined += " "
        joined += part
    return re.sub(r"[ \t]{2,}", " ", joined).strip()


def clean_tag(tag: str) -> str:
    """A tag is one line: a line break in it would reach logs and the digest's one-line fields."""
    tag = " ".join(tag.split())
    return tag.replace("*", "").replace("#", "").strip().strip("\"'“”「」[]【】")


def check_answer(
    text: str, limits: Limits | None = None, judged: bool = False, title: str = "",
    lenient: bool = False,
) -> Summary:  # fmt: skip
    """A cleaned Summary from the model's text, or AnswerError saying what is wrong.

    The first object that passes wins, so an echoed example before the real answer costs
    nothing; when none passes, the last one's problem is what the model is told.
    """
    error: AnswerError | None = None
    for data in candidates(text[:MAX_ANSWER_CHARS]):  # a longer answer is no summary
        try:
            return check_fields(data, limits, judged, title, lenient)
        except AnswerError as exc:
            error = exc
    assert error is not None
    raise error


def check_fields(
    data: object, limits: Limits | None = None, judged: bool = False, title: str = "",
    lenient: bool = False,
) -> Summary:  # fmt: skip
    """The same checks on an answer already parsed (one item of a batch answer); judged: the
    answer must also carry score and reason. title: the English title a title_zh translates;
    lenient (the last try): a bad title_zh is left out rather than costing the summary."""
    limits = limits or Limits()
    if isinstance(data, dict):
        data = normalize_keys(data)
    try:
        answer = _Answer.model_validate(data)
    except (ValidationError, RecursionError) as exc:
        if isinstance(exc, RecursionError):
            raise AnswerError("JSON 嵌套过深") from None
        fields = ", ".join(str(err["loc"][0]) for err in exc.errors() if err["loc"])
        raise AnswerError(
            f"JSON 需要字段 tags（字符串数组）和 summary（字符串）：{fields}"
        ) from None

    raw = clean(answer.summary).strip()
    if _LIST_OR_HEADING.search(raw.replace("**", "")):
        raise AnswerError("summary 必须是一段连续的文字，不能有标题或列表")
    summary = clean_summary(raw)
    if cjk_share(summary) < 0.4 or _NOT_CHINESE.search(summary):
        raise AnswerError("summary 必须用中文撰写（术语可保留英文），不要用日文或韩文")
    length = len(re.sub(r"\s", "", summary))
    if length < limits.min_chars:
        raise AnswerError(
            f"summary 太短（{length} 字），应为 {limits.min_chars}–{limits.max_chars} 字"
        )
    if length > limits.max_chars:
        raise AnswerError(
            f"summary 太长（{length} 字），应为 {limits.min_chars}–{limits.max_chars} 字"
        )

    tags = list(dict.fromkeys(t for t in (clean_tag(clean(t)) for t in answer.tags) if t))
    if not tags:
        raise AnswerError("tags 需要 1–3 个中文标签")
    tags = tags[: limits.max_tags]
    for tag in tags:
        if not _CJK.search(tag) or _NOT_CHINESE.search(tag):
            raise AnswerError(f"标签“{tag}”必须是中文")
        if len(tag) > limits.max_tag_chars:
            raise AnswerError(f"标签“{tag}”太长，每个不超过 {limits.max_tag_chars} 字")
        if is_placeholder(tag, limits.placeholders):
            raise AnswerError(f"标签“{tag}”是占位说明，请写论文的真实主题")
    if summary in limits.placeholders:
        raise AnswerError("summary 是占位说明，请写这篇论文的简介")
    title_zh = None
    if limits.title_zh:
        try:
            title_zh = check_title_zh(answer.title_zh, title, limits.placeholders)
        except AnswerError:
            if not lenient:
                raise
    if not judged:
        return Summary(tags=tags, summary=summary, title_zh=title_zh)
    return Summary(
        tags=tags, summary=summary, score=check_score(answer.score),
        reason=check_reason(answer.reason), title_zh=title_zh,
    )  # fmt: skip


MAX_TITLE_ZH_CHARS = 150
# a word of the English title that is a name: two capitals (LLM, LoRA), a capital after a
# small letter (VoiceBox, iPhone) or letters with digits (GPT-4o, 3D, T5, wav2vec)
_NAME_PART = re.compile(r"[A-Z].*[A-Z]|[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]")
_WORD_EDGE = re.compile(r"^[^\w]+|[^\w+]+$")


def title_names(title: str) -> list[str]:
    """The names and acronyms a translation must keep as written (math and URLs aside); none
    when the title shouts (mostly capitals), where every word would look like one."""
    text = re.sub(r"\$[^$]*\$|\\[A-Za-z]+", " ", title)
    words = [_WORD_EDGE.sub("", w) for w in re.split(r"[\s:;,，：/()（）\[\]]+", text)]
    words = [w for w in words if w]
    # a compound's name parts each: "SIMD-Aware" keeps SIMD, "GPT-4o" both GPT and 4o
    parts = [p for w in words for p in w.split("-") if p]
    letters = [c for c in text if c.isalpha() and c.isascii()]
    if sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return []
    return list(dict.fromkeys(p for p in parts if _NAME_PART.search(p)))


def check_title_zh(
    value: object, title: str = "", placeholders: frozenset[str] = frozenset()
) -> str:
    """One line, mostly Chinese, names and acronyms of the English title kept as written."""
    text = clean_summary(clean(value)) if isinstance(value, str) else ""
    text = text.strip().strip("\"'“”「」《》")
    if not text or re.sub(r"\s", "", text) in placeholders:
        raise AnswerError("title_zh 需要这篇论文标题的中文译文")
    if cjk_share(text) < 0.3:
        raise AnswerError("title_zh 必须是中文译文（模型名、数据集名和缩写保留原文）")
    if len(text) > MAX_TITLE_ZH_CHARS:
        raise AnswerError(f"title_zh 太长，不超过 {MAX_TITLE_ZH_CHARS} 字")
    missing = [n for n in title_names(title) if n not in text and n.removesuffix("s") not in text]
    if missing:
        raise AnswerError(f"title_zh 须按原文保留标题中的名称和缩写：{', '.join(missing)}")
    return text


def check_score(value: object) -> int:
    """85, 85.0, "85", "85分", "85/100"; not a word, not a 1–10 scale's 8.5."""
    if isinstance(value, bool):
        value = None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and (match := _SCORE_TEXT.match(value)):
        value = int(match.group(1))
    if not isinstance(value, int) or not 0 <= value <= 100:
        raise AnswerError("score 必须是 0–100 的整数，表示与读者关注的相关程度")
    return value


def check_reason(value: object) -> str:
    """One short Chinese phrase; an overlong one is cut rather than asked again."""
    text = clean_summary(clean(value)) if isinstance(value, str) else ""
    if not text:
        raise AnswerError("reason 需要一句中文，说明与读者关注的哪一点相关")
    if not _CJK.search(text):  # naming the reader's English terms is fine: "涉及 Rydberg atoms"
        raise AnswerError("reason 必须用中文撰写")
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 1].rstrip() + "…"
    return text


# what prompts and corrective messages describe a field with; never a real tag
_PLACEHOLDER_TAG = re.compile(
    r"^(?:\d\s*[-–~～到至]\s*\d\s*个?)?\s*(?:个)?(?:简短的?)?(?:中文)?(?:主题)?(?:标签|关键词|tag)s?"
    r"\s*\d*$|^(?:标签|tag)\s*[0-9一二三]$|^(?:中文)?简介$",
    re.IGNORECASE,
)


def is_placeholder(tag: str, placeholders: frozenset[str] = frozenset()) -> bool:
    compact = re.sub(r"\s", "", tag)
    return compact in placeholders or bool(_PLACEHOLDER_TAG.match(compact))


def prompt_placeholders(*texts: str) -> frozenset[str]:
    """The strings of the example objects in the prompts ({"tags": ["标签"], …}): a model that
    copies them has not answered."""
    found: set[str] = set()
    for text in texts:
        for obj in json_objects(text.replace("{{", "{").replace("}}", "}")):
            for value in obj.values():
                items = value if isinstance(value, list) else [value]
                found.update(re.sub(r"\s", "", str(i)) for i in items if isinstance(i, str))
    return frozenset(found)


def corrective_message(
    error: AnswerError, limits: Limits | None = None, judged: bool = False
) -> str:
    """What was wrong and what to send instead, in words: a fill-in JSON here gets copied."""
    limits = limits or Limits()
    judging = (
        "score 为 0–100 的整数，表示与读者关注的相关程度；reason 为一句不超过 30 字的中文理由；"
        if judged
        else ""
    )
    title = (
        "title_zh 为标题的中文译文（模型名、数据集名和缩写照原文保留）；" if limits.title_zh else ""
    )
    keys = "二三四五"[(2 if judged else 0) + (1 if limits.title_zh else 0)]
    return (
        f"你的回答不符合要求：{error}。请重新回答：只输出一个 JSON 对象，"
        f"含{keys}个键：{title}"
        f"tags 为字符串数组，写 1–{limits.max_tags} 个概括这篇论文主题的中文短语；"
        f"summary 为字符串，写一段 {limits.min_chars}–{limits.max_chars} 字的中文简介，"
        f"讲清任务、方法和结论；{judging}不要注明字数，不要照抄说明文字。"
    )
