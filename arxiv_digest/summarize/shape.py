"""How this run's chat requests are built, and how a refused parameter changes that once for
the whole run (max_tokens → max_completion_tokens, temperature or response_format dropped, a
thinking switch the endpoint does not know dropped): provider quirks, kept out of the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arxiv_digest.config import Settings
from arxiv_digest.summarize.provider_facts import provider_for, thinking_params, with_users


@dataclass
class Shape:
    """How requests are built this run; each switch happens once and holds for the run."""

    token_param: str = "max_tokens"
    temperature: bool = True
    json_mode: bool = True
    thinking_off: dict[str, Any] = field(default_factory=dict)  # the provider's switch, if any
    switched: list[str] = field(default_factory=list)

    def request(
        self, settings: Settings, messages: list[dict[str, str]], budget: int
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": settings.model,
            "messages": messages,
            self.token_param: budget,
        }
        if self.temperature and settings.temperature is not None:
            kwargs["temperature"] = settings.temperature
        if self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        extra = with_users(self.thinking_off, settings.extra_body)  # the user's wins
        if extra:
            kwargs["extra_body"] = extra
        return kwargs

    def adapt(self, kind: str, refused: str | None, users: dict[str, Any]) -> bool:
        """True when the request is worth sending again in the (possibly new) shape."""
        if kind == "token_param":
            if self.token_param == "max_tokens":
                self.token_param = "max_completion_tokens"
                self.switched.append("max_tokens → max_completion_tokens")
            return True
        if kind == "temperature":
            if self.temperature:
                self.temperature = False
                self.switched.append("temperature dropped")
            return True
        if kind == "thinking":  # drop only the refused field: another may still work
            if refused in users:
                return False  # the user's own [extra_body] is theirs to fix
            if refused in self.thinking_off:
                self.switched.append(f"{refused} dropped")
                self.thinking_off = {k: v for k, v in self.thinking_off.items() if k != refused}
            return True
        if kind == "response_format":
            if self.json_mode:
                self.json_mode = False  # ask without it, parse JSON out of the text
                self.switched.append("response_format dropped")
            return True
        return False


def request_shape(settings: Settings) -> Shape:
    """The provider table's token parameter (unless the user set one) and thinking switch."""
    provider = provider_for(settings.base_url)
    token_param = settings.token_param
    if provider is not None and "token_param" not in settings.model_fields_set:
        token_param = provider.token_param
    return Shape(
        token_param=token_param,
        temperature=settings.temperature is not None,
        thinking_off=thinking_params(settings.base_url, str(settings.model)),
    )
