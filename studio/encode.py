"""Streams rendered frames into every output at once: MP4, WebM, optional GIF and the poster."""

from __future__ import annotations

import os
import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from studio.yuv import YuvFrames, changed_rows

__all__ = ["AUDIO_CODECS", "GIF_MAX_FPS", "GIF_MAX_WIDTH", "Encoders", "add_audio"]

GIF_MAX_FPS = 10
GIF_MAX_WIDTH = 480
# x264: veryfast, tuned for animation, with the cheapest motion search (diamond, one
# sub-pixel pass) and one reference frame. On 600 frames of `view` at 1080p that took 1.19x
# to 1.35x less of x264's CPU (runs differ) for a file 2.5% larger at the same quality (PSNR
# 50.6 dB against 50.7): the clips are flat colour that moves by whole cells, where a finer
# search finds little more (bench/bench.py --sections x264).
X264_OPTIONS = {"crf": "20", "preset": "veryfast", "tune": "animation",
                "x264-params": "me=dia:subme=1:ref=1"}


class _Video:
    def __init__(self, path: Path, container: str, codec: str, width: int, height: int,
                 fps: int, options: dict[str, str], container_options: dict[str, str]) -> None:
        self.out: Any = av.open(str(path), "w", format=container, options=container_options)
        stream: Any = self.out.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        # One thread: the studio renders clips in parallel, and one thread keeps frames
        # bit-for-bit the same from run to run.
        stream.codec_context.thread_count = 1
        stream.options = options
        self.stream = stream
        self.time_base = Fraction(1, fps)
        self.durations: dict[int, int] = {}  # pts -> frame times shown, until muxed
        self.first_dts: int | None = None
        self.held: Any = None

    def add(self, frame: Any, index: int, frames: int = 1) -> None:
        """Encode ``frame`` shown from frame ``index`` for ``frames`` frame times."""
        frame.pts = index
        frame.time_base = self.time_base
        self.durations[index] = frames
        for packet in self.stream.encode(frame):
            self._mux(packet)

    def _mux(self, packet: Any) -> None:
        # Encoders leave packet durations unset; the containers need them to time a frame
        # that is held. One packet is kept back: the last one's duration is set on close.
        if packet.pts is not None:
            packet.duration = self.durations.pop(packet.pts, 1)
        if self.first_dts is None:
            self.first_dts = packet.dts
        if self.held is not None:
            self.out.mux(self.held)
        self.held = packet

    def close(self, frames: int) -> None:
        """Flush, and make the stream last ``frames`` frame times."""
        for packet in self.stream.encode(None):
            self._mux(packet)
        if self.held is not None:
            # A container's length is its last packet's decode time plus that packet's
            # duration. With B-frames, decode times run behind display times (by different
            # amounts once frames are held), so the last duration makes up the difference.
            last, first = self.held, self.first_dts or 0
            last.duration = max(1, frames - (last.dts - first))
            self.out.mux(last)
        self.out.close()


