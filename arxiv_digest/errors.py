"""Errors that end a run, each carrying the exit code the SPEC gives it."""


class DigestError(Exception):
    """A run-ending problem; its message is the one line the user sees."""

    exit_code = 2


class InputError(DigestError):
    """Bad feed, bad category, bad file: the user's input, exit 2."""


class ConfigError(DigestError):
    """Missing key, broken config file or prompts: exit 2."""


class AuthError(DigestError):
    """The LLM endpoint refused our key (401/403): stop before hundreds of doomed calls."""


class FetchError(DigestError):
    """arXiv could not be reached after retries: exit 3, nothing written."""

    exit_code = 3


class LLMError(Exception):
    """One paper's request failed for good (after retries, or not worth retrying)."""


class ApiError(Exception):
    """The export API failed; the run goes on without comments."""
