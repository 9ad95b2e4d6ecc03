"""Text from the feed, the export API and the model is untrusted: the rules for letting it in.

Cleaning happens where text enters (sources, the answer check), escaping where it leaves
(render); both read their rules from here so the two ends agree.
"""

from __future__ import annotations

import datetime as dt
import re

# new-style 2504.17830 (4+4 digits until 2014, 4+5 since); old-style hep-ex/0307015, math.AG/0601001
# ASCII digits only: \d would take ２５０４ or ٢٥٠٤, which arXiv never serves and links break on
ARXIV_ID = re.compile(r"^(?:[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/[0-9]{7})$")
# cs.SD, eess.AS, hep-ex, astro-ph.CO, cond-mat.stat-mech, physics.atom-ph, q-bio.NC
CATEGORY = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?$")

# C0 controls but tab and newline, DEL, C1 controls; bidi embeddings, overrides and isolates;
# zero-width characters and the BOM: invisible, and able to make text read other than it is
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)

MAX_FEED_BYTES = 32 * 1024 * 1024  # arXiv's largest daily feed is a few MB
MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 6_000  # arXiv caps abstracts at 1,920 characters
MAX_COMMENT_CHARS = 1_000
MAX_AUTHORS = 500  # names kept; collaborations list thousands, the digest shows the first
MAX_AUTHOR_CHARS = 1_000  # one name with its affiliation; one 60,000-character name took 319 s
MAX_CATEGORIES = 20  # arXiv's papers list a handful
MAX_ANSWER_CHARS = 20_000  # far above any answer within max_tokens that we keep


def clean(text: str) -> str:
    """The text without control, bidi-override and zero-width characters."""
    if text.isprintable():  # all of _INVISIBLE is Unicode "Other" (Cc, Cf, Cn): not printable
        return text  # a C loop: a year of abstracts is cleaned on every build of the web reader
    return _INVISIBLE.sub("", text)


# GitHub Actions reads a log line as a workflow command when it starts with "::" after leading
# whitespace (the runner's ActionCommand.TryParseV2 trims first), or when "##[" appears anywhere in
# it (the legacy TryParse): ::add-mask::, ::stop-commands:: (which silences every later
# annotation), ##[error]. Checked in actions/runner src/Runner.Common/ActionCommand.cs, 2026-11-27.
_COMMAND_START = re.compile(r"(^|\s)::")
_LEGACY_COMMAND = re.compile(r"##(?=\[)")


def one_line(text: str) -> str:
    """Clean text with its whitespace runs (line breaks and Unicode separators included) folded
    into single spaces."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # printable: clean, and no whitespace but single inner spaces
    return " ".join(clean(text).split())


def printable(text: str, limit: int | None = 200) -> str:
    """Untrusted text as it may appear in anything printed (stderr, stdout, a log, a failure
    reason kept in JSON): one line, clipped to ``limit`` characters (None: a whole line of ours
    with such text in it), and never a workflow command. Every print path routes text it did not
    write itself through here (lines.say and lines.echo for whole lines).

    "::" at the start or after a space becomes ": :" (a line wrapped at that space would start
    with it; a leading invisible or Unicode space would not help, the runner trims those), "##["
    becomes "# #[", so the runner finds no command while a reader still can.
    """
    line = one_line(text)
    if limit is not None:
        line = clip(line, limit)[0]
    if "::" in line:
        line = _COMMAND_START.sub(r"\1: :", line)
    if "##" in line:
        line = _LEGACY_COMMAND.sub("# #", line)
    return line


def clip(text: str, limit: int) -> tuple[str, bool]:
    """At most ``limit`` characters, cut at a space where one is near, marked with …."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ", limit - 200)
    return (cut[:space] if space > 0 else cut).rstrip() + " …", True


# arXiv opened in August 1991; the last day leaves room for a week's arithmetic either side
FIRST_DAY = dt.date(1991, 8, 1)
LAST_DAY = dt.date(9999, 12, 1)


def valid_day(value: dt.date) -> bool:
    """A day that can name a folder, a feed's announcement or --date (year 1 or 9999 cannot:
    going a week back or a time zone across overflows)."""
    return FIRST_DAY <= value <= LAST_DAY


def valid_id(value: str) -> bool:
    return bool(ARXIV_ID.fullmatch(value))  # match()'s $ lets a trailing newline through


def valid_category(value: str) -> bool:
    return bool(CATEGORY.fullmatch(value))
