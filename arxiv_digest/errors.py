"""Errors that end a run, each carrying the exit code the SPEC gives it."""


class DigestError(Exception):
    """A run-ending problem; its message is the one line the user sees."""

    exit_code = 2


class InputError(DigestError):
    """Bad feed, bad category, bad file: the user's input, exit 2."""


class ConfigError(DigestError):
    """Missing key, broken config file or prompts: exit 2."""


class SetupError(DigestError):
    """The LLM endpoint refused the setup itself (key, balance, model, a request parameter):
    every paper would fail the same way, so the run stops before hundreds of doomed calls."""


class FetchError(DigestError):
    """arXiv could not be reached after retries: exit 3, nothing written."""

    exit_code = 3


class EndpointDownError(DigestError):
    """The LLM endpoint cannot be reached or went quiet: exit 3, answers so far stay cached."""

    exit_code = 3


class StorageError(DigestError):
    """The output folder or the cache could not be written or read: exit 4, old files kept."""

    exit_code = 4


class LLMError(Exception):
    """One paper's request failed for good (after retries, or not worth retrying)."""


class ApiError(Exception):
    """The export API failed; the run goes on without comments."""
