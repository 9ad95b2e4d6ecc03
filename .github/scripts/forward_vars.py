"""Every repository variable named ARXIV_DIGEST_* reaches the run as an environment variable.

The workflow passes all repository variables as JSON (``VARS: ${{ toJSON(vars) }}``); this
writes the ARXIV_DIGEST_* ones to $GITHUB_ENV, so each setting README and Usage.md document works
as a variable without the workflow naming it. Names outside that prefix are not touched (PATH,
LD_PRELOAD and the like cannot be set this way); a value with a line break would add lines of
its own to $GITHUB_ENV, so it is refused with a warning naming the variable.
"""

from __future__ import annotations

import json
import os
import re
import sys

NAME = re.compile(r"^ARXIV_DIGEST_[A-Z0-9_]+$")
FIXED = {"ARXIV_DIGEST_CACHE"}  # the workflow's own: the cache step saves that path


def main() -> int:
    variables = json.loads(os.environ.get("VARS") or "{}")
    lines, forwarded = [], []
    for name, value in sorted(variables.items()):
        if not NAME.match(name) or name in FIXED:
            continue
        if not isinstance(value, str) or "\n" in value or "\r" in value:
            print(f"::warning title=arxiv-digest::repository variable {name} holds a line break;"
                  " not used")  # fmt: skip
            continue
        lines.append(f"{name}={value}\n")
        forwarded.append(name)
    with open(os.environ.get("GITHUB_ENV") or os.devnull, "a", encoding="utf-8") as env:
        env.writelines(lines)
    print("settings from repository variables: " + (", ".join(forwarded) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
