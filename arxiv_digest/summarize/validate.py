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

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
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


class _Answer(BaseModel):
    tags: list[str]
    summary: str

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_as_list(cls, value: object) -> object:
        if isinstance(value, str):  # "语音增强; 扩散模型" is a common slip
            return [t for t in _TAG_SPLIT.split(value) if t.strip()]
        return value


def extract_json(text: str) -> dict[str, object]:
    """The JSON object in an answer, also when wrapped in prose or code fences."""
    body = _FENCE.sub("", text.strip())
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        start, end = body.find("{"), body.rfind("}")
        if start < 0 or end <= start:
            raise AnswerError("回答中没有 JSON 对象") from None
        try:
            value = json.loads(body[start : end + 1])
        except json.JSONDecodeError as exc:
            raise AnswerError(f"JSON 无法解析：{exc.msg}") from None
    if not isinstance(value, dict):
        raise AnswerError("回答必须是一个 JSON 对象")
    return value


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
    return tag.replace("*", "").replace("#", "").strip().strip("\"'“”「」[]【】")


def check_answer(text: str, limits: Limits | None = None) -> Summary:
    """A cleaned Summary from the model's text, or AnswerError saying what is wrong."""
    return check_fields(extract_json(text), limits)


def check_fields(data: object, limits: Limits | None = None) -> Summary:
    """The same checks on an answer already parsed (one item of a batch answer)."""
    limits = limits or Limits()
    try:
        answer = _Answer.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(str(err["loc"][0]) for err in exc.errors() if err["loc"])
        raise AnswerError(
            f"JSON 需要字段 tags（字符串数组）和 summary（字符串）：{fields}"
        ) from None

    raw = answer.summary.strip()
    if _LIST_OR_HEADING.search(raw.replace("**", "")):
        raise AnswerError("summary 必须是一段连续的文字，不能有标题或列表")
    summary = clean_summary(raw)
    if cjk_share(summary) < 0.4:
        raise AnswerError("summary 必须用中文撰写（术语可保留英文）")
    length = len(re.sub(r"\s", "", summary))
    if length < limits.min_chars:
        raise AnswerError(
            f"summary 太短（{length} 字），应为 {limits.min_chars}–{limits.max_chars} 字"
        )
    if length > limits.max_chars:
        raise AnswerError(
            f"summary 太长（{length} 字），应为 {limits.min_chars}–{limits.max_chars} 字"
        )

    tags = list(dict.fromkeys(t for t in (clean_tag(t) for t in answer.tags) if t))
    if not tags:
        raise AnswerError("tags 需要 1–3 个中文标签")
    tags = tags[: limits.max_tags]
    for tag in tags:
        if not _CJK.search(tag):
            raise AnswerError(f"标签“{tag}”必须是中文")
        if len(tag) > limits.max_tag_chars:
            raise AnswerError(f"标签“{tag}”太长，每个不超过 {limits.max_tag_chars} 字")
    return Summary(tags=tags, summary=summary)


def corrective_message(error: AnswerError, limits: Limits | None = None) -> str:
    limits = limits or Limits()
    return (
        f"你的回答不符合要求：{error}。请重新回答，只输出一个 JSON 对象 "
        '{"tags": ["1–3 个中文标签"], "summary": "一段中文简介"}，'
        f"summary 为 {limits.min_chars}–{limits.max_chars} 字的一段中文，不要注明字数。"
    )
