"""What we know about each provider, in one table: the model its users usually mean, the cheap
non-reasoning ones to fall back on, how to keep a model from thinking, the token parameter, and
what replaces a retired model.

Providers rename models every few months, so nothing here is trusted alone: the endpoint's own
model list (GET /models) decides which of these names is used (``model_choice``). Every row says
when and where it was checked; re-check them when a row's date is half a year old.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

CHECKED = "2026-11-27"  # the date every row below was last compared with the provider's docs


@dataclass(frozen=True)
class Provider:
    name: str
    hosts: tuple[str, ...]  # host suffixes; the first provider with a match wins
    usual: str  # asked when ARXIV_DIGEST_MODEL is unset and the endpoint serves it
    alternatives: tuple[str, ...] = ()  # cheap, non-reasoning (or switchable), in preference order
    # models matching ``thinks`` think unless told not to; ``thinking_off`` tells them
    thinks: str = r"(?!)"
    thinking_off: dict[str, Any] = field(default_factory=dict)
    token_param: str = "max_tokens"
    retired: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (date, replacement)
    source: str = ""
    checked: str = CHECKED

    def thinking_params(self, model: str) -> dict[str, Any]:
        """The request fields that switch thinking off for this model ({} when none are needed)."""
        return dict(self.thinking_off) if re.search(self.thinks, model, re.IGNORECASE) else {}

    def candidates(self) -> tuple[str, ...]:
        return (self.usual, *self.alternatives)


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        # deepseek-flash is DeepSeek-V4.1-Flash (2026-09-10); the older name deepseek-v4-flash is
        # still accepted and served by it; deepseek-v4-pro is routed to it since 2026-09-14.
        # V4 models think unless the request says thinking.type = disabled.
        name="DeepSeek",
        hosts=("deepseek.com",),
        usual="deepseek-flash",
        alternatives=("deepseek-v4-flash",),
        thinks=r"^deepseek-(flash|v4)",
        thinking_off={"thinking": {"type": "disabled"}},
        retired={
            "deepseek-chat": ("2026-07-24", "deepseek-flash"),
            "deepseek-reasoner": ("2026-07-24", "deepseek-flash"),
        },
        source="https://api-docs.deepseek.com/quick_start/pricing, /api/list-models",
    ),
    Provider(
        # Qwen3-generation hybrids (qwen-plus, qwen-flash, qwen3.x-*) take enable_thinking;
        # thinking-only models (*-thinking, qwq) must not be sent it.
        name="Qwen (DashScope)",
        hosts=(
            "dashscope.aliyuncs.com",
            "dashscope-intl.aliyuncs.com",
            "dashscope-us.aliyuncs.com",
        ),
        usual="qwen-plus",
        alternatives=("qwen-flash", "qwen-turbo"),
        thinks=r"^(qwen3|qwen-plus|qwen-flash|qwen-turbo)(?!.*thinking)",
        thinking_off={"enable_thinking": False},
        source="https://help.aliyun.com/zh/model-studio/deep-thinking",
    ),
    Provider(
        # gpt-4o-mini, gpt-4.1-mini and their snapshots shut down 2027-01-14 (replacement
        # gpt-6-luna, which reasons unless reasoning_effort = none and takes
        # max_completion_tokens); GET /v1/models carries shutdown_date for each.
        name="OpenAI",
        hosts=("api.openai.com",),
        usual="gpt-6-luna",
        alternatives=("gpt-4.1-mini", "gpt-4o-mini"),
        thinks=r"^gpt-(6|5\.[1-9])",
        thinking_off={"reasoning_effort": "none"},
        token_param="max_completion_tokens",
        retired={
            "gpt-4o-mini": ("2027-01-14", "gpt-6-luna"),
            "gpt-4.1-mini": ("2027-01-14", "gpt-6-luna"),
            "gpt-5-mini": ("2026-12-11", "gpt-6-luna"),
            "gpt-5-nano": ("2026-12-11", "gpt-6-luna"),
            "gpt-3.5-turbo": ("2026-10-23", "gpt-6-luna"),
        },
        source="https://developers.openai.com/api/docs/deprecations",
    ),
    Provider(
        # kimi-k2.x think unless thinking.type = disabled; moonshot-v1 never think
        name="Moonshot (Kimi)",
        hosts=("moonshot.cn", "moonshot.ai"),
        usual="moonshot-v1-8k",
        alternatives=("moonshot-v1-32k", "kimi-k2.6"),
        thinks=r"^kimi-k2\.[56]",
        thinking_off={"thinking": {"type": "disabled"}},
        retired={
            "kimi-latest": ("2026", "kimi-k2.6"),
            "kimi-k2-0905-preview": ("2026", "kimi-k2.6"),
            "kimi-k2-turbo-preview": ("2026", "kimi-k2.6"),
        },
        source="https://platform.moonshot.ai/docs (via promptfoo's Moonshot page)",
    ),
    Provider(
        # glm-4.5 and later think unless thinking.type = disabled; glm-4.5-flash retired
        # 2026-01-30, its requests routed to glm-4.7-flash
        name="Zhipu GLM",
        hosts=("bigmodel.cn",),
        usual="glm-4-flash-250414",
        alternatives=("glm-4-flash", "glm-4.7-flash", "glm-4-flashx-250414"),
        thinks=r"^glm-(4\.[5-9]|5)",
        thinking_off={"thinking": {"type": "disabled"}},
        retired={"glm-4.5-flash": ("2026-01-30", "glm-4.7-flash")},
        source="https://docs.bigmodel.cn/cn/guide/models/free/glm-4.5-flash",
    ),
    Provider(
        # not confirmed in SiliconFlow's docs on CHECKED; its model list decides
        name="SiliconFlow",
        hosts=("siliconflow.cn", "siliconflow.com"),
        usual="deepseek-ai/DeepSeek-V3",
        alternatives=("deepseek-ai/DeepSeek-V3.2", "Qwen/Qwen3-8B"),
        thinks=r"^(qwen/qwen3-(?!.*(thinking|instruct))|deepseek-ai/deepseek-v3\.[12])",
        thinking_off={"enable_thinking": False},
        source="(SiliconFlow docs not found; unchanged since the table began)",
    ),
)
OPENAI = next(p for p in PROVIDERS if p.name == "OpenAI")


def provider_for(base_url: str | None) -> Provider | None:
    """The provider serving this base URL; unset is OpenAI's; None for an unknown host (a local
    server, a proxy)."""
    if not base_url:
        return OPENAI
    host = (urlsplit(base_url).hostname or "").lower()
    for provider in PROVIDERS:
        if any(host == suffix or host.endswith("." + suffix) for suffix in provider.hosts):
            return provider
    return None


# Switches that are chat-template variables where the model runs on one's own server: vLLM,
# SGLang and llama.cpp's server read Qwen3's enable_thinking only inside chat_template_kwargs and
# ignore it at the top level, where DashScope and SiliconFlow read it (checked 2026-11-27:
# docs.vllm.ai features/reasoning_outputs, SGLang docs backend/openai_api_completions, llama.cpp
# tools/server/README.md). An unknown host may be either kind, so it is sent both.
TEMPLATE_VARS = ("enable_thinking",)
# DeepSeek-V3.1/V3.2 on vLLM do not think unless chat_template_kwargs says thinking = true
# (docs.vllm.ai features/reasoning_outputs, checked 2026-11-27); the enable_thinking = false we
# send for them reads as off there too.

# Ollama turns thinking on for every model that can think, and on /v1/chat/completions it reads
# only reasoning_effort ("none" = off; its native think and the template variables are ignored
# there). A false switch is accepted by models that cannot think: only a true one is refused
# (ollama/ollama#14820 and PR #14821, docs/api/openai-compatibility; checked 2026-11-27).
OLLAMA_OFF = {"reasoning_effort": "none"}
OLLAMA_PORT = 11434
_OLLAMA_TAG = re.compile(r"[\w./-]+:[\w.-]+")  # qwen3:8b, hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M


def ollama(base_url: str | None, model: str) -> bool:
    """Ollama's default port, Ollama Cloud, or a model named the Ollama way (name:tag)."""
    parts = urlsplit(base_url or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    return (port == OLLAMA_PORT or host == "ollama.com" or host.endswith(".ollama.com")
            or bool(_OLLAMA_TAG.fullmatch(model)))  # fmt: skip


def thinking_params(base_url: str | None, model: str) -> dict[str, Any]:
    """The fields that keep this model from thinking: by the host's provider, or, behind a proxy
    or on a local server, by the provider whose model names it matches, also in the form a local
    server's chat template reads."""
    provider = provider_for(base_url)
    if provider is not None:
        return provider.thinking_params(model)
    extra = dict(OLLAMA_OFF) if ollama(base_url, model) else {}
    for provider in PROVIDERS:
        found = provider.thinking_params(model)
        if found:
            template = {k: v for k, v in found.items() if k in TEMPLATE_VARS}
            found = {**found, "chat_template_kwargs": template} if template else found
            return {**found, **extra}
    return extra


def with_users(ours: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    """The request's extra fields: the user's [extra_body] over our switch. Their top-level
    enable_thinking also sets our template's (they meant every server), and a chat_template_kwargs
    of theirs is merged into ours key by key (setting another variable keeps thinking off)."""
    merged = {**ours, **users}
    template = ours.get("chat_template_kwargs")
    if isinstance(template, dict):
        template = {**template, **{k: users[k] for k in TEMPLATE_VARS if k in users}}
        theirs = users.get("chat_template_kwargs", {})
        merged["chat_template_kwargs"] = (
            {**template, **theirs} if isinstance(theirs, dict) else theirs
        )
    return merged


def default_model(base_url: str | None) -> str:
    """The usual model for this host, before the endpoint's list is asked (unknown: OpenAI's)."""
    return (provider_for(base_url) or OPENAI).usual


def replacement(model: str) -> str:
    """What a provider suggests instead of a retired or shutting-down model ("" when unknown)."""
    for provider in PROVIDERS:
        if model in provider.retired:
            return provider.retired[model][1]
    return ""
