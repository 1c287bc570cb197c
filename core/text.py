"""What a title or caption may hold: one line, no controls, bidi overrides or emoji."""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_TITLE_LENGTH", "shown", "text_problem"]

# A storyboard sheet of one step is 344 px wide; 80 characters wrap onto at most three lines of
# its heading, and a gallery <h2> of 80 characters stays on two lines at 60rem.
MAX_TITLE_LENGTH = 80

# Control (Cc), format (Cf: bidi overrides such as U+202E, zero-width joiners), line and paragraph
# separators, private use, surrogates and unassigned code points: none draws as text, and some
# reorder or hide what is around them in a terminal, a browser or a caption file.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}

# Pictographic emoji live in the supplementary planes' symbol blocks. No installed font draws
# them in colour, and a monochrome fallback differs per machine, so they are refused.
_EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x1FC00, 0x1FFFD))
_EMOJI_SELECTORS = {0xFE0E, 0xFE0F}


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def text_problem(text: str, max_length: int | None = None) -> tuple[str, str] | None:
    """``(expected, found)`` describing why ``text`` cannot be a title or caption, or None."""
    if max_length is not None and len(text) > max_length:
        return f"at most {max_length} characters", f"{len(text)} characters"
    for position, ch in enumerate(text, 1):
        code = ord(ch)
        if code in _EMOJI_SELECTORS or any(lo <= code <= hi for lo, hi in _EMOJI_RANGES):
            return "text without emoji", f"{_code(ch)} at character {position}"
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return ("one line of text without control, format or bidi-override characters",
                    f"{_code(ch)} at character {position}")
    return None


def shown(text: str) -> str:
    """``text`` with every character :func:`text_problem` refuses written as an escape.

    Error messages quote file names and values as found; escaping keeps such a message on one
    line and in reading order whatever those names contain.
    """
    out = []
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)
