"""Band-wise YUV conversion gives the bytes a whole-frame conversion gives."""

from __future__ import annotations

import av
import numpy as np
import pytest

from studio.yuv import YuvFrames, changed_rows


def whole(rgba: np.ndarray) -> np.ndarray:
    """swscale's conversion of the whole frame, as PyAV's own reformat does it."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba")
    return frame.reformat(format="yuv420p").to_ndarray()


def brute_rows(a: np.ndarray, b: np.ndarray) -> tuple[int, int] | None:
    rows = np.flatnonzero((a != b).any(axis=(1, 2)))
    return None if len(rows) == 0 else (int(rows[0]), int(rows[-1]) + 1)


@pytest.mark.parametrize("size", [(854, 480), (64, 48), (1920, 1080)])
def test_changed_bands_convert_as_whole_frames_do(size: tuple[int, int]) -> None:
    width, height = size
    rng = np.random.default_rng(7)
    # Noise everywhere: every pixel differs from its neighbours, so a band edge that reached
    # into converted rows would show.
    frame = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    frame[..., 3] = 255
    frames = YuvFrames(width, height)
    previous: np.ndarray | None = None
    bands = [(0, height)]
    bands += [(int(top), int(top) + int(rng.integers(1, 40)))
              for top in rng.integers(0, height, 14)]
    bands += [(0, 1), (height - 1, height), (height // 2, height // 2 + 1), (3, 5)]
    for top, bottom in bands:
        bottom = min(bottom, height)
        frame = frame.copy()
        frame[top:bottom] = rng.integers(0, 256, (bottom - top, width, 4), dtype=np.uint8)
        rows = None if previous is None else changed_rows(previous, frame)
        if previous is not None:
            assert rows == brute_rows(previous, frame)
        got = frames.frame(frame, rows).to_ndarray()
        assert np.array_equal(got, whole(frame)), (top, bottom)
        previous = frame
    if height >= 480:  # bands of up to 40 rows are most of a small frame
        # Most of the frames converted only a band.
        assert frames.converted < height * len(bands) / 2


def test_changed_rows_of_equal_frames_is_none_and_shapes_must_match() -> None:
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (30, 14, 4), dtype=np.uint8)  # rows of 56 bytes: not words
    assert changed_rows(frame, frame.copy()) is None
    other = frame.copy()
    other[17, 3, 2] ^= 1
    assert changed_rows(frame, other) == brute_rows(frame, other)
    with pytest.raises(ValueError, match="cannot be compared"):
        changed_rows(frame, frame[:20])
