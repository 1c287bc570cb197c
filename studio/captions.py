"""Caption and chapter files (WebVTT and SRT) from a scene's steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from core.text import shown

__all__ = ["Chapter", "chapters", "chapters_text", "srt_text", "vtt_text"]


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


MAX_TITLE = 400  # studio.manifest.MAX_STEP_TITLE


class Chapter(NamedTuple):
    """One step as a chapter: where it starts and ends in the video, and its title."""

    start: float
    end: float
    title: str


def chapters(steps: Sequence[Timed], duration: float) -> list[Chapter]:
    """One chapter per step, end to end from 0 to ``duration``, times in whole milliseconds.

    Each step runs to where the next begins, the first from 0 (what plays before it leads into
    it) and the last to the video's end (the closing hold belongs to it). Rounded as the VTT
    writes them, so the manifest and the chapters track give a player the same boundaries.
    """
    timed = [s for s in steps if s.end > s.start]
    out: list[Chapter] = []
    for n, step in enumerate(timed):
        start = 0.0 if n == 0 else round(step.start, 3)
        end = round(duration, 3) if n == len(timed) - 1 else round(timed[n + 1].start, 3)
        # The manifest refuses a title that is not one line of plain text or runs past
        # MAX_TITLE characters; a set it refused would be rendered again on every build.
        title = shown(" ".join(step.caption.split())) or f"Step {n + 1}"
        if len(title) > MAX_TITLE:
            title = title[:MAX_TITLE - 1] + "…"
        out.append(Chapter(start, max(start, end), title))
    return out


def chapters_text(steps: Sequence[Chapter]) -> str:
    """WebVTT chapters (``<track kind="chapters">``): one cue per step, titled by its caption."""
    lines = ["WEBVTT", ""]
    for n, chapter in enumerate(steps, 1):
        lines += [f"step-{n}", f"{_stamp(chapter.start, '.')} --> {_stamp(chapter.end, '.')}",
                  chapter.title.replace("-->", "->"), ""]
    return "\n".join(lines)
