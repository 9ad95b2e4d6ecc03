"""The data that flows through the pipeline: one place, so every stage agrees on it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from arxiv_digest.untrusted import valid_category, valid_id

AnnounceType = Literal["new", "cross", "replace", "replace-cross"]
Section = Literal["new", "replaced"]
Status = Literal["ok", "failed", "skipped"]

# arXiv lists a day's items in this order; the digest keeps it.
ANNOUNCE_ORDER: dict[str, int] = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}


class Paper(BaseModel):
    """One announced paper, as the listing feed (and the export API) describe it."""

    model_config = ConfigDict(frozen=True)

    id: str  # without version: 2504.17830 or hep-ex/0307015
    version: int
    announce_type: AnnounceType
    title: str
    authors: list[str]
    categories: list[str]  # primary first
    abstract: str
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None

    @field_validator("id")
    @classmethod
    def _arxiv_id(cls, value: str) -> str:
        if not valid_id(value):
            raise ValueError(f"not an arXiv id: {value[:60]!r}")
        return value

    @field_validator("categories")
    @classmethod
    def _arxiv_categories(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not valid_category(c)]
        if bad:
            raise ValueError(f"not an arXiv category: {bad[0][:60]!r}")
        return value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def section(self) -> Section:
        return "new" if self.announce_type in ("new", "cross") else "replaced"

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"


class Group(BaseModel):
    """A set of categories published as one digest file."""

    name: str
    title: str
    categories: list[str] = Field(min_length=1)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    interests: str = ""  # free text: what the reader cares about, ranked by BM25 (rank.py)
    seeds: list[str] = Field(default_factory=list)  # arXiv ids of papers the reader likes
    top: int = Field(default=5, ge=0, le=50)  # papers in "⭐ 今日推荐"; 0 = none
    sort: Literal["arxiv", "score"] = "arxiv"  # block order within each section
    # a replaced paper is a new version of one announced before, which a daily reader has
    # likely seen then: its relevance counts at this share, so today's papers come first
    replaced_weight: float = Field(default=0.8, ge=0, le=1)
    llm_score: bool = False  # the model judges relevance to `interests` in the summary request
    title_zh: bool = True  # show the 中文标题 the summary request brings (top-level default)
    overview: bool = True  # ask for a 今日概览 of the day (top-level default)
    notify: list[str] = Field(default_factory=list, repr=False)  # push URLs: tokens inside

    @field_validator("seeds")
    @classmethod
    def _seed_ids(cls, value: list[str]) -> list[str]:
        ids = [re.sub(r"v\d+$", "", v.strip().removeprefix("arXiv:")) for v in value]
        bad = [v for v in ids if not valid_id(v)]
        if bad:
            raise ValueError(f"seeds: not an arXiv id: {bad[0][:60]!r}")
        return list(dict.fromkeys(ids))

    @model_validator(mode="after")
    def _judged_against(self) -> Group:
        if self.llm_score and not self.interests.strip():
            raise ValueError(f"group {self.name!r}: llm_score needs interests to judge against")
        return self

    @property
    def ranks(self) -> bool:
        return bool(self.interests.strip() or self.seeds)

    @property
    def judged(self) -> str:
        """The interests the model scores this group's papers against ("" when it does not)."""
        return self.interests.strip() if self.llm_score else ""


class Listing(BaseModel):
    """One day's feed for a group, as downloaded."""

    categories: list[str]  # as named in the feed's title
    date: dt.date  # announcement date, US Eastern
    papers: list[Paper]
    skipped: list[str] = Field(default_factory=list)  # items that were not arXiv papers, and why
    clipped: list[str] = Field(default_factory=list)  # papers whose overlong text was cut


class Summary(BaseModel):
    """What the LLM is asked for, once validated."""

    tags: list[str]
    summary: str
    score: int | None = None  # relevance 0–100, when the model was asked to judge it
    reason: str | None = None  # the model's why, in a short phrase
    title_zh: str | None = None  # the title in Chinese, when the prompt asks for it