class Encoders:
    """Encoders fed frame by frame as Manim renders, so a clip is drawn exactly once.

    Paths are the temporary files the caller later moves into place.
    """

    def __init__(self, width: int, height: int, fps: int, mp4: Path, webm: Path | None = None,
                 gif: Path | None = None) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.frames = 0  # frame times written
        self.encoded = 0  # frames each video encoder was given
        self.last: np.ndarray | None = None  # the closing frame, once encoding is done
        self.yuv = YuvFrames(width, height)
        self.mp4 = _Video(mp4, "mp4", "libx264", width, height, fps,
                          X264_OPTIONS,
                          {"movflags": "+faststart"})
        # WebM is opt-in (--webm): VP9 cost as much CPU as x264 for a file only ~10% smaller,
        # and every browser plays the MP4.
        self.webm = None if webm is None else _Video(
            webm, "webm", "libvpx-vp9", width, height, fps,
            # Realtime mode: ten times faster than "good" on flat drawings, and the clips are
            # mostly flat colour.
            {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8"}, {})
        self.videos = [v for v in (self.mp4, self.webm) if v is not None]
        self.gif_path = gif
        self.gif_fps = min(fps, GIF_MAX_FPS)
        self.gif_frames: list[Image.Image] = []
        self.gif_samples: list[int] = []  # index into gif_frames per gif tick
        self._error: BaseException | None = None
        # Bounded: a slow encoder slows the renderer down instead of filling memory.
        self._queue: queue.Queue[tuple[np.ndarray, int, tuple[int, int] | None] | None] = (
            queue.Queue(maxsize=16))
        self._thread = threading.Thread(target=self._encode_all, name="encoders", daemon=True)
        self._thread.start()

    def write(self, rgba: np.ndarray, repeat: int = 1,
              rows: tuple[int, int] | None = None) -> None:
        """Add one rendered frame, shown ``repeat`` times in a row (encoded in the background).

        ``rows=(top, bottom)``: ``rgba`` holds only those rows of the frame, the others are
        the frame before's (a renderer that knows where a frame can differ says so, and the
        whole frame is neither copied nor compared). The caller hands the array over and must
        not change it afterwards (Manim's file writer contract): encoding overlaps with
        drawing the next frames.
        """
        height = self.height if rows is None else rows[1] - rows[0]
        if rgba.shape[:2] != (height, self.width) or (
                rows is not None and not 0 <= rows[0] <= rows[1] <= self.height):
            raise ValueError(f"frame of {rgba.shape[1]}x{rgba.shape[0]} for rows {rows}, "
                             f"expected {self.width} wide and {height} high")
        if rows is not None and self.frames == 0:
            raise ValueError("the first frame must be whole, not rows of one")
        self._check()
        self._queue.put((rgba, repeat, rows))
        self.frames += repeat

    def _check(self) -> None:
        if self._error is not None:
            raise RuntimeError(f"encoding failed: {self._error}") from self._error

    def _encode_all(self) -> None:
        try:
            index = 0
            # The frame on screen, not yet encoded: its pixels (this thread's own), how many
            # frame times it lasts so far, and the rows where it differs from the frame
            # encoded before it (None: all of them).
            screen: np.ndarray | None = None
            run, changed = 0, None
            while True:
                item = self._queue.get()
                if item is None:
                    break
                pixels, repeat, rows = item
                if screen is None:
                    screen, run, changed = pixels, repeat, None
                    continue
                # A still stretch (a wait, or an animation whose frames come out equal) is
                # one run: encoded once, not once per frame time.
                if rows is None:
                    differ = changed_rows(screen, pixels)
                elif rows[0] == rows[1]:
                    differ = None
                else:
                    inside = changed_rows(screen[rows[0]:rows[1]], pixels)
                    differ = None if inside is None else (rows[0] + inside[0],
                                                          rows[0] + inside[1])
                if differ is None:
                    run += repeat
                    continue
                index = self._encode_run(screen, run, changed, index)
                if rows is None:
                    screen = pixels
                else:
                    screen[rows[0]:rows[1]] = pixels
                run, changed = repeat, differ
            if screen is not None:
                index = self._encode_run(screen, run, changed, index)
                self.last = screen
            for video in self.videos:
                video.close(index)
        except BaseException as exc:  # re-raised in the rendering thread
            self._error = exc
            # Keep draining so the renderer never blocks on a full queue.
            while self._queue.get() is not None:
                pass

    def _encode_run(self, rgba: np.ndarray, run: int, rows: tuple[int, int] | None,
                    index: int) -> int:
        """Encode one frame shown for ``run`` frame times from ``index``; the next index.

        ``rows``: where the frame differs from the one encoded before it (None: all), the
        only rows converted to YUV. A run longer than one frame is encoded twice, at its
        first and its last frame time (the second costs next to nothing: it predicts all of
        itself from the first): every player then holds it for its whole length, whether it
        times frames by their start or by their duration, and a clip ending on a still frame
        lasts to its end.
        """
        yuv = self.yuv.frame(rgba, rows)
        first = run - 1 if run > 1 else 1
        for video in self.videos:
            video.add(yuv, index, first)
            if run > 1:
                video.add(yuv, index + run - 1, 1)
        self.encoded += 1 + (run > 1)
        if self.gif_path is not None:
            self._gif(rgba, index + run)
        return index + run

    def _gif(self, rgba: np.ndarray, end: int) -> None:
        # Gif tick t shows the frame on screen at time t / gif_fps.
        ticks = 0
        while (len(self.gif_samples) + ticks) * self.fps < end * self.gif_fps:
            ticks += 1
        if not ticks:
            return
        image = Image.fromarray(rgba[:, :, :3])
        if image.width > GIF_MAX_WIDTH:
            image = image.resize((GIF_MAX_WIDTH, round(image.height * GIF_MAX_WIDTH
                                                       / image.width)), Image.Resampling.LANCZOS)
        self.gif_frames.append(image.quantize(colors=128, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE))
        self.gif_samples.extend([len(self.gif_frames) - 1] * ticks)

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps

    def close(self, poster: Path) -> None:
        """Finish every encoding and write the poster (the closing frame)."""
        self._queue.put(None)
        self._thread.join()
        self._check()
        if self.last is None:
            raise RuntimeError("the scene rendered no frames")
        Image.fromarray(self.last[:, :, :3]).save(poster, format="PNG")
        if self.gif_path is not None:
            self._write_gif(self.gif_path)

    def _write_gif(self, path: Path) -> None:
        # Runs of the same frame become one gif frame that lasts as long as the run.
        runs: list[tuple[int, int]] = []
        for tick, index in enumerate(self.gif_samples):
            if not runs or runs[-1][0] != index:
                runs.append((index, tick))
        frames, durations = [], []
        for n, (index, start) in enumerate(runs):
            end = runs[n + 1][1] if n + 1 < len(runs) else len(self.gif_samples)
            # Gif delays are in centiseconds: round the ends, not the lengths, so no drift.
            ms = (round(end * 100 / self.gif_fps) - round(start * 100 / self.gif_fps)) * 10
            frames.append(self.gif_frames[index])
            durations.append(max(ms, 20))
        frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:],
                       duration=durations, loop=0, optimize=False, disposal=1)


