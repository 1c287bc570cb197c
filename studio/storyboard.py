"""Contact sheets: the frame that ends each teaching step, with its caption under it."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

__all__ = ["contact_sheet"]

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
THUMB_WIDTH = 320
COLUMNS = 3
PAD = 12
FONT_SIZE = 13
LINE = 17


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:
        return ImageFont.load_default()


def contact_sheet(frames: Sequence[Path], captions: Sequence[str], title: str,
                  out: Path) -> None:
    """Lay out one thumbnail per step, left to right, with its numbered caption below."""
    if not frames:
        raise ValueError("no step frames to lay out")
    thumbs = []
    for path in frames:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        height = round(rgb.height * THUMB_WIDTH / rgb.width)
        thumbs.append(rgb.resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS))
    thumb_h = max(t.height for t in thumbs)
    font, heading = _font(FONT_SIZE), _font(FONT_SIZE + 5)
    wrapped = [textwrap.wrap(f"{n}. {c}", width=44) or [""]
               for n, c in enumerate(captions, 1)]
    text_h = LINE * max(len(w) for w in wrapped)
    cell_w, cell_h = THUMB_WIDTH + PAD, thumb_h + text_h + 2 * PAD
    columns = min(COLUMNS, len(thumbs))
    rows = -(-len(thumbs) // columns)
    top = 40
    sheet = Image.new("RGB", (columns * cell_w + PAD, top + rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((PAD, 10), title, fill="black", font=heading)
    for n, (thumb, lines) in enumerate(zip(thumbs, wrapped, strict=False)):
        x = PAD + (n % columns) * cell_w
        y = top + (n // columns) * cell_h
        sheet.paste(thumb, (x, y))
        for k, line in enumerate(lines):
            draw.text((x, y + thumb.height + 4 + k * LINE), line, fill="black", font=font)
    sheet.save(out, format="PNG")
