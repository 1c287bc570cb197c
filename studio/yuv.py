"""Rendered RGBA frames to the encoders' YUV 4:2:0, converting only the rows that changed.

From one frame to the next, a clip mostly changes a band of rows (a cell in flight, a caption):
at 480p the changed band averages 16% of the frame's height. Converting only that band to YUV,
and keeping the rest of the last frame's YUV, gives the bytes a whole-frame conversion gives
(tests/studio/test_yuv.py checks it) for a fraction of the CPU.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import av
import numpy as np
from av.video.reformatter import VideoReformatter

__all__ = ["BLOCK", "PAD", "YuvFrames", "changed_rows"]

# Rows compared at a time when looking for the rows that changed.
BLOCK = 16
# Rows converted beyond the changed band on each side, and the band's start aligned to this:
# swscale's chroma filter reads a row or two around each pair of rows, so rows this far inside
# a converted band come out exactly as in a whole-frame conversion.
PAD = 8
# Scalers kept, one per band height.
MAX_SCALERS = 32


def changed_rows(a: np.ndarray, b: np.ndarray) -> tuple[int, int] | None:
    """The first row where frames ``a`` and ``b`` differ and one past the last; None if equal.

    Compares :data:`BLOCK` rows at a time, eight bytes at a word, then finds the exact rows in
    the first and the last block that differ: one pass over the frame, as an equality test is.
    """
    if a.shape != b.shape or a.dtype != b.dtype:
        raise ValueError(f"frames of {a.shape} and {b.shape} cannot be compared")
    height = a.shape[0]
    words = _words(a), _words(b)
    blocks = [start for start in range(0, height, BLOCK)
              if not np.array_equal(words[0][start:start + BLOCK],
                                    words[1][start:start + BLOCK])]
    if not blocks:
        return None
    first, last = blocks[0], blocks[-1]
    rows = np.flatnonzero((words[0][first:first + BLOCK] != words[1][first:first + BLOCK])
                          .any(axis=1))
    top = first + int(rows[0])
    rows = np.flatnonzero((words[0][last:last + BLOCK] != words[1][last:last + BLOCK])
                          .any(axis=1))
    return top, last + int(rows[-1]) + 1


def _words(frame: np.ndarray) -> np.ndarray:
    """The frame's rows as 8-byte words where the row length allows (bytes otherwise)."""
    rows = np.ascontiguousarray(frame).reshape(frame.shape[0], -1)
    return rows.view(np.uint64) if rows.shape[1] % 8 == 0 else rows


class YuvFrames:
    """The YUV 4:2:0 frame of each RGBA frame, kept up to date band by band.

    ``frame(rgba, rows)`` converts only ``rows`` (where ``rgba`` differs from the frame converted
    before it; None: every row) and returns a new :class:`av.VideoFrame` the encoders may keep.
    """

    def __init__(self, width: int, height: int) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"YUV 4:2:0 needs an even width and height, not {width}x{height}")
        self.width, self.height = width, height
        luma = width * height
        # One buffer in the layout av.VideoFrame.from_ndarray reads for yuv420p: Y, then U, V.
        self.buffer = np.zeros(luma * 3 // 2, np.uint8)
        self.planes = (self.buffer[:luma].reshape(height, width),
                       self.buffer[luma:luma * 5 // 4].reshape(height // 2, width // 2),
                       self.buffer[luma * 5 // 4:].reshape(height // 2, width // 2))
        # A scaler per band height, the most recently used kept: swscale sets itself up
        # again whenever the size it converts changes.
        self.scalers: OrderedDict[int, VideoReformatter] = OrderedDict()
        self.converted = 0  # rows converted, for the benchmark

    def frame(self, rgba: np.ndarray, rows: tuple[int, int] | None) -> Any:
        top, bottom = self._band(*(rows or (0, self.height)))
        band = np.ascontiguousarray(rgba[top:bottom, :, :4])
        scaler = self._scaler(bottom - top)
        yuv = scaler.reformat(av.VideoFrame.from_numpy_buffer(band, format="rgba"),
                              format="yuv420p", threads=1)
        # Keep the rows at least PAD inside the band (all of it at the frame's edges).
        keep_top = top + (PAD if top > 0 else 0)
        keep_bottom = bottom - (PAD if bottom < self.height else 0)
        for index, plane in enumerate(self.planes):
            shift = 0 if index == 0 else 1
            source = yuv.planes[index]
            lines = np.frombuffer(memoryview(source), np.uint8).reshape(-1, source.line_size)
            start, stop = keep_top >> shift, keep_bottom >> shift
            plane[start:stop] = lines[start - (top >> shift):stop - (top >> shift),
                                      :plane.shape[1]]
        self.converted += bottom - top
        # A new frame the encoders may keep, filled plane by plane: three copies, where
        # VideoFrame.from_ndarray took 1.4 ms a frame at 1080p.
        out = av.VideoFrame(self.width, self.height, "yuv420p")
        for plane, target in zip(self.planes, out.planes, strict=True):
            lines = np.frombuffer(memoryview(target), np.uint8).reshape(-1, target.line_size)
            lines[:plane.shape[0], :plane.shape[1]] = plane
        return out

    def _scaler(self, rows: int) -> VideoReformatter:
        scaler = self.scalers.pop(rows, None) or VideoReformatter()
        self.scalers[rows] = scaler
        if len(self.scalers) > MAX_SCALERS:
            self.scalers.popitem(last=False)
        return scaler

    def _band(self, top: int, bottom: int) -> tuple[int, int]:
        """Rows to convert for a change in [top, bottom): padded, the start aligned."""
        step = 2 * PAD
        start = max(0, (top - step) // step * step)
        # A whole number of steps long, so bands come in few sizes (one scaler each).
        stop = start + (bottom + step - start + step - 1) // step * step
        return start, min(stop, self.height)
