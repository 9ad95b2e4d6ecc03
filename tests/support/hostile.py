"""Hostile answers for the wire tests: gzip bombs, endless and dripped bodies.

Built here rather than stored: a bomb is a few hundred KB that decodes to hundreds of MB.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

MB = 1024 * 1024


@functools.cache
def gzip_bomb(decoded: int = 200 * MB, head: bytes = b"") -> bytes:
    """gzip of ``head`` and then zeros, ``decoded`` bytes in all (~1/1000 of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [packer.compress(head)]
    block = bytes(MB)
    left = decoded - len(head)
    while left > 0:
        parts.append(packer.compress(block[: min(MB, left)]))
        left -= MB
    parts.append(packer.flush())
    return b"".join(parts)


def endless(
    part: bytes = b"<item>" + b"x" * 65530, limit: float = 30.0
) -> Callable[[], Iterator[bytes]]:
    """A body that never ends (until ``limit`` seconds, so a broken client cannot hang a test)."""

    def body() -> Iterator[bytes]:
        until = time.monotonic() + limit
        while time.monotonic() < until:
            yield part

    return body


def drip(data: bytes, every: float = 0.2, limit: float = 30.0) -> Callable[[], Iterator[bytes]]:
    """``data`` one byte at a time, ``every`` seconds apart: each read comes in time, the whole
    never does."""

    def body() -> Iterator[bytes]:
        until = time.monotonic() + limit
        for byte in data:
            if time.monotonic() > until:
                return
            yield bytes([byte])
            time.sleep(every)

    return body


# the CLI run in a child that writes its own peak at exit: VmHWM belongs to the process image
# after exec, while getrusage/wait4's ru_maxrss still counts the forking parent's pages (a test
# process of 200 MB made every child look 200 MB)
_MEASURED = """
import atexit, runpy, sys
out, sys.argv = sys.argv[1], ["arxiv_digest", *sys.argv[2:]]
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(out, "w").write(line.split()[1])
atexit.register(peak)
runpy.run_module("arxiv_digest", run_name="__main__", alter_sys=True)
"""


def run_measured(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180.0
) -> tuple[int, str, float]:
    """(exit code, stderr, peak resident MB) of ``python -m arxiv_digest ARGS`` in its own
    process; a child killed at ``timeout`` reports wait4's peak (an upper bound)."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as out:
        child = subprocess.Popen(
            [sys.executable, "-c", _MEASURED, out.name, *args],
            env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        until = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > until:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        written = Path(out.name).read_text().strip()
        peak = int(written) / 1024 if written else usage.ru_maxrss / 1024
        return child.returncode, err.read().decode(errors="replace"), peak
