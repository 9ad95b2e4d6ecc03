"""Every documented ARXIV_DIGEST_* setting reaches the Actions run from a repository variable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "daily.yml"
FORWARD = ROOT / ".github" / "scripts" / "forward_vars.py"


def documented() -> set[str]:
    text = (ROOT / "README.md").read_text() + (ROOT / "Usage.md").read_text()
    return set(re.findall(r"\bARXIV_DIGEST_[A-Z0-9_]*[A-Z0-9]\b", text))


def forward(tmp_path: Path, variables: dict[str, str]) -> tuple[str, str]:
    env_file = tmp_path / "github_env"
    env_file.write_text("")
    result = subprocess.run(
        [sys.executable, str(FORWARD)],
        env={**os.environ, "VARS": json.dumps(variables), "GITHUB_ENV": str(env_file)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return env_file.read_text(), result.stdout


def test_every_documented_setting_is_forwarded(tmp_path: Path):
    names = documented() - {"ARXIV_DIGEST_CACHE"}  # the workflow's own path, saved by the cache
    assert {"ARXIV_DIGEST_TIMEOUT", "ARXIV_DIGEST_MODEL", "ARXIV_DIGEST_TPM"} <= names
    env, said = forward(tmp_path, {name: "7" for name in names} | {"OTHER": "x", "PATH": "/x"})
    assert sorted(env.splitlines()) == sorted(f"{name}=7" for name in names)
    assert "ARXIV_DIGEST_TIMEOUT" in said


def test_a_value_with_a_line_break_cannot_add_variables(tmp_path: Path):
    env, said = forward(tmp_path, {"ARXIV_DIGEST_MODEL": "m\nLD_PRELOAD=/tmp/x.so"})
    assert env == ""
    assert "ARXIV_DIGEST_MODEL holds a line break" in said


def test_the_workflow_forwards_by_prefix_and_names_no_setting_itself():
    text = WORKFLOW.read_text()
    assert "VARS: ${{ toJSON(vars) }}" in text and "forward_vars.py" in text
    assert text.index("forward_vars.py") < text.index("run: arxiv-digest doctor")
    job_env = text[text.index("    env:") : text.index("    steps:")]
    assert re.findall(r"ARXIV_DIGEST_\w+(?=:)", job_env) == ["ARXIV_DIGEST_CACHE"]
