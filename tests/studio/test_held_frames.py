"""Held frames: a still stretch is encoded once and still lasts its whole time when read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from studio.encode import Encoders

WIDTH, HEIGHT, FPS = 64, 48, 5


def _frame(grey: int) -> np.ndarray:
    rgba = np.full((HEIGHT, WIDTH, 4), grey, np.uint8)
    rgba[:, :, 3] = 255
    return rgba


def _shown(path: Path, fps: int) -> tuple[list[tuple[int, np.ndarray]], float]:
    """Each decoded frame with the frame time it starts at, and the container's length."""
    with av.open(str(path)) as container:
        assert container.duration is not None
        frames = [(round(float(f.time) * fps), f.to_ndarray(format="rgb24"))
                  for f in container.decode(video=0)]
        return frames, container.duration / av.time_base


def _per_frame_time(frames: list[tuple[int, np.ndarray]], total: int) -> list[np.ndarray]:
    """What a player shows at each frame time: every frame until the next one starts."""
    out: list[np.ndarray] = []
    for n, (start, pixels) in enumerate(frames):
        end = frames[n + 1][0] if n + 1 < len(frames) else total
        out.extend([pixels] * (end - start))
    return out


# Runs of (grey level, frame times): a still opening, single frames, a still in the middle
# written in two pieces, and a long still ending the clip.
RUNS = [(20, 4), (60, 1), (100, 1), (140, 3), (140, 5), (180, 1), (220, 12)]


@pytest.mark.parametrize("video", ["mp4", "webm"])
def test_a_still_stretch_is_encoded_once_and_lasts(tmp_path: Path, video: str) -> None:
    encoders = Encoders(WIDTH, HEIGHT, FPS, tmp_path / "a.mp4", tmp_path / "a.webm",
                        tmp_path / "a.gif")
    for grey, times in RUNS:
        encoders.write(_frame(grey), times)
    encoders.close(tmp_path / "a.png")
    total = sum(times for _, times in RUNS)
    assert encoders.frames == total
    # Runs of equal frames merge (the two pieces of 140 are one run); a run longer than one
    # frame is encoded at its first and last frame time.
    runs = [(20, 4), (60, 1), (100, 1), (140, 8), (180, 1), (220, 12)]
    assert encoders.encoded == sum(1 + (t > 1) for _, t in runs) < total
    frames, length = _shown(tmp_path / f"a.{video}", FPS)
    assert len(frames) == encoders.encoded
    assert length == pytest.approx(total / FPS, abs=1e-3)
    shown = _per_frame_time(frames, total)
    wanted = [grey for grey, times in RUNS for _ in range(times)]
    assert len(shown) == total
    for pixels, grey in zip(shown, wanted, strict=True):
        assert abs(int(pixels.mean()) - grey) <= 3
    with Image.open(tmp_path / "a.png") as poster:
        assert poster.getpixel((0, 0)) == (220, 220, 220)


def test_frames_given_as_changed_rows_encode_as_the_whole_frames_do(tmp_path: Path) -> None:
    # A square moving down a still frame, each frame written whole by one encoder and as the
    # rows of the square's old and new place (a renderer's band) by the other. It stops
    # twice at 10: once handed over as rows that did not change, once as no rows at all.
    rng = np.random.default_rng(5)
    base = rng.integers(0, 255, (HEIGHT, WIDTH, 4), np.uint8)
    frames = [base.copy()]
    bands: list[tuple[np.ndarray, tuple[int, int] | None]] = [(base.copy(), None)]
    tops = (4, 10, 10, 10, 22, 30)
    for step, top in enumerate(tops):
        frame = base.copy()
        frame[top:top + 8, 20:28] = 250
        previous = frames[-1]
        rows = (min(top, tops[step - 1] if step else top), top + 8)
        if step == 3:
            rows = (0, 0)
        assert np.array_equal(np.delete(frame, np.s_[rows[0]:rows[1]], 0),
                              np.delete(previous, np.s_[rows[0]:rows[1]], 0))
        frames.append(frame)
        bands.append((frame[rows[0]:rows[1]].copy(), rows))
    whole = Encoders(WIDTH, HEIGHT, FPS, tmp_path / "w.mp4", gif=tmp_path / "w.gif")
    banded = Encoders(WIDTH, HEIGHT, FPS, tmp_path / "b.mp4", gif=tmp_path / "b.gif")
    for frame, (band, given) in zip(frames, bands, strict=True):
        whole.write(frame, 2)
        banded.write(band, 2, given)
    whole.close(tmp_path / "w.png")
    banded.close(tmp_path / "b.png")
    assert banded.frames == whole.frames == 2 * len(frames)
    assert banded.encoded == whole.encoded < 2 * len(frames)  # the held frame merged
    assert (tmp_path / "b.mp4").read_bytes() == (tmp_path / "w.mp4").read_bytes()
    assert (tmp_path / "b.gif").read_bytes() == (tmp_path / "w.gif").read_bytes()
    assert (tmp_path / "b.png").read_bytes() == (tmp_path / "w.png").read_bytes()
    with pytest.raises(ValueError, match="first frame must be whole"):
        Encoders(WIDTH, HEIGHT, FPS, tmp_path / "c.mp4").write(base[:8], 1, (0, 8))


