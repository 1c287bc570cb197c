"""media/ as a closed world: what a build may write or delete there, checked before it does."""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "SET_NAME",
    "TEMP_DIR",
    "TEMP_FILE",
    "MediaError",
    "check_clip_dirs",
    "check_media",
    "fault",
    "own_file",
    "prune_sets",
    "remove_temporaries",
]

# A clip's outputs live in media/<clip>/<set>/, the set named by the first 16 hex digits of
# the clip's hash and 8 random ones, so even a forced rebuild of the same hash gets a fresh
# folder and the manifest switches from the old set to the new one in one write.
SET_NAME = re.compile(r"[0-9a-f]{16}-[0-9a-f]{8}")
# tempfile.mkstemp/mkdtemp names: "." + final name + "." + 8 of [a-z0-9_] + ".tmp" + suffix
# (studio.files.temp_path), and the render worker's ".stage-"/".render-" folders.
TEMP_FILE = re.compile(r"\.[^/]+\.[a-z0-9_]{8}\.tmp(?:\.[A-Za-z0-9]+)?")
TEMP_DIR = re.compile(r"\.(?:stage|render)-[a-z0-9_]{8}")
# The top-level names a build writes; any of them a symlink would carry a write elsewhere.
TOP_LEVEL = (".lock", "manifest.json", "index.html", "present.html", ".cache",
             ".cache/traces.json", ".cache/sources.json")


class MediaError(Exception):
    """media/ cannot be written as asked; ``str()`` is one line naming the path and the cause.

    ``status`` is the exit status: 2 for a refusal (a symlink, a file where a folder belongs),
    1 for a fault of the machine (read-only, disk full).
    """

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def fault(exc: OSError, fallback: Path) -> MediaError:
    """An OSError from writing media/ as a one-line :class:`MediaError` naming path and cause."""
    path = exc.filename if exc.filename is not None else fallback
    cause = exc.strerror or type(exc).__name__
    return MediaError(f"{path}: {cause}", status=1)


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise MediaError(f"{path}: refusing to write through a symlink inside media/ "
                         f"(it points to {os.readlink(path)}); remove it or choose another "
                         f"--media")


def check_media(media: Path) -> None:
    """Refuse a media/ the build cannot own, before anything is written there."""
    if media.exists() and not media.is_dir():
        raise MediaError(f"{media}: expected a folder for the build's outputs, found a file")
    existing = media
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise MediaError(f"{media}: cannot create the media folder: {existing} is a file")
    read_only = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
    if read_only or not os.access(existing, os.W_OK | os.X_OK):
        cause = os.strerror(errno.EROFS if read_only else errno.EACCES)
        raise MediaError(f"{existing}: {cause}", status=1)
    for name in TOP_LEVEL:
        _refuse_symlink(media / name)


def check_clip_dirs(media: Path, clip_ids: Iterable[str]) -> None:
    """Refuse clip folders that are symlinks or files (ids are checked names: no '/' or '..')."""
    for clip_id in clip_ids:
        folder = media / clip_id
        _refuse_symlink(folder)
        if folder.exists() and not folder.is_dir():
            raise MediaError(f"{folder}: expected the clip's folder, found a file")
        if folder.is_dir():
            for child in folder.iterdir():
                if child.is_symlink() and SET_NAME.fullmatch(child.name):
                    _refuse_symlink(child)


def own_file(media: Path, rel: str) -> bool:
    """True when media/``rel`` is a regular file reached without following any symlink."""
    path = media
    for part in Path(rel).parts:
        if part in ("", ".", "..") or path.is_symlink():
            return False
        path = path / part
    return not path.is_symlink() and path.is_file()


def remove_temporaries(media: Path, clip_ids: Iterable[str]) -> None:
    """Delete what a killed build left half-written: only names matching our temporary patterns,
    only in media/, media/.cache and the given clips' folders, never through a symlink."""
    folders = [media, media / ".cache", *(media / c for c in clip_ids)]
    for folder in folders:
        if folder.is_symlink() or not folder.is_dir():
            continue
        for child in folder.iterdir():
            if child.is_symlink():
                continue
            if child.is_file() and TEMP_FILE.fullmatch(child.name):
                child.unlink(missing_ok=True)
            elif child.is_dir() and TEMP_DIR.fullmatch(child.name):
                shutil.rmtree(child, ignore_errors=True)


def prune_sets(media: Path, keep: dict[str, set[str]]) -> None:
    """Delete the set folders of the clips in ``keep`` that the manifest no longer names.

    Called after index.html is written, so neither the manifest nor the gallery can still point
    at what is deleted; a kill before this leaves only unreferenced sets for the next build.
    """
    for clip_id, names in keep.items():
        folder = media / clip_id
        if folder.is_symlink() or not folder.is_dir():
            continue
        for child in folder.iterdir():
            if (SET_NAME.fullmatch(child.name) and child.name not in names
                    and not child.is_symlink() and child.is_dir()):
                shutil.rmtree(child)
