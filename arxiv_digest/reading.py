"""Reading a file someone else may have made: the output folder's JSON, the config, .env, the
prompts. A FIFO or a device never blocks the run (a FIFO waits for a writer forever, /dev/zero
fills memory), nothing is read past a size cap, and text is strict UTF-8 with the file named."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class Unreadable(ValueError):
    """Not a file we can take as it is; the message names it and says why."""


def read_bytes(path: Path, limit: int, follow: bool = True) -> bytes:
    """A regular file's bytes, at most ``limit``; with ``follow=False`` never through a symlink.
    OSError (missing, no permission) passes through for the caller to word."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise Unreadable(f"{path} is a symbolic link") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"{path} is not a regular file")
        if info.st_size > limit:
            raise Unreadable(f"{path} is {info.st_size} bytes, more than the {limit} allowed")
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:  # grew while we read
        raise Unreadable(f"{path} is more than the {limit} bytes allowed")
    return b"".join(chunks)


def decode(data: bytes, path: Path) -> str:
    """Strict UTF-8; the error says where the first bad byte is and what to do."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise Unreadable(
            f"{path} is not UTF-8 text (byte 0x{bad} at position {exc.start}); "
            "save it as UTF-8"
        ) from None


def read_text(path: Path, limit: int = 1024 * 1024) -> str:
    """A small text file we are given (config, .env, prompts): UTF-8, no BOM surprises."""
    return decode(read_bytes(path, limit), path)
