"""Caption files (WebVTT and SRT) from a scene's steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["srt_text", "vtt_text"]


class Timed(Protocol):
    caption: str
    start: float
    end: float


def _stamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cues(steps: Sequence[Timed]) -> list[tuple[float, float, str]]:
    # A caption is one line of text; a blank line inside would end the cue early.
    return [(max(0.0, s.start), s.end, " ".join(s.caption.split())) for s in steps
            if s.end > s.start and s.caption.strip()]


def vtt_text(steps: Sequence[Timed]) -> str:
    """WebVTT for a <track>: one cue per step, from its start to its end."""
    lines = ["WEBVTT", ""]
    for n, (start, end, text) in enumerate(_cues(steps), 1):
        # "-->" inside cue text would be read as a timing line.
        lines += [str(n), f"{_stamp(start, '.')} --> {_stamp(end, '.')}",
                  text.replace("-->", "->"), ""]
    return "\n".join(lines)


def srt_text(steps: Sequence[Timed]) -> str:
    """SubRip captions: the same cues as :func:`vtt_text`."""
    lines: list[str] = []
    for n, (start, end, text) in enumerate(_cues(steps), 1):
        lines += [str(n), f"{_stamp(start, ',')} --> {_stamp(end, ',')}", text, ""]
    return "\n".join(lines)