def test_the_gif_holds_a_still_as_one_frame(tmp_path: Path) -> None:
    encoders = Encoders(WIDTH, HEIGHT, FPS, tmp_path / "a.mp4", tmp_path / "a.webm",
                        tmp_path / "a.gif")
    for grey, times in RUNS:
        encoders.write(_frame(grey), times)
    encoders.close(tmp_path / "a.png")
    with Image.open(tmp_path / "a.gif") as gif:
        durations = []
        for n in range(getattr(gif, "n_frames", 1)):
            gif.seek(n)
            durations.append(gif.info["duration"])
    assert len(durations) == 6
    assert sum(durations) == sum(times for _, times in RUNS) * 1000 // FPS


def _cue_starts(vtt: str) -> list[float]:
    starts = []
    for line in vtt.splitlines():
        if "-->" in line:
            h, m, s = line.split("-->")[0].strip().split(":")
            starts.append(int(h) * 3600 + int(m) * 60 + float(s))
    return starts


@pytest.mark.parametrize("video", ["mp4", "webm"])
def test_seeking_to_a_step_shows_what_playing_shows(built_webm: Path, video: str) -> None:
    media = built_webm / "media"
    entries = json.loads((media / "manifest.json").read_text())["clips"]
    assert [video in e["files"] for e in entries] == [True, video == "mp4"]  # --webm: alpha
    for entry in entries:
        if video not in entry["files"]:
            continue
        path = media / entry["files"][video]
        fps = 5  # the test quality's frame rate
        total = round(entry["duration_s"] * fps)
        frames, length = _shown(path, fps)
        assert length == pytest.approx(entry["duration_s"], abs=1 / fps)
        played = _per_frame_time(frames, total)
        assert len(played) == total
        starts = _cue_starts((media / entry["files"]["vtt"]).read_text())
        assert len(starts) >= 2  # a step per op, and the closing
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert stream.time_base is not None
            for start in starts:
                tick = round(start * fps)
                container.seek(int(start / stream.time_base), stream=stream, backward=True)
                seen = None
                for frame in container.decode(stream):
                    if round(float(frame.time) * fps) > tick:
                        break
                    seen = frame.to_ndarray(format="rgb24")
                assert seen is not None, (video, start)
                assert np.array_equal(seen, played[min(tick, total - 1)]), (video, start)


def test_a_clip_encodes_the_same_from_bands_as_from_whole_frames(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: a real clip's MP4 and poster, rendered with the renderer handing over bands,
    are byte for byte those rendered with whole frames (a writer that takes no rows)."""
    import studio.render
    from studio.render import RenderJob, render_clip
    from tests.studio.conftest import code_clip_job

    bands = []
    write = Encoders.write

    def counting(self: Encoders, rgba: np.ndarray, repeat: int = 1,
                 rows: tuple[int, int] | None = None) -> None:
        bands.append(rows is not None)
        write(self, rgba, repeat, rows)

    monkeypatch.setattr(Encoders, "write", counting)
    real_writer = studio.render._writer_class

    def writer(takes_rows: bool) -> Any:
        return lambda sink: type("Writer", (real_writer(sink),), {"takes_rows": takes_rows})

    made = {}
    for name, takes_rows in (("bands", True), ("whole", False)):
        monkeypatch.setattr(studio.render, "_writer_class", writer(takes_rows))
        result = render_clip(RenderJob(**code_clip_job(tmp_path, tmp_path / name)))
        assert result.entry is not None and result.stage is not None, result.error
        files = result.entry["files"]
        made[name] = [(Path(result.stage) / Path(files[key]).name).read_bytes()
                      for key in ("mp4", "poster")]
        assert any(bands) == takes_rows  # the renderer handed over bands when it could
        bands.clear()
    assert made["bands"] == made["whole"]
