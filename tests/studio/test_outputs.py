"""The files of a build, read back: codecs, pixel format, faststart, durations, captions."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image

from core.trace import trace_from_json
from studio.captions import srt_text, vtt_text
from studio.manifest import read_manifest


def _entries(built: Path) -> list[dict[str, Any]]:
    clips: list[dict[str, Any]] = json.loads((built / "media" / "manifest.json").read_text())[
        "clips"]
    return clips


def _top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        elif size == 0:
            size = len(data) - at
        boxes.append(kind.decode("latin-1"))
        at += size
    return boxes


def _video(path: Path) -> tuple[str, str, float, int, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert container.duration is not None
        return (stream.codec_context.name, stream.codec_context.pix_fmt or "",
                container.duration / av.time_base, frames, stream.codec_context.width,
                stream.codec_context.height)


@pytest.mark.parametrize("clip", [0, 1], ids=["alpha", "beta"])
def test_mp4_is_h264_yuv420p_faststart(built: Path, clip: int) -> None:
    entry = _entries(built)[clip]
    path = built / "media" / entry["files"]["mp4"]
    boxes = _top_level_boxes(path)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    codec, pix_fmt, duration, frames, width, height = _video(path)
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert (width, height) == (entry["width"], entry["height"])
    frame = 1 / 5  # the test quality's frame rate
    assert abs(duration - entry["duration_s"]) <= 2 * frame
    # Held frames are encoded once (tests/studio/test_held_frames.py): never more frames
    # than frame times, and a few at least.
    assert 3 <= frames <= round(entry["duration_s"] / frame)


def test_webm_only_when_asked_for(built: Path, built_webm: Path) -> None:
    """WebM is opt-in: the build writes none, and ``--webm`` renders a clip again with a VP9
    WebM beside the same MP4 frames; the pages then offer it first."""
    for entry in _entries(built):
        assert "webm" not in entry["files"]
        assert not list((built / "media" / entry["id"]).rglob("*.webm"))
        assert 'type="video/webm"' not in (built / "media" / "index.html").read_text()
    done = json.loads((built_webm / "done.json").read_text())
    assert done["returncode"] == 0, done["stderr"]
    assert "1 rendered" in done["stdout"], done["stdout"]
    media = built_webm / "media"
    before, after = _entries(built), _entries(built_webm)
    assert "webm" not in after[1]["files"]  # beta was not asked for
    entry = after[0]
    path = media / entry["files"]["webm"]
    with av.open(str(path)) as container:
        assert "webm" in container.format.name
    codec, pix_fmt, duration, frames, width, height = _video(path)
    assert (width, height) == (entry["width"], entry["height"])
    assert codec in ("vp9", "libvpx-vp9")
    assert pix_fmt == "yuv420p"
    assert abs(duration - entry["duration_s"]) <= 2 / 5
    assert 3 <= frames <= round(entry["duration_s"] * 5)
    # Same drawing as the MP4-only render: the MP4 decodes to the same frames.
    assert _decoded(media / entry["files"]["mp4"]) == _decoded(
        built / "media" / before[0]["files"]["mp4"])
    page = (media / "index.html").read_text()
    assert page.count('type="video/webm"') == 1
    assert page.index(entry["files"]["webm"]) < page.index(entry["files"]["mp4"])


def _decoded(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").tobytes() for f in container.decode(video=0)]


def test_poster_is_the_closing_frame(built: Path) -> None:
    for entry in _entries(built):
        media = built / "media"
        with Image.open(media / entry["files"]["poster"]) as poster:
            assert poster.format == "PNG"
            assert poster.size == (entry["width"], entry["height"])
            poster_rgb = poster.convert("RGB")
        with av.open(str(media / entry["files"]["mp4"])) as container:
            frames = list(container.decode(video=0))
            assert frames
            decoded = frames[-1].to_image()
        # The last video frame, through lossy yuv420p, still looks like the poster.
        diff = sum(abs(a - b) for a, b in zip(poster_rgb.tobytes(), decoded.tobytes(),
                                              strict=True))
        assert diff / len(poster_rgb.tobytes()) < 12


def test_gif_lasts_as_long_as_the_clip(built: Path) -> None:
    for entry in _entries(built):
        with Image.open(built / "media" / entry["files"]["gif"]) as gif:
            assert gif.format == "GIF"
            count: int = getattr(gif, "n_frames", 1)
            total = 0
            for n in range(count):
                gif.seek(n)
                total += gif.info["duration"]
            assert count > 3
        assert abs(total / 1000 - entry["duration_s"]) <= 2 / 5


def test_captions_cover_the_steps(built: Path) -> None:
    for entry in _entries(built):
        media = built / "media"
        vtt = (media / entry["files"]["vtt"]).read_text()
        srt = (media / entry["files"]["srt"]).read_text()
        assert vtt.startswith("WEBVTT\n\n")
        cues = [line for line in vtt.splitlines() if "-->" in line]
        # One cue per step, as the manifest records the steps (a statement and the closing).
        assert len(cues) == len(entry["steps"]) >= 2
        assert len([line for line in srt.splitlines() if "-->" in line]) == len(cues)
        last_end = cues[-1].split("-->")[1].strip()
        h, m, s = last_end.split(":")
        assert abs(int(h) * 3600 + int(m) * 60 + float(s) - entry["duration_s"]) <= 2 / 5


def test_trace_json_loads_back(built: Path) -> None:
    for entry in _entries(built):
        text = (built / "media" / entry["files"]["trace"]).read_text()
        assert type(trace_from_json(text)).__name__ == "ElementwiseTrace"


def test_storyboard_sheet_has_a_frame_per_step(built: Path) -> None:
    for entry in _entries(built):
        steps = len(entry["steps"])
        with Image.open(built / "media" / entry["files"]["storyboard"]) as sheet:
            # One 320 px thumbnail per step, up to three across.
            assert sheet.width >= min(steps, 3) * 320
            assert sheet.height > -(-steps // 3) * 180


def test_manifest_reads_back_cleanly(built: Path) -> None:
    manifest = read_manifest(built / "media")
    assert manifest.warnings == []
    assert [e.missing_files(built / "media") for e in manifest.clips.values()] == [[], []]


class _Step:
    def __init__(self, caption: str, start: float, end: float) -> None:
        self.caption, self.start, self.end = caption, start, end


def test_caption_formats() -> None:
    steps = [_Step("One  line\nwrapped", 0.0, 1.5), _Step("a --> b", 1.5, 3661.25),
             _Step("empty", 2.0, 2.0)]
    assert vtt_text(steps) == ("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nOne line wrapped\n\n"
                               "2\n00:00:01.500 --> 01:01:01.250\na -> b\n")
    assert srt_text(steps) == ("1\n00:00:00,000 --> 00:00:01,500\nOne line wrapped\n\n"
                               "2\n00:00:01,500 --> 01:01:01,250\na --> b\n")
