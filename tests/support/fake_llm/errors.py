"""Error answers as providers send them (status and body, word for word where they are known)."""

from __future__ import annotations

from typing import Any

# (status, body) as the providers send them; {model} is the model the request asked for
PROVIDER_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "openai_model_404": (
        404,
        {
            "error": {
                "message": "The model `{model}` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    ),
    "deepseek_402": (
        402,
        {
            "error": {
                "message": "Insufficient Balance",
                "type": "unknown_error",
                "param": None,
                "code": "invalid_request_error",
            }
        },
    ),
    "openai_quota_429": (
        429,
        {
            "error": {
                "message": "You exceeded your current quota, please check your plan and billing "
                "details. For more information on this error, read the docs: "
                "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        },
    ),
    "litellm_key_400": (
        400,
        {
            "error": {
                "message": "Authentication Error, Invalid proxy server token passed. "
                "valid_token=None.",
                "type": "auth_error",
                "param": "None",
                "code": "400",
            }
        },
    ),
    "deepseek_retired_400": (  # since 2026-07-24, to deepseek-chat and deepseek-reasoner
        400,
        {
            "error": {
                "message": "The supported API model names are deepseek-v4-pro or "
                "deepseek-v4-flash, but you passed {model}.",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_request_error",
            }
        },
    ),
    "litellm_no_db_400": (  # LiteLLM with a master key, asked with a wrong client key
        400,
        {"error": {"message": "No connected db.", "type": "None", "param": "None", "code": "400"}},
    ),
    "openai_max_tokens": (
        400,
        {
            "error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this "
                "model. Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error",
                "param": "max_tokens",
                "code": "unsupported_parameter",
            }
        },
    ),
    "openai_temperature": (
        400,
        {
            "error": {
                "message": "Unsupported value: 'temperature' does not support 0.3 with this "
                "model. Only the default (1) value is supported.",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "unsupported_value",
            }
        },
    ),
    "openai_context_400": (
        400,
        {
            "error": {
                "message": "This model's maximum context length is 8192 tokens. However, your "
                "messages resulted in 9120 tokens. Please reduce the length of the messages.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        },
    ),
    "dashscope_filter_400": (
        400,
        {
            "error": {
                "code": "data_inspection_failed",
                "param": None,
                "message": "Input data may contain inappropriate content.",
                "type": "data_inspection_failed",
            }
        },
    ),
}


def error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": kind}}
