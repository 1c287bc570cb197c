"""Korean titles and captions draw real glyphs, in frames (Pango) and on storyboard sheets (PIL).

"Real glyphs" is checked against what a missing glyph looks like: the same text drawn where no
font has it (U+10FFFD, a code point no font maps) gives the .notdef box, tofu. Korean text must
draw ink, and must not draw what tofu draws.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scenes.theme import DARK
from studio import storyboard

KOREAN = "텐서 보기와 모양"
TOFU = "".join("\U0010fffd" if not ch.isspace() else ch for ch in KOREAN)


def _frame(text: str, font: str) -> np.ndarray:
    """``text`` drawn by manim (Pango) in ``font`` as it would be in a clip's frame."""
    from manim import Camera, Text, tempconfig

    with tempconfig({"pixel_width": 480, "pixel_height": 270, "verbosity": "ERROR"}):
        camera = Camera()
        camera.capture_mobject(Text(text, font=font, font_size=DARK.title_size,
                                    color=DARK.text))
        return np.asarray(camera.get_image().convert("L"))


def _ink(pixels: np.ndarray) -> int:
    return int((pixels > 128).sum())


def test_the_fallback_font_is_installed() -> None:
    from manimpango import list_fonts

    assert DARK.fallback_font in list_fonts()
    # The storyboard's explicit fallback file is that same family.
    font = storyboard._fonts(storyboard.FONT_SIZE)[1]
    assert font.getname()[0] == DARK.fallback_font  # type: ignore[union-attr]


def test_a_korean_title_draws_glyphs_in_a_frame() -> None:
    korean, tofu = _frame(KOREAN, DARK.font), _frame(TOFU, DARK.font)
    assert _ink(korean) > 0
    assert not np.array_equal(korean, tofu)
    # Pango found the glyphs in the theme's fallback: the theme font draws them exactly as the
    # fallback font itself does.
    assert np.array_equal(korean, _frame(KOREAN, DARK.fallback_font))


def _sheet(title: str, tmp_path: Path) -> np.ndarray:
    frame = tmp_path / "step.png"
    Image.new("RGB", (256, 144), "gray").save(frame)
    out = tmp_path / "sheet.png"
    storyboard.contact_sheet([frame], ["한국어 자막 캡션"], title, out)
    with Image.open(out) as image:
        return np.asarray(image.convert("L"))


def test_a_korean_title_draws_glyphs_on_the_storyboard(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    storyboard._fonts.cache_clear()
    korean = _sheet(KOREAN, tmp_path)
    tofu = _sheet(TOFU, tmp_path)
    assert korean.shape == tofu.shape
    heading = slice(0, 40)
    assert _ink(255 - korean[heading]) > 0
    assert not np.array_equal(korean[heading], tofu[heading])
    # With DejaVu alone the same title is exactly the tofu row: the comparison above is the
    # difference between drawn glyphs and empty boxes.
    monkeypatch.setattr(storyboard, "FONTS", storyboard.FONTS[:1])
    storyboard._fonts.cache_clear()
    try:
        assert np.array_equal(_sheet(KOREAN, tmp_path)[heading], _sheet(TOFU, tmp_path)[heading])
    finally:
        storyboard._fonts.cache_clear()


@pytest.mark.parametrize("title", ["x" * 80, "텐서 " * 26 + "끝", "a" * 80])
def test_a_long_title_wraps_inside_the_sheet_above_the_frames(tmp_path: Path,
                                                              title: str) -> None:
    frame = tmp_path / "step.png"
    Image.new("RGB", (256, 144), (0, 0, 255)).save(frame)
    out = tmp_path / "sheet.png"
    storyboard.contact_sheet([frame], ["one step"], title, out)
    lines = storyboard.wrap(title, storyboard.HEADING_SIZE,
                            storyboard.THUMB_WIDTH + storyboard.PAD - storyboard.PAD)
    assert len(lines) >= 2 and "".join(lines).replace(" ", "") == title.replace(" ", "")
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    # The thumbnail (pure blue) starts below every heading line, and no heading ink (dark
    # grey/black) lies right of the sheet's padding or on the thumbnail.
    blue = (pixels[:, :, 2] > 200) & (pixels[:, :, 0] < 60)
    first_blue_row = int(np.argmax(blue.any(axis=1)))
    ink = (pixels.sum(axis=2) < 300) & ~blue
    ink_rows = np.nonzero(ink[:first_blue_row].any(axis=1))[0]
    assert ink_rows.size and ink_rows.max() < first_blue_row
    assert not ink[:, pixels.shape[1] - storyboard.PAD + 2:].any()


KOREAN_LESSON = """\
title = "한국어 수업"
seed = 1

[[clips]]
id = "ko"
title = "텐서의 차원 보기"
code = "n = x.dim()"
tensors.x = { shape = [2, 3] }
say = { 1 = "텐서의 차원 수를 묻습니다" }
"""

# fontconfig limited to DejaVu: what a machine without fonts-nanum draws (tofu boxes).
DEJAVU_ONLY = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def _poster(folder: Path, env: dict[str, str]) -> np.ndarray:
    import os
    import subprocess
    import sys

    from studio.manifest import read_manifest
    from tests.studio.conftest import ROOT

    lesson = folder / "ko.toml"
    lesson.write_text(KOREAN_LESSON, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "studio.cli", "render", "--lesson", str(lesson),
                          "--media", str(folder / "media"), "--quality", "test"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, **env})
    assert run.returncode == 0, run.stderr
    entry = read_manifest(folder / "media").clips["ko"]
    with Image.open(folder / "media" / entry.files["poster"]) as image:
        return np.asarray(image.convert("L"))


@pytest.mark.slow
def test_a_korean_title_on_a_real_poster_is_glyphs_not_tofu(tmp_path: Path) -> None:
    """The closing frame of a code clip with only a query shows the clip's title; rendered for
    real with the set-up's fonts, and again where fontconfig knows only DejaVu (tofu)."""
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    conf = tmp_path / "dejavu-only.conf"
    conf.write_text(DEJAVU_ONLY.format(cache=tmp_path / "fc-cache"))
    glyphs = _poster(tmp_path / "with", {})
    tofu = _poster(tmp_path / "without", {"FONTCONFIG_FILE": str(conf)})
    band = slice(glyphs.shape[0] * 3 // 4, glyphs.shape[0])  # the caption band: bottom quarter
    assert _ink(glyphs[band]) > 0
    # Everything above the caption band is the same; the title differs from its tofu boxes.
    assert np.array_equal(glyphs[: band.start], tofu[: band.start])
    assert not np.array_equal(glyphs[band], tofu[band])
