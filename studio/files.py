"""Crash-safe file writing and the media/ build lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from core.text import shown

__all__ = ["BuildLock", "atomic_path", "atomic_write_bytes", "atomic_write_text", "temp_path"]


def temp_path(final: Path) -> Path:
    """A fresh temporary name beside ``final`` (same file system, so os.replace is atomic)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp" + final.suffix,
                                dir=final.parent)
    os.close(fd)
    # mkstemp makes files private; outputs are served to browsers, so make them readable.
    os.chmod(name, 0o644)
    return Path(name)


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk (a rename is durable once its folder is)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``final`` in one step.

    A crash at any moment leaves either the old ``final`` or the new one, never a torn file;
    the temporary file is removed on error.
    """
    tmp = temp_path(final)
    try:
        yield tmp
        fsync_path(tmp)
        os.replace(tmp, final)
    except OSError as exc:
        # fsync and write errors (a full disk) name no file; say which one was being written.
        if exc.filename is None:
            exc.filename = str(final)
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(final: Path, data: bytes) -> None:
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(final: Path, text: str) -> None:
    atomic_write_bytes(final, text.encode("utf-8"))


class BuildLock:
    """An exclusive ``fcntl.flock`` on ``<media>/.lock`` held for a whole build.

    A second build on the same media/ waits for the first to finish (printing once that it
    waits), then sees the first build's manifest and renders only what is still out of date.
    The kernel drops the lock when its holder dies, so a killed build never leaves it stuck.
    """

    def __init__(self, media: Path, notice: IO[str] | None = None) -> None:
        self.path = media / ".lock"
        self.notice = notice if notice is not None else sys.stderr
        self._handle: IO[str] | None = None

    def __enter__(self) -> BuildLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a planted .lock symlink must not create or touch a file elsewhere.
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        handle = os.fdopen(descriptor, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"torchreel: another build is writing {shown(str(self.path.parent))}; "
                  f"waiting for it to finish", file=self.notice, flush=True)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
