"""Render quality presets: pixel size and frame rate per named quality."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_QUALITY", "PUBLIC_QUALITIES", "QUALITIES", "Quality"]


@dataclass(frozen=True)
class Quality:
    """A render size and frame rate."""

    name: str
    width: int
    height: int
    fps: int


QUALITIES: dict[str, Quality] = {
    q.name: q
    for q in (
        Quality("low", 854, 480, 15),
        Quality("medium", 1280, 720, 30),
        Quality("high", 1920, 1080, 60),
        Quality("4k", 3840, 2160, 60),
        # Tests only: tiny frames so a real render takes seconds. Not shown in --help.
        Quality("test", 256, 144, 5),
    )
}
PUBLIC_QUALITIES = ("low", "medium", "high", "4k")
DEFAULT_QUALITY = "low"
