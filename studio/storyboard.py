"""Contact sheets: the frame that ends each teaching step, with its caption under it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

__all__ = ["FONTS", "contact_sheet", "has_glyph", "wrap"]

# Tried in order for each character: DejaVu draws Latin, Greek, Cyrillic and maths; the theme's
# fallback_font (NanumGothic, from fonts-nanum via scripts/setup.sh) draws Hangul and CJK.
FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
         Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"))
THUMB_WIDTH = 320
COLUMNS = 3
PAD = 12
FONT_SIZE = 13
HEADING_SIZE = 18
LINE = 17
HEADING_LINE = 24
# A code point no font maps: what it draws is the font's .notdef box (tofu).
_NO_GLYPH = "\U0010FFFD"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _fonts(size: int) -> tuple[Font, ...]:
    found: list[Font] = []
    for path in FONTS:
        try:
            found.append(ImageFont.truetype(str(path), size))
        except OSError:
            continue
    return tuple(found) or (ImageFont.load_default(),)


def _mask(font: Font, text: str) -> bytes:
    return bytes(font.getmask(text))


@cache
def _tofu(font: Font) -> bytes:
    return _mask(font, _NO_GLYPH)


def has_glyph(font: Font, ch: str) -> bool:
    """True when ``font`` draws ``ch`` as something other than its missing-glyph box."""
    return ch.isspace() or _mask(font, ch) != _tofu(font)


def _font_for(ch: str, size: int) -> Font:
    fonts = _fonts(size)
    return next((f for f in fonts if has_glyph(f, ch)), fonts[0])


def _runs(text: str, size: int) -> list[tuple[Font, str]]:
    """``text`` split into runs that one font draws whole, the first font that can."""
    runs: list[tuple[Font, str]] = []
    for ch in text:
        font = _font_for(ch, size)
        if runs and runs[-1][0] is font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def _width(text: str, size: int) -> float:
    return sum(font.getlength(part) for font, part in _runs(text, size))


def wrap(text: str, size: int, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` pixels, broken at spaces where possible and
    inside a word (Korean and long identifiers) where not."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if line and _width(line + ch, size) > width:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line)
    return lines or [""]


def _draw(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int) -> None:
    x, y = xy
    for font, part in _runs(text, size):
        draw.text((x, y), part, fill="black", font=font)
        x += font.getlength(part)


def contact_sheet(frames: Sequence[Path], captions: Sequence[str], title: str,
                  out: Path) -> None:
    """Lay out one thumbnail per step, left to right, with its numbered caption below.

    The title wraps to the sheet's width and pushes the thumbnails down, so a long title never
    runs off the sheet or over a frame.
    """
    if not frames:
        raise ValueError("no step frames to lay out")
    thumbs = []
    for path in frames:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        height = round(rgb.height * THUMB_WIDTH / rgb.width)
        thumbs.append(rgb.resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS))
    thumb_h = max(t.height for t in thumbs)
    wrapped = [wrap(f"{n}. {c}", FONT_SIZE, THUMB_WIDTH) for n, c in enumerate(captions, 1)]
    text_h = LINE * max(len(w) for w in wrapped)
    cell_w, cell_h = THUMB_WIDTH + PAD, thumb_h + text_h + 2 * PAD
    columns = min(COLUMNS, len(thumbs))
    rows = -(-len(thumbs) // columns)
    sheet_w = columns * cell_w + PAD
    heading = wrap(title, HEADING_SIZE, sheet_w - 2 * PAD)
    top = 10 + HEADING_LINE * len(heading) + 6
    sheet = Image.new("RGB", (sheet_w, top + rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for k, line in enumerate(heading):
        _draw(draw, (PAD, 10 + k * HEADING_LINE), line, HEADING_SIZE)
    for n, (thumb, lines) in enumerate(zip(thumbs, wrapped, strict=False)):
        x = PAD + (n % columns) * cell_w
        y = top + (n // columns) * cell_h
        sheet.paste(thumb, (x, y))
        for k, line in enumerate(lines):
            _draw(draw, (x, y + thumb.height + 4 + k * LINE), line, FONT_SIZE)
    sheet.save(out, format="PNG")
