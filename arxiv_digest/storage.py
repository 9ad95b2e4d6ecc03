"""The output folder on disk: files replaced together or not at all, one run at a time, what was
published when. Every OS error here becomes a StorageError (exit 4) naming the file."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import signal
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple, TypeVar

from pydantic import ValidationError

from arxiv_digest.errors import InputError, StorageError
from arxiv_digest.models import Digest
from arxiv_digest.reading import Unreadable, decode, read_bytes

DAY_DIR = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")  # + for ad-hoc groups: cs.SD+eess.AS
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
MAX_DIGEST_BYTES = 32 * 1024 * 1024  # a day of 1,000 papers is ~3 MB


class NotADigest(ValueError):
    """A file in the output folder that is not a digest we wrote: skipped, named in a warning."""


def file_mode() -> int:
    """What open() would give a new file under the process's umask (0644 under 022)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


def write_files(items: list[tuple[Path, str]]) -> None:
    """Every temp file written and synced first, then all renamed with signals held back: readers
    see all the old files or all the new ones. On an error or a signal the temps are removed and
    the old files stay as they were."""
    temps: list[Path] = []
    mode = file_mode()
    current = items[0][0] if items else Path()
    try:
        for path, text in items:
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append(Path(tmp))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fchmod(handle.fileno(), mode)  # mkstemp makes 0600
                os.fsync(handle.fileno())
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            for (path, _), tmp in zip(items, temps, strict=True):
                current = path
                os.replace(tmp, path)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    except OSError as exc:
        _remove(temps)
        raise StorageError(f"cannot write {current}: {why(exc)}") from None
    except BaseException:
        _remove(temps)
        raise


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def atomic_write(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one."""
    write_files([(path, text)])


def day_dirs(output: Path) -> list[Path]:
    """Day folders, newest first; a symlink is not one (it leads out of the output folder)."""
    try:
        if not output.is_dir() or output.is_symlink():
            return []
        days = [
            p for p in output.iterdir()
            if DAY_DIR.match(p.name) and not p.is_symlink() and p.is_dir()
        ]  # fmt: skip
    except OSError as exc:
        raise StorageError(f"cannot read {output}: {why(exc)}") from None
    return sorted(days, key=lambda p: p.name, reverse=True)


def check_output(output: Path, day: Path | None = None) -> None:
    """The output folder and a day's folder are written only where they are: a symlink to
    elsewhere would put our files (and our renames) outside the folder the user named."""
    for path in (output, day):
        if path is not None and path.is_symlink():
            raise StorageError(
                f"{path} is a symbolic link (to {os.readlink(path)}); refusing to write through "
                "it: name the real folder with -o, or replace the link with a folder"
            )


def read_digest_bytes(path: Path) -> bytes:
    """A file of the output folder's bytes: never through a symlink (it could lead anywhere),
    never blocking on a FIFO or a device, at most MAX_DIGEST_BYTES; NotADigest otherwise."""
    try:
        return read_bytes(path, MAX_DIGEST_BYTES, follow=False)
    except Unreadable as exc:
        raise NotADigest(str(exc)) from None


def read_json(path: Path) -> dict[str, object]:
    """A JSON object from a file in the output folder, or NotADigest saying why not."""
    return _json_object(read_digest_bytes(path), path)


def _json_object(raw: str | bytes, path: Path) -> dict[str, object]:
    try:  # decoded as UTF-8 here: json.loads takes bytes as UTF-16 or -32 too
        data = json.loads(decode(raw, path) if isinstance(raw, bytes) else raw)
    except Unreadable as exc:
        raise NotADigest(str(exc)) from None
    except (ValueError, RecursionError):
        raise NotADigest(f"{path} is not valid JSON (or nested too deeply)") from None
    if not isinstance(data, dict):
        raise NotADigest(f"{path} holds a JSON {type(data).__name__}, not a digest")
    return data


# file names are at most 255 bytes; ".NAME.json.XXXXXXXX.tmp" while written is NAME + 19
MAX_GROUP_NAME = 200


def safe_name(group: str) -> bool:
    """A group name that can only ever be a file inside its day's folder."""
    return bool(SAFE_NAME.match(group)) and ".." not in group and len(group) <= MAX_GROUP_NAME


def digest_paths(output: Path, date: dt.date, group: str) -> tuple[Path, Path]:
    if not safe_name(group):
        raise InputError(f"group name {group!r} cannot be a file name")
    folder = output / date.isoformat()
    return folder / f"{group}.md", folder / f"{group}.json"


def load_digest(path: Path) -> Digest:
    """The digest in output/DATE/GROUP.json, or NotADigest naming the file and why. The path is
    the truth: a file whose date or group says otherwise is not taken for that day or group
    (healing it would overwrite another day's digest)."""
    return parse_digest(read_digest_bytes(path), path)


def parse_digest(text: str | bytes, path: Path | None = None) -> Digest:
    """A digest from its JSON file's content (what load_digest reads); NotADigest when it is
    not one, or (given its path) when its date or group differ from the path's."""
    where = path or Path("digest")
    data = _json_object(text, where)
    try:
        digest = Digest.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        what = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else repr(exc)
        raise NotADigest(f"{where} is not a digest ({what[:100]})") from None
    if path is not None:
        _named_by(path, digest.date.isoformat(), digest.group.name)
    return digest


def _named_by(path: Path, date: object, group: object) -> None:
    if (date, group) != (path.parent.name, path.stem):
        raise NotADigest(f"{path} says it is {date} {group!r}, not what its path says")


class Heading(NamedTuple):
    """A digest as the index lists it."""

    title: str
    categories: list[str]
    new: int
    replaced: int


def load_heading(path: Path) -> Heading:
    """The title, categories and counts of output/DATE/GROUP.json, checked as load_digest
    checks them but without building the papers: the index reads every day on every run
    (100 days of 500 papers: 0.9 s, where whole digests take 2.2 s)."""
    data = read_json(path)
    _named_by(path, data.get("date"), data.get("group"))
    title, categories, stats = data.get("title"), data.get("categories"), data.get("stats")
    if not isinstance(title, str) or not isinstance(categories, list) or not all(
        isinstance(c, str) for c in categories
    ):
        raise NotADigest(f"{path} is not a digest (title or categories)")
    counts = stats if isinstance(stats, dict) else {}
    new, replaced = counts.get("new"), counts.get("replaced")
    if type(new) is not int or type(replaced) is not int:
        raise NotADigest(f"{path} is not a digest (stats)")
    return Heading(title, categories, new, replaced)


Warn = Callable[[str], None]
T = TypeVar("T")


def ignore(text: str) -> None:
    """A Warn for callers that skip a bad file without a word."""


def try_load(path: Path, warn: Warn) -> Digest | None:
    """The digest, or None after a warning naming the file: a hand-made or damaged file is
    left alone and never ends a run."""
    return try_read(path, load_digest, warn)


def try_read(path: Path, read: Callable[[Path], T], warn: Warn) -> T | None:
    """``read(path)`` (load_digest, load_heading), or None after a warning naming the file."""
    try:
        return read(path)
    except NotADigest as exc:
        warn(f"skipped {exc}")
    except OSError as exc:
        warn(f"skipped {path}: {why(exc)}")
    return None


def last_published(
    output: Path, group: str, before: dt.date, warn: Warn = ignore
) -> Digest | None:
    """The group's most recent digest from an earlier day, if any."""
    for day in day_dirs(output):
        if day.name >= before.isoformat():
            continue
        path = day / f"{group}.json"
        if path.exists() or path.is_symlink():
            digest = try_load(path, warn)
            if digest is not None:
                return digest
    return None


def recent_digests(
    output: Path, newest: dt.date, days: int, warn: Warn = ignore, group: str | None = None
) -> Iterator[Digest]:
    """Every readable digest (only ``group``'s, if given) from ``days`` days before ``newest``
    up to it, newest day first: yielded as read, so a caller that has enough reads no more."""
    oldest = (newest - dt.timedelta(days=days)).isoformat()
    for day in day_dirs(output):
        if not oldest <= day.name <= newest.isoformat():
            continue
        paths = [day / f"{group}.json"] if group else sorted(day.glob("*.json"))
        for path in paths:
            if not (path.exists() or path.is_symlink()):
                continue  # the group had no digest that day
            if (digest := try_load(path, warn)) is not None:
                yield digest


def write_digest(output: Path, digest: Digest, markdown: str) -> tuple[Path, Path]:
    """A day's .md and .json, replaced together."""
    md_path, json_path = digest_paths(output, digest.date, digest.group.name)
    check_output(output, md_path.parent)
    payload = json.dumps(digest.to_json(), ensure_ascii=False, indent=2) + "\n"
    write_files([(json_path, payload), (md_path, markdown)])
    return md_path, json_path


# -- one run at a time ---------------------------------------------------------------------------
@contextlib.contextmanager
def run_lock(path: Path, wait: float, say: Callable[[str], None]) -> Iterator[None]:
    """flock on ``path``; a run that finds it held waits up to ``wait`` seconds, saying so once,
    then gives up naming the holder's pid. The kernel drops the lock when a run dies."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # never through a symlink: its target would be truncated and overwritten with our pid
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StorageError(f"the lock {path} is a symbolic link; remove it") from None
        raise StorageError(f"cannot create the lock {path}: {why(exc)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StorageError(f"the lock {path} is not a regular file; remove it")
        deadline = time.monotonic() + wait
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if time.monotonic() >= deadline:
                    raise StorageError(
                        f"another run (pid {holder}) is in progress (lock {path}); "
                        "try again when it has finished"
                    ) from None
                if not said:
                    say(f"waiting up to {wait:.0f} s for another run (pid {holder}) to finish")
                    said = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip() or "unknown"
    except OSError:
        return "unknown"


# -- the cache's database file -------------------------------------------------------------------
SQLITE_HEADER = b"SQLite format 3\x00"


def check_db_file(path: Path, what: str = "the summary cache") -> bool:
    """Whether ``path`` holds something SQLite made (False: nothing there yet, or empty).
    SQLite follows symlinks and writes into whatever file it is given: a link, a FIFO or another
    program's file (ARXIV_DIGEST_CACHE pointed at the TOML) is refused, never opened or moved."""
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if file.is_symlink():
            raise StorageError(f"{what} {file} is a symbolic link; refusing to follow it")
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StorageError(f"cannot open {what} {path}: {why(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise StorageError(f"{what} {path} is not a regular file; set ARXIV_DIGEST_CACHE")
    if info.st_size == 0:
        return False
    try:
        head = _head(path)
    except OSError as exc:
        raise StorageError(f"cannot open {what} {path}: {why(exc)}") from None
    if head != SQLITE_HEADER:
        raise StorageError(
            f"{what} {path} is not a SQLite database (another program's file?); refusing to "
            "touch it: point ARXIV_DIGEST_CACHE at a new file"
        )
    return True


def _head(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        return os.pread(fd, 16, 0)
    finally:
        os.close(fd)
