"""media/manifest.json: what was built, read defensively and written atomically."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.lesson import ID_PATTERN, MAX_ID_LENGTH
from core.text import MAX_TITLE_LENGTH, shown, text_problem
from studio.captions import MAX_TITLE
from studio.files import atomic_write_text
from studio.guard import SET_NAME, own_file

__all__ = [
    "REQUIRED_FILES",
    "ClipEntry",
    "Manifest",
    "clip_files",
    "read_manifest",
    "write_manifest",
]

REQUIRED_FILES = ("mp4", "poster", "vtt", "srt", "trace")
OPTIONAL_FILES = ("webm", "gif", "storyboard", "chapters")
MANIFEST = "manifest.json"
# The name of each output inside its set folder; the manifest may name no other file.
SUFFIXES = {"mp4": ".mp4", "webm": ".webm", "poster": ".png", "vtt": ".vtt", "srt": ".srt",
            "trace": ".json", "gif": ".gif", "storyboard": "-storyboard.png",
            "chapters": "-chapters.vtt"}
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
# A step's caption is a sentence or two; a chapter title longer than this is not one.
MAX_STEP_TITLE = MAX_TITLE
MAX_STEPS = 200


def clip_files(clip_id: str, set_name: str, keys: Any) -> dict[str, str]:
    """The paths (relative to media/) of a clip's outputs ``keys`` in its set folder."""
    return {key: f"{clip_id}/{set_name}/{clip_id}{SUFFIXES[key]}" for key in keys}


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
    # The clip's steps as chapters (start, end, title), as its chapters track has them; empty
    # for a set built before chapters existed (the build then renders it again).
    steps: tuple[tuple[float, float, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "title": self.title, "hash": self.hash,
            "duration_s": self.duration_s, "width": self.width, "height": self.height,
            "files": dict(self.files)}
        if self.steps:
            data["steps"] = [{"start": s, "end": e, "title": t} for s, e, t in self.steps]
        return data

    @property
    def set_name(self) -> str:
        """The set folder all of this entry's files are in (checked on read)."""
        return self.files["mp4"].split("/")[1]

    def missing_files(self, media: Path) -> list[str]:
        return [key for key, rel in self.files.items() if not own_file(media, rel)]


@dataclass
class Manifest:
    """The manifest's clips by id, plus warnings about entries that could not be read."""

    clips: dict[str, ClipEntry] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _entry(raw: Any) -> ClipEntry | str:
    """A checked entry, or the reason it is unreadable.

    Every path must be exactly one of the clip's own files in one set folder named by its
    hash: anything else (``../``, a URL, ``javascript:``, another clip's file) drops the entry,
    so it can reach neither a build's deletes nor the gallery.
    """
    if not isinstance(raw, dict):
        return "not an object"
    clip_id, title, digest = raw.get("id"), raw.get("title"), raw.get("hash")
    if (not isinstance(clip_id, str) or len(clip_id) > MAX_ID_LENGTH
            or not ID_PATTERN.fullmatch(clip_id)):
        return "no 'id' of letters, digits and single dashes"
    if not isinstance(title, str) or text_problem(title, MAX_TITLE_LENGTH) is not None:
        return f"clip {clip_id!r}: 'title' is not one line of plain text"
    if not isinstance(digest, str) or not HEX_DIGEST.fullmatch(digest):
        return f"clip {clip_id!r}: 'hash' is not a sha256 hex digest"
    duration = raw.get("duration_s")
    if (isinstance(duration, bool) or not isinstance(duration, int | float)
            or not 0 < duration < 86400):
        return f"clip {clip_id!r}: 'duration_s' is not a positive number of seconds"
    for key in ("width", "height"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 8192:
            return f"clip {clip_id!r}: {key!r} is not a whole number from 1 to 8192"
    files = raw.get("files")
    if not isinstance(files, dict):
        return f"clip {clip_id!r}: 'files' is not an object"
    mp4 = files.get("mp4")
    parts = mp4.split("/") if isinstance(mp4, str) else []
    set_name = parts[1] if len(parts) == 3 else ""
    if not SET_NAME.fullmatch(set_name) or not set_name.startswith(digest[:16]):
        return f"clip {clip_id!r}: files.mp4 is not in a set folder named by the clip's hash"
    keys = set(files)
    if not set(REQUIRED_FILES) <= keys or not keys <= set(REQUIRED_FILES + OPTIONAL_FILES):
        return (f"clip {clip_id!r}: 'files' must have {', '.join(REQUIRED_FILES)} and "
                f"may have {', '.join(OPTIONAL_FILES)}")
    expected = clip_files(clip_id, set_name, files)
    for key in sorted(files):
        if files[key] != expected[key]:
            return (f"clip {clip_id!r}: files.{key} is {shown(str(files[key]))[:80]!r}, not "
                    f"the clip's own file {expected[key]!r}")
    steps = _steps(raw.get("steps", []), float(duration))
    if isinstance(steps, str):
        return f"clip {clip_id!r}: {steps}"
    return ClipEntry(id=clip_id, title=title, hash=digest, duration_s=float(duration),
                     width=raw["width"], height=raw["height"], files=expected, steps=steps)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _steps(raw: Any, duration: float) -> tuple[tuple[float, float, str], ...] | str:
    """Checked chapters: in order, each within the video, each title one line of plain text."""
    if not isinstance(raw, list) or len(raw) > MAX_STEPS:
        return f"'steps' is not a list of at most {MAX_STEPS} chapters"
    out: list[tuple[float, float, str]] = []
    previous = 0.0
    for n, step in enumerate(raw, 1):
        if not isinstance(step, dict):
            return f"steps #{n} is not an object"
        start, end, title = _number(step.get("start")), _number(step.get("end")), step.get("title")
        if start is None or end is None or not previous <= start <= end <= duration + 0.001:
            return f"steps #{n}: 'start' and 'end' are not in order within the video"
        if not isinstance(title, str) or text_problem(title, MAX_STEP_TITLE) is not None:
            return f"steps #{n}: 'title' is not one line of plain text"
        out.append((start, end, title))
        previous = end
    return tuple(out)


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