class Ask(BaseModel):
    """One answer wanted from the model: a paper, and the interests it judges the paper against
    ("" = a summary only). A paper in two groups with different judged interests is two asks."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    interests: str = ""

    @property
    def slot(self) -> tuple[str, str]:
        return (self.paper.id, self.interests)


class Seed(BaseModel):
    """A paper the reader likes (a group's ``seeds``), as the export API describes it."""

    id: str
    title: str
    abstract: str


class FirstSeen(BaseModel):
    """Where a paper was first published in this output folder; it becomes a link, so every
    field is checked (it is read back from JSON and the index, which anyone could edit)."""

    date: dt.date
    group: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")  # a file name of ours
    section: Section
    number: int = Field(ge=1, le=100_000)
    abstract_changed: bool = False

    @field_validator("group")
    @classmethod
    def _no_dots(cls, value: str) -> str:
        if ".." in value:
            raise ValueError("not a group name")
        return value


class Entry(BaseModel):
    """A paper in a digest with its summary outcome."""

    paper: Paper
    status: Status
    tags: list[str] = Field(default_factory=list)
    summary: str | None = None
    error: str | None = None  # why it failed, for the user and the next run
    score: int | None = None  # relevance 0–100 to the group's interests and seeds
    reason: str | None = None  # what matched
    first_seen: FirstSeen | None = None  # an earlier digest that had this paper
    title_zh: str | None = None  # 中文标题, from the summary's answer

    def to_json(self) -> dict[str, Any]:
        data = {
            **self.paper.model_dump(mode="json"),
            "tags": self.tags,
            "summary": self.summary,
            "status": self.status,
            "score": self.score,
            "reason": self.reason,
            "first_seen": self.first_seen.model_dump(mode="json") if self.first_seen else None,
            "title_zh": self.title_zh,
        }
        if self.status == "failed":
            data["error"] = self.error or "unknown"
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        return cls(
            paper=Paper.model_validate(data),
            status=data["status"],
            tags=data.get("tags") or [],
            summary=data.get("summary"),
            error=data.get("error"),
            score=data.get("score"),
            reason=data.get("reason"),
            first_seen=data.get("first_seen"),
            title_zh=data.get("title_zh") or None,
        )


class Digest(BaseModel):
    """Everything one group's Markdown and JSON files are made from."""

    date: dt.date
    group: Group
    entries: list[Entry]
    overview: str | None = None  # 今日概览: one Chinese paragraph on the day's themes
    searched: list[str] = Field(default_factory=list)  # Chinese interests as searched in English

    def section(self, name: Section) -> list[Entry]:
        return [e for e in self.entries if e.paper.section == name]

    @property
    def stats(self) -> dict[str, int]:
        counts = {"new": len(self.section("new")), "replaced": len(self.section("replaced"))}
        for status in ("ok", "failed", "skipped"):
            counts[status] = sum(1 for e in self.entries if e.status == status)
        return counts

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if e.status == "failed"]

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "group": self.group.name,
            "title": self.group.title,
            "categories": self.group.categories,
            "include": self.group.include,
            "exclude": self.group.exclude,
            "interests": self.group.interests,
            "seeds": self.group.seeds,
            "top": self.group.top,
            "sort": self.group.sort,
            "llm_score": self.group.llm_score,
            "replaced_weight": self.group.replaced_weight,
            "searched": self.searched,
            "papers": [e.to_json() for e in self.entries],
            "overview": self.overview,
            "stats": self.stats,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Digest:
        group = Group(
            name=data["group"],
            title=data["title"],
            categories=data["categories"],
            include=data.get("include") or [],
            exclude=data.get("exclude") or [],
            interests=data.get("interests") or "",
            seeds=data.get("seeds") or [],
            top=data.get("top", 5),
            sort=data.get("sort", "arxiv"),
            llm_score=bool(data.get("llm_score")),
            replaced_weight=data.get("replaced_weight", 1.0),  # older digests: not weighed
        )
        return cls(
            date=dt.date.fromisoformat(data["date"]),
            group=group,
            entries=[Entry.from_json(p) for p in data["papers"]],
            overview=data.get("overview") or None,
            searched=[s for s in data.get("searched") or [] if isinstance(s, str)],
        )