# Audio: a narrated clip's track joins the finished video in a remux (video packets are copied,
# never re-encoded), so the streaming encoders above stay as they are.

AUDIO_CODECS = {"mp4": ("aac", "fltp", {"b": "96k"}), "webm": ("libopus", "flt", {"b": "64k"})}


def add_audio(path: Path, samples: np.ndarray, rate: int) -> None:
    """Give the video at ``path`` (.mp4 or .webm) one mono audio stream of ``samples``.

    AAC in MP4, Opus in WebM, at ``rate`` Hz, starting at 0. The file is rewritten under a
    temporary name beside it and renamed over it.
    """
    container = path.suffix.lstrip(".")
    codec, sample_format, options = AUDIO_CODECS[container]
    temporary = path.with_name(f".audio-{path.name}")
    with av.open(str(path)) as source:
        video_in = source.streams.video[0]
        out: Any = av.open(str(temporary), "w", format=container,
                           options={"movflags": "+faststart"} if container == "mp4" else {})
        try:
            video_out = out.add_stream_from_template(video_in)
            audio: Any = out.add_stream(codec, rate=rate, layout="mono")
            audio.format = sample_format
            audio.codec_context.thread_count = 1
            audio.options = options
            packets = _audio_packets(audio, samples, rate)
            # Interleave by time: each audio packet goes in before the first video packet
            # that starts after it.
            pending = list(packets)
            for packet in source.demux(video_in):
                if packet.dts is None:
                    continue
                when = float(packet.pts * packet.time_base) if packet.pts is not None else 0.0
                while pending and float(pending[0].pts * pending[0].time_base) <= when:
                    out.mux(pending.pop(0))
                packet.stream = video_out
                out.mux(packet)
            for packet in pending:
                out.mux(packet)
        finally:
            out.close()
    os.replace(temporary, path)


def _audio_packets(stream: Any, samples: np.ndarray, rate: int) -> list[Any]:
    size = stream.codec_context.frame_size or 1024
    packets: list[Any] = []
    data = samples.astype(np.float32).reshape(1, -1)
    for start in range(0, data.shape[1], size):
        chunk = np.ascontiguousarray(data[:, start:start + size])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp" if stream.format.name == "fltp"
                                           else "flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        packets.extend(stream.encode(frame))
    packets.extend(stream.encode(None))
    return packets
