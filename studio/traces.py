"""Trace cache: a clip's trace reused while its spec, core/ and torch are unchanged (no torch)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from core.lesson import ClipSpec, Lesson
from studio import hashing
from studio.files import atomic_write_text

__all__ = ["CACHE", "load_cache", "save_cache", "trace_key"]

CACHE = Path(".cache") / "traces.json"


def _spec(clip: ClipSpec) -> dict[str, Any]:
    data = dataclasses.asdict(clip)
    data.pop("source", None)  # the lesson's path: not an input of torch
    return data


@cache
def _versions() -> tuple[str, str]:
    # Parsing two METADATA files per clip was a tenth of `list` on a 100-clip lesson.
    return metadata.version("torch"), metadata.version("numpy")


def trace_key(lesson: Lesson, clip: ClipSpec, root: Path = hashing.ROOT) -> str:
    """What a trace is a function of: the clip's spec (a summary's: every clip's), core's
    sources, and the torch and numpy versions. Tracing is seeded, so equal keys, equal traces
    (up to the memory addresses, which the clip hash leaves out anyway)."""
    specs = [_spec(c) for c in lesson.clips] if clip.kind == "summary" else []
    digest = hashlib.sha256()
    payload = {"clip": _spec(clip), "lesson": specs, "format": hashing.FORMAT_VERSION,
               "torch": _versions()[0], "numpy": _versions()[1]}
    digest.update(json.dumps(payload, sort_keys=True, default=str).encode())
    for module in hashing.import_closure("core.trace", root):
        path = hashing.module_path(module, root)
        assert path is not None
        digest.update(f"\0{module}\0".encode())
        # The syntax tree, not the bytes: a comment in core/ neither re-traces nor re-renders.
        digest.update(hashing.source_digest(module, path).encode())
    return digest.hexdigest()


def load_cache(media: Path) -> dict[str, dict[str, str]]:
    """clip id -> {"key", "trace"}; anything unreadable is simply a miss."""
    try:
        data = json.loads((media / CACHE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("key"), str)
            and isinstance(v.get("trace"), str)}


def save_cache(media: Path, cache: dict[str, dict[str, str]]) -> None:
    atomic_write_text(media / CACHE, json.dumps(cache, sort_keys=True))
