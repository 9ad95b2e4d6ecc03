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
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from arxiv_digest.errors import InputError, StorageError
from arxiv_digest.models import Digest

DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")  # + for ad-hoc groups: cs.SD+eess.AS
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


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
    """Day folders, newest first."""
    try:
        if not output.is_dir():
            return []
        days = [p for p in output.iterdir() if p.is_dir() and DAY_DIR.match(p.name)]
    except OSError as exc:
        raise StorageError(f"cannot read {output}: {why(exc)}") from None
    return sorted(days, key=lambda p: p.name, reverse=True)


def safe_name(group: str) -> bool:
    """A group name that can only ever be a file inside its day's folder."""
    return bool(SAFE_NAME.match(group)) and ".." not in group


def digest_paths(output: Path, date: dt.date, group: str) -> tuple[Path, Path]:
    if not safe_name(group):
        raise InputError(f"group name {group!r} cannot be a file name")
    folder = output / date.isoformat()
    return folder / f"{group}.md", folder / f"{group}.json"


def load_digest(path: Path) -> Digest:
    return parse_digest(path.read_text(encoding="utf-8"))


def parse_digest(text: str | bytes) -> Digest:
    """A digest from its JSON file's content (what load_digest reads)."""
    return Digest.from_json(json.loads(text))


def last_published(output: Path, group: str, before: dt.date) -> Digest | None:
    """The group's most recent digest from an earlier day, if any."""
    for day in day_dirs(output):
        if day.name >= before.isoformat():
            continue
        path = day / f"{group}.json"
        if path.is_file():
            try:
                return load_digest(path)
            except (OSError, ValueError, KeyError):
                continue
    return None


def recent_digests(output: Path, newest: dt.date, days: int) -> list[Digest]:
    """Every readable digest of the ``days`` days up to and including ``newest``."""
    oldest = (newest - dt.timedelta(days=days)).isoformat()
    found = []
    for day in day_dirs(output):
        if not oldest <= day.name <= newest.isoformat():
            continue
        for path in sorted(day.glob("*.json")):
            try:
                found.append(load_digest(path))
            except (OSError, ValueError, KeyError):
                continue  # not ours, or hand-edited: left alone
    return found


def write_digest(output: Path, digest: Digest, markdown: str) -> tuple[Path, Path]:
    """A day's .md and .json, replaced together."""
    md_path, json_path = digest_paths(output, digest.date, digest.group.name)
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
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise StorageError(f"cannot create the lock {path}: {why(exc)}") from None
    try:
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
