"""media/manifest.json: what was built, read defensively and written atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.files import atomic_write_text

__all__ = ["REQUIRED_FILES", "ClipEntry", "Manifest", "read_manifest", "write_manifest"]

REQUIRED_FILES = ("mp4", "webm", "poster", "vtt", "srt", "trace")
OPTIONAL_FILES = ("gif", "storyboard")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ClipEntry:
    """One built clip: its hash, size, length and output files (relative to media/)."""

    id: str
    title: str
    hash: str
    duration_s: float
    width: int
    height: int
    files: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "hash": self.hash,
                "duration_s": self.duration_s, "width": self.width, "height": self.height,
                "files": dict(self.files)}

    def missing_files(self, media: Path) -> list[str]:
        return [key for key, rel in self.files.items() if not (media / rel).is_file()]


@dataclass
class Manifest:
    """The manifest's clips by id, plus warnings about entries that could not be read."""

    clips: dict[str, ClipEntry] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _safe_rel(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    rel = Path(value)
    return not rel.is_absolute() and ".." not in rel.parts


def _entry(raw: Any) -> ClipEntry | str:
    """A checked entry, or the reason it is unreadable."""
    if not isinstance(raw, dict):
        return "not an object"
    clip_id, title, digest = raw.get("id"), raw.get("title"), raw.get("hash")
    if not isinstance(clip_id, str) or not clip_id:
        return "no string 'id'"
    if not isinstance(title, str):
        return f"clip {clip_id!r}: no string 'title'"
    if not isinstance(digest, str) or len(digest) != 64:
        return f"clip {clip_id!r}: 'hash' is not a sha256 hex digest"
    duration = raw.get("duration_s")
    if isinstance(duration, bool) or not isinstance(duration, int | float) or duration <= 0:
        return f"clip {clip_id!r}: 'duration_s' is not a positive number"
    for key in ("width", "height"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return f"clip {clip_id!r}: {key!r} is not a positive whole number"
    files = raw.get("files")
    if not isinstance(files, dict):
        return f"clip {clip_id!r}: 'files' is not an object"
    for key in REQUIRED_FILES:
        if not _safe_rel(files.get(key)):
            return f"clip {clip_id!r}: files.{key} is not a relative path inside media/"
    extra = {k: v for k, v in files.items() if k in OPTIONAL_FILES}
    if not all(_safe_rel(v) for v in extra.values()):
        return f"clip {clip_id!r}: an optional file path is not a relative path inside media/"
    kept = {k: files[k] for k in REQUIRED_FILES} | extra
    return ClipEntry(id=clip_id, title=title, hash=digest, duration_s=float(duration),
                     width=raw["width"], height=raw["height"], files=kept)


def read_manifest(media: Path) -> Manifest:
    """Read media/manifest.json; unreadable parts become warnings (and rebuilds), never errors."""
    path = media / MANIFEST
    result = Manifest()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result.warnings.append(f"{path}: unreadable ({exc}); rebuilding every clip")
        return result
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.warnings.append(f"{path}: not valid JSON ({exc}); rebuilding every clip")
        return result
    clips = data.get("clips") if isinstance(data, dict) else None
    if not isinstance(clips, list):
        result.warnings.append(f"{path}: expected an object with a 'clips' list; "
                               f"rebuilding every clip")
        return result
    for position, raw in enumerate(clips):
        entry = _entry(raw)
        if isinstance(entry, str):
            result.warnings.append(f"{path}: entry #{position + 1}: {entry}; treating it as "
                                   f"out of date")
        else:
            result.clips[entry.id] = entry
    return result


def write_manifest(media: Path, manifest: Manifest, order: list[str] | None = None) -> None:
    """Write the manifest atomically; clips in ``order`` first, any others after, by id."""
    order = order or []
    ids = [i for i in order if i in manifest.clips]
    ids += sorted(set(manifest.clips) - set(ids))
    data = {"clips": [manifest.clips[i].to_dict() for i in ids]}
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    path = media / MANIFEST
    try:
        if path.read_text(encoding="utf-8") == text:
            return  # a no-op build leaves the file alone
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)
