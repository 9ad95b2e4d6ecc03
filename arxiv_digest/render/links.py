"""Where a reader is sent from a feed or a push: the web reader at ``site_url``, else the
digest's Markdown on GitHub (from the Actions variables), else arXiv itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Links:
    site: str | None = None  # the web reader: {site}/{date}/{group}.html#{id}
    repo: str | None = None  # {server}/{owner}/{repo}/blob/{branch}/{output}

    @classmethod
    def make(cls, site_url: str | None, output: Path, env: Mapping[str, str]) -> Links:
        server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
        folder = output.as_posix().removeprefix("./").strip("/")
        blob = None
        if server and repo and not output.is_absolute() and ".." not in output.parts:
            branch = env.get("GITHUB_REF_NAME") or "main"
            blob = f"{server.rstrip('/')}/{repo}/blob/{branch}" + (f"/{folder}" if folder else "")
        return cls(site=site_url.rstrip("/") if site_url else None, repo=blob)

    def digest(self, date: dt.date, group: str) -> str | None:
        """The whole day of a group, or None where there is nowhere to send the reader."""
        if self.site:
            return f"{self.site}/{date.isoformat()}/{group}.html"
        if self.repo:
            return f"{self.repo}/{date.isoformat()}/{group}.md"
        return None

    def paper(self, date: dt.date, group: str, paper_id: str) -> str:
        """A paper's block in the digest (anchored by its arXiv id), else its arXiv page."""
        day = self.digest(date, group)
        return f"{day}#{paper_id}" if day else abs_url(paper_id)

    def feed(self, group: str) -> str | None:
        if self.site:
            return f"{self.site}/feeds/{group}.atom"
        if self.repo:
            return f"{self.repo}/feeds/{group}.atom"
        return None


def abs_url(paper_id: str) -> str:
    return f"https://arxiv.org/abs/{paper_id}"
