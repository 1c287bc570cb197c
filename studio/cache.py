"""A shared, content-addressed store of rendered clips: any build copies a clip it holds.

The store is a folder (``--cache DIR``), typically on a network file system that several
machines and several builds use at once. Each entry is one folder named by the clip's hash
(see :mod:`studio.hashing`, which covers the trace, the scene sources, quality, theme and the
manim and torch versions), holding the clip's output files under their keys and a
``meta.json`` with each file's SHA-256 and the clip's length and size::

    DIR/3f/3fa9...e1/            one clip rendered without a GIF or a WebM
    DIR/3f/3fa9...e1-gif/        the same clip with its GIF
    DIR/3f/3fa9...e1-webm/       ... with its WebM (-gif-webm: with both)

(An entry added before WebM was opt-in has a WebM under the plain names; a file is served
only from an entry holding every file asked for, so that stays correct.)

An entry is written into a private ``.tmp-*`` folder beside it and renamed into place in one
step. Renaming a folder onto a folder that already has files fails, so when two builds add the
same hash at once one rename wins and the other build drops its copy: readers see a whole entry
or none. Entries are never changed after that, so they need no lock. A file whose checksum does
not match is a miss, never an install.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from studio.files import fsync_path
from studio.guard import MediaError

__all__ = ["ENTRY_OWN", "ClipCache", "open_cache"]

META = "meta.json"
# Manifest entry fields that belong to the clip in one lesson, not to its rendered files.
ENTRY_OWN = ("id", "title", "hash", "files")
# A private folder left by a build killed while adding an entry; removed once surely dead.
STALE_TEMP_S = 24 * 3600
CHUNK = 1 << 20


def _sha256_copy(source: Path, dest: Path) -> str:
    """Copy ``source`` to a new file ``dest`` (synced) and return the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    flags = os.O_RDONLY | os.O_NOFOLLOW
    with os.fdopen(os.open(source, flags), "rb") as reader, open(dest, "xb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return digest.hexdigest()


def _tuples(value: Any) -> Any:
    """JSON lists back as the tuples a manifest entry holds (e.g. its chapter steps)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


class ClipCache:
    """The store at ``root``; see the module docstring for its layout and guarantees."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.warnings: list[str] = []

    @staticmethod
    def key(digest: str, gif: bool, webm: bool = False) -> str:
        return digest + ("-gif" if gif else "") + ("-webm" if webm else "")

    def folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def _candidates(self, digest: str, gif: bool, webm: bool = False) -> list[str]:
        # A set with a GIF (or a WebM) serves a build without one too (the file is simply
        # not copied). An entry without the WebM suffix may hold one from before it was
        # opt-in: tried last, and used only if it does (see copy_into).
        gifs = [True] if gif else [False, True]
        webms = [True, False] if webm else [False, True]
        return [self.key(digest, g, w) for w in webms for g in gifs]

    def has(self, digest: str | None, gif: bool, webm: bool = False) -> bool:
        """Whether an entry looks present (cheap: no checksum); :meth:`copy_into` decides."""
        if digest is None:
            return False
        return any((self.folder(k) / META).is_file()
                   for k in self._candidates(digest, gif, webm))

    def copy_into(self, digest: str, gif: bool, files: dict[str, Path]) -> dict[str, Any] | None:
        """Copy the entry for ``digest`` to the paths ``files`` (output key -> new file).

        Returns the manifest entry's other fields (length, size, ...), or None, with nothing
        left at those paths, when no whole entry holds every key asked for with matching
        checksums.
        """
        for key in self._candidates(digest, gif, "webm" in files):
            folder = self.folder(key)
            try:
                meta = json.loads((folder / META).read_text(encoding="utf-8"))
                sums: dict[str, str] = meta["files"]
                if meta["hash"] != digest or not set(files) <= set(sums):
                    continue
                clip = {k: _tuples(v) for k, v in meta["entry"].items()
                        if k not in ENTRY_OWN}
            except FileNotFoundError:
                continue
            except (OSError, ValueError, KeyError, TypeError) as exc:
                self.warnings.append(f"cache entry {folder}: unreadable ({exc}); rendering")
                continue
            try:
                bad = [k for k, dest in files.items()
                       if _sha256_copy(folder / k, dest) != sums[k]]
            except OSError as exc:
                bad = [f"{exc.filename}: {exc.strerror}"]
            if not bad:
                return clip
            self.warnings.append(f"cache entry {folder}: {', '.join(bad)} does not match its "
                                 f"checksum; rendering")
            for dest in files.values():
                dest.unlink(missing_ok=True)
        return None

    def add(self, digest: str, gif: bool, files: dict[str, Path], clip: dict[str, Any]) -> bool:
        """Add an entry from finished files; False when one was already there (nothing changed).

        Safe when several builds add the same ``digest`` at once: exactly one entry results.
        """
        key = self.key(digest, gif, "webm" in files)
        final = self.folder(key)
        if (final / META).is_file():
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.parent / f".tmp-{key}-{secrets.token_hex(6)}"
        temp.mkdir()
        try:
            sums = {k: _sha256_copy(path, temp / k) for k, path in files.items()}
            meta = {"hash": digest, "files": sums,
                    "entry": {k: v for k, v in clip.items() if k not in ENTRY_OWN}}
            with open(temp / META, "x", encoding="utf-8") as handle:
                json.dump(meta, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            fsync_path(temp)
            try:
                os.rename(temp, final)
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    return False  # another build added the same clip first: its copy stands
                raise
            fsync_path(final.parent)
            return True
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    def sweep(self, now: float | None = None) -> None:
        """Remove private folders that builds killed while adding an entry left a day ago."""
        now = time.time() if now is None else now
        for temp in self._temporaries():
            with contextlib.suppress(OSError):
                if now - temp.stat().st_mtime > STALE_TEMP_S:
                    shutil.rmtree(temp, ignore_errors=True)

    def _temporaries(self) -> Iterator[Path]:
        with contextlib.suppress(OSError):
            for shard in self.root.iterdir():
                if shard.is_dir() and not shard.is_symlink():
                    yield from shard.glob(".tmp-*")

    def serve(self, jobs: list[Any], media: Path, on_result: Callable[[Any], None]) -> list[Any]:
        """Install every job the store holds through ``on_result``; return the jobs left to render.

        Each hit is copied into a fresh stage and handed to the build's own install step, the
        same one a rendered clip goes through, so the manifest and gallery guarantees hold.
        """
        from studio.render import RenderResult, new_stage

        left = []
        for job in jobs:
            if not self.has(job.hash, job.gif, job.webm):
                left.append(job)
                continue
            start = time.monotonic()
            stage = new_stage(media, job.clip_id, job.hash, job.gif, job.webm)
            clip = self.copy_into(job.hash, job.gif,
                                  {k: stage.path(k) for k in stage.files})
            if clip is None:
                shutil.rmtree(stage.folder, ignore_errors=True)
                left.append(job)
                continue
            fsync_path(stage.folder)
            entry = {**clip, "id": job.clip_id, "title": job.title, "hash": job.hash,
                     "files": stage.files}
            on_result(RenderResult(job.clip_id, entry, None, time.monotonic() - start,
                                   str(stage.folder), where="cache"))
        return left

    def keep(self, media: Path, entry: dict[str, Any], gif: bool) -> None:
        """Add an installed clip (its manifest ``entry``) to the store; a failure is a warning."""
        files = {k: media / rel for k, rel in entry["files"].items()}
        try:
            self.add(entry["hash"], gif, files, entry)
        except OSError as exc:
            self.warnings.append(f"could not add clip {entry['id']!r} to the cache "
                                 f"{self.root}: {exc.filename or ''}: {exc.strerror}")


def open_cache(root: Path) -> ClipCache:
    """The store at ``root``, made if missing; refused in one line (exit 2) if it is a file."""
    root = root.expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise MediaError(f"{root}: expected a folder for --cache, found a file")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MediaError(f"{root}: cannot make the --cache folder: {exc.strerror}") from None
    store = ClipCache(root)
    store.sweep()
    return store
