"""Answer checks: what is cleaned, what is refused."""

from __future__ import annotations

import json

import pytest

from arxiv_digest.models import Paper
from arxiv_digest.summarize.prompts import Prompts
from arxiv_digest.summarize.validate import AnswerError, Limits, check_answer

GOOD = (
    "该论文属于语音增强任务，旨在解决低信噪比下的失真问题。"
    "提出基于 Diffusion 的 SGMSE 改进方法，实验表明其在 VoiceBank 上优于基线。"
)
LIST = "- 任务：语音增强\n- 方法：扩散模型\n- 结论：效果优于基线，适用于多种噪声场景与多种语言"


def answer(summary: str = GOOD, tags: object = ("语音增强", "扩散模型")) -> str:
    return json.dumps({"tags": list(tags) if isinstance(tags, tuple) else tags, "summary": summary})


def test_good_answer_kept_as_is():
    result = check_answer(answer())
    assert result.summary == GOOD and result.tags == ["语音增强", "扩散模型"]


@pytest.mark.parametrize(
    "noisy",
    [
        GOOD + "（99字）",
        GOOD + "(共99字)",
        f"**{GOOD}**",
        "简介：" + GOOD,
        GOOD[:30] + "\n" + GOOD[30:],
    ],
)
def test_cosmetic_slips_are_cleaned(noisy: str):
    assert check_answer(answer(noisy)).summary == GOOD


def test_json_inside_prose_or_fences():
    assert check_answer("好的：\n```json\n" + answer() + "\n```").summary == GOOD
    assert check_answer("结果如下 " + answer() + " 以上").summary == GOOD


def test_tags_given_as_one_string_and_too_many_tags():
    assert check_answer(answer(tags="语音增强；扩散模型")).tags == ["语音增强", "扩散模型"]
    assert len(check_answer(answer(tags=["一", "二", "三", "四"])).tags) == 3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json at all", "没有 JSON"),
        (json.dumps({"summary": GOOD}), "tags"),
        (answer("This paper proposes a diffusion method for speech enhancement in noise."), "中文"),
        (answer(GOOD * 3), "太长"),
        (answer("该论文很好。"), "太短"),
        (
            answer(LIST),
            "一段",
        ),
        (answer(tags=[]), "标签"),
        (answer(tags=["speech"]), "中文"),
        (answer(tags=["一个非常非常非常非常长的标签名称"]), "太长"),
    ],
)
def test_refused_answers_say_why(text: str, reason: str):
    with pytest.raises(AnswerError, match=reason):
        check_answer(text)


def test_length_limits_are_configurable():
    with pytest.raises(AnswerError, match="太长"):
        check_answer(answer(), Limits(min_chars=10, max_chars=50))


def test_prompt_renders_placeholders_and_leaves_other_braces(tmp_path):
    (tmp_path / "system.md").write_text("系统")
    (tmp_path / "summary.md").write_text('{title}|{abstract}|{categories}|{comment}|{"x": 1}')
    prompts = Prompts.load(tmp_path)
    paper = Paper(
        id="2501.00001", version=2, announce_type="new", title=r"On $N_c$ {braces}", authors=["A"],
        categories=["cs.SD", "eess.AS"], abstract="Abs {title} text",
    )  # fmt: skip
    assert prompts.render(paper) == (  # arXiv's text fenced as data, ours as it is
        r'<title>On $N_c$ {braces}</title>|<abstract>Abs {title} text</abstract>|'
        r'cs.SD; eess.AS|<comment>无</comment>|{"x": 1}'
    )
