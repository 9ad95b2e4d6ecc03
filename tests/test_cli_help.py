"""-h reads as a person expects: a flag takes no value, so none is shown after it."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["summarize"], ["doctor"], ["render"], ["index"], ["cache-stats"]]
)
def test_flags_show_no_value_in_help(command: list[str]):
    text = runner.invoke(app, [*command, "-h"], env={"COLUMNS": "120"}).stdout
    assert "Usage" in text
    assert not re.search(r"<bool>|\bBOOLEAN\b", text), text  # typer 0.29 printed <bool>


def test_no_llm_is_a_flag_as_help_shows():
    text = runner.invoke(app, ["summarize", "-h"], env={"COLUMNS": "120"}).stdout
    assert re.search(r"--no-llm\s+No 简介/标签", text), text


@pytest.mark.parametrize(
    ("category", "hint"),
    [
        ("cs.SDD", "(did you mean cs.SD?)"),
        ("cs.SD,eess.AS", '(one category each: -c cs.SD -c eess.AS, or ["cs.SD", "eess.AS"] in'),
        ("cs.SD eess.AS", "(one category each: -c cs.SD -c eess.AS"),
        ("CS.sd", "(did you mean cs.SD?)"),
    ],
)
def test_a_mistyped_category_gets_a_hint(category: str, hint: str):
    result = runner.invoke(app, ["summarize", "-c", category, "--no-llm"])
    assert result.exit_code == 2
    assert f"unknown arXiv category {category} {hint}" in result.stderr
