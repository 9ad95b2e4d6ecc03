"""What a run's requests cost and how they went: the end-of-run line and the advice after it."""

from __future__ import annotations

from dataclasses import dataclass, field

from arxiv_digest.config import Settings
from arxiv_digest.untrusted import printable


@dataclass
class RunStats:
    papers: int = 0
    cached: int = 0
    asked: int = 0
    shared: int = 0  # summary-only asks answered by the same paper's judged answer
    failed: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    problems: dict[str, int] = field(default_factory=dict)
    truncated: int = 0  # reasoning answers that hit the token bound (asked again, larger)
    cut: int = 0  # plain answers that ran past the bound (failed at once)
    slow: str | None = None  # what a slow endpoint needs next time
    budget: int = 0  # the bound the run ended with
    switched: list[str] = field(default_factory=list)  # request-shape changes made for the run
    peak_concurrency: int = 0
    title_zh_tokens: int = 0  # of the completion tokens: the 中文标题 in the answers (estimated)
    overviews: int = 0  # 今日概览 requests, and their tokens (also in the totals)
    overviews_cached: int = 0
    overview_prompt_tokens: int = 0
    overview_completion_tokens: int = 0

    def note(self, prompt_tokens: int, completion_tokens: int) -> None:
        """An overview request: counted apart, and in the run's totals."""
        self.overviews += 1
        self.overview_prompt_tokens += prompt_tokens
        self.overview_completion_tokens += completion_tokens
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def cost(self, settings: Settings) -> float | None:
        if settings.price_input is None and settings.price_output is None:
            return None
        return (
            self.prompt_tokens * (settings.price_input or 0.0)
            + self.completion_tokens * (settings.price_output or 0.0)
        ) / 1_000_000

    def line(self, settings: Settings) -> str:
        text = (
            f"papers {self.papers}, cached {self.cached}, asked {self.asked}, "
            + (f"shared {self.shared} with a judged group, " if self.shared else "")
            + f"failed {self.failed}, requests {self.requests}, tokens "
            f"{self.prompt_tokens} prompt / {self.completion_tokens} completion, "
            f"{self.seconds:.1f} s"
        )
        cost = self.cost(settings)
        if cost is not None:
            text += f", cost {cost:.4f}"
        if self.title_zh_tokens:
            text += f", 中文标题 ≈{self.title_zh_tokens} of the completion tokens"
        if self.overviews or self.overviews_cached:
            text += (
                f", 今日概览 {self.overviews} requests ({self.overview_prompt_tokens} prompt / "
                f"{self.overview_completion_tokens} completion tokens"
                + (f", {self.overviews_cached} cached)" if self.overviews_cached else ")")
            )
        if self.problems:
            text += " (" + ", ".join(f"{k} {v}" for k, v in sorted(self.problems.items())) + ")"
        if self.asked:
            text += f", model {printable(str(settings.model))}"
            if settings.model_why:
                text += f" ({settings.model_why})"
            if settings.concurrency == "auto" and self.peak_concurrency:
                text += f", up to {self.peak_concurrency} in flight"
        return text

    def advice(self, settings: Settings) -> list[str]:
        """What the user can set so the next run goes better."""
        notes = []
        if self.truncated:
            suggest = max(2048, self.budget, settings.max_tokens * 4)
            notes.append(
                f"{self.truncated} answers hit max_tokens={settings.max_tokens}; set "
                f"ARXIV_DIGEST_MAX_TOKENS={suggest} (a reasoning model thinks within this bound)"
            )
        if self.cut and self.cut * 2 > self.asked:
            notes.append(
                f"{self.cut} of {self.asked} answers ran past max_tokens={settings.max_tokens} "
                "without reasoning: the model does not follow the prompt's short JSON answer; "
                "a bigger model will (raising the bound only buys a longer ramble)"
            )
        elif self.cut:
            notes.append(
                f"{self.cut} answers ran past max_tokens={settings.max_tokens} without "
                "reasoning; those papers failed and are asked again next run"
            )
        if self.slow:
            notes.append(self.slow)
        for change in self.switched:
            notes.append(f"the endpoint refused a parameter: {change} for this run")
        return notes
