"""Narration: speech laid at each step's start, cached by content, muxed into MP4 and WebM.

The fast tests use a stand-in synthesiser (a tone as long as the text) or recordings made here;
the slow one renders a real one-clip lesson with the joe voice and reads the outputs back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from core.lesson import LessonError, parse_lesson
from studio import voice
from studio.build import plan_clips
from studio.encode import Encoders, add_audio
from studio.voice import (
    BREATH_S,
    NO_VOICE,
    SAMPLE_RATE,
    Narrator,
    VoiceError,
    choose_voice,
    silent_reason,
    using_voice,
)
from tests.studio.conftest import torchreel

NO_VOICE_REASON = silent_reason("joe")
needs_voice = pytest.mark.skipif(NO_VOICE_REASON is not None,
                                 reason=f"narration not tested: {NO_VOICE_REASON}")

ONE_CLIP = """\
title = "Narrated"
seed = 3

[[clips]]
id = "alpha"
kind = "elementwise-product"
title = "Alpha"
tensors.features = { shape = [1, 2] }
tensors.weights = { like = "features" }
code = "features * weights"
"""


def _tone(text: str) -> np.ndarray:
    """A stand-in voice: 440 Hz for 40 ms a character, with silence before and after."""
    t = np.arange(round(len(text) * 0.04 * SAMPLE_RATE)) / SAMPLE_RATE
    quiet = np.zeros(round(0.1 * SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([quiet, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
                           quiet])


class _Counting:
    def __init__(self) -> None:
        self.said: list[str] = []

    def __call__(self, text: str) -> np.ndarray:
        self.said.append(text)
        return _tone(text)


def speech_onsets(samples: np.ndarray, rate: int, floor: float = 0.02) -> list[float]:
    """Where speech starts after at least 0.3 s of silence, in seconds (10 ms windows)."""
    window = rate // 100
    loud = np.abs(samples[: len(samples) // window * window]).reshape(-1, window).max(axis=1)
    onsets, quiet = [], 30
    for index, level in enumerate(loud > floor):
        if level and quiet >= 30:
            onsets.append(index / 100)
        quiet = 0 if level else quiet + 1
    return onsets


def first_sound(samples: np.ndarray, rate: int, after: float, before: float | None = None,
                floor: float = 0.02) -> float | None:
    """The first 10 ms window louder than ``floor`` from ``after`` (until ``before``)."""
    window = rate // 100
    end = len(samples) if before is None else round(before * rate)
    for at in range(max(0, round(after * rate)), end - window + 1, window):
        if np.abs(samples[at:at + window]).max() > floor:
            return at / rate
    return None


def decoded_audio(path: Path) -> tuple[np.ndarray, int, str, float]:
    """Mono samples, rate, codec and the stream's duration in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        codec, rate = stream.codec_context.name, stream.codec_context.sample_rate
        frames = [f.to_ndarray().reshape(-1) for f in container.decode(stream)]
    samples = np.concatenate(frames)
    return samples, rate, codec, len(samples) / rate


def video_seconds(path: Path, fps: int) -> float:
    """The video stream's length: as the MP4 states it, or where the WebM's last frame ends."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        last = list(container.decode(stream))[-1]
        assert last.time is not None and last.time_base is not None
        return last.time + (float(last.duration * last.time_base) if last.duration else 1 / fps)


# The narrator, with a stand-in voice


def test_each_step_lasts_its_speech_and_a_breath(tmp_path: Path) -> None:
    synth = _Counting()
    narrator = Narrator("joe", tmp_path, synthesise=synth)
    need = narrator(0, "intro", "features * weights")
    speech = len(narrator.clips[0]) / SAMPLE_RATE
    # The stand-in's tone, trimmed of its silence: what the step must wait for.
    assert speech == pytest.approx(len(synth.said[0]) * 0.04, abs=0.05)
    assert need == pytest.approx(speech + BREATH_S)
    assert synth.said == ["features times weights"]  # the spoken form, not the caption


def test_track_puts_speech_at_each_step_start(tmp_path: Path) -> None:
    narrator = Narrator("joe", tmp_path, synthesise=_tone)
    starts, end = [], 0.4
    for index, caption in enumerate(["One step.", "A second, longer step.", "In short."]):
        starts.append(end)
        end += narrator(index, f"s{index}", caption) + 0.6
    track = narrator.track(starts, end)
    assert len(track) == round(end * SAMPLE_RATE)
    onsets = speech_onsets(track, SAMPLE_RATE)
    assert len(onsets) == len(starts)
    for onset, start in zip(onsets, starts, strict=True):
        assert abs(onset - start) <= 0.1


def test_speech_is_cached_by_content(tmp_path: Path) -> None:
    first = _Counting()
    one = Narrator("joe", tmp_path, synthesise=first)
    one(0, "a", "x.view(5, 1)")
    one(1, "b", "In short.")
    again = _Counting()
    two = Narrator("joe", tmp_path, synthesise=again)
    two(0, "a", "x.view(5, 1)")
    two(1, "b", "In short.")
    assert len(first.said) == 2 and again.said == []
    assert all(np.array_equal(a, b) for a, b in zip(one.clips, two.clips, strict=True))
    two(2, "c", "In short, edited.")
    assert again.said == ["In short, edited."]


def test_speak_overrides_a_step_by_number_or_name(tmp_path: Path) -> None:
    synth = _Counting()
    narrator = Narrator("joe", tmp_path, speak={"1": "Hello.", "closing": "Goodbye."},
                        synthesise=synth)
    narrator(0, "intro", "x")
    narrator(1, "middle", "torch.Size([2])")
    narrator(2, "closing", "In short.")
    assert synth.said == ["Hello.", "size two", "Goodbye."]


def test_a_symlinked_voice_cache_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "media" / ".cache").mkdir(parents=True)
    (tmp_path / "media" / ".cache" / "voice").symlink_to(outside)
    with pytest.raises(VoiceError, match="symlink"):
        Narrator("joe", tmp_path / "media", synthesise=_tone)(0, "a", "words")
    assert list(outside.iterdir()) == []


# Recordings


def _record(path: Path, seconds: float, rate: int, codec: str) -> None:
    """A lecturer's file: a stereo tone, written by PyAV in the given codec."""
    with av.open(str(path), "w") as out:
        stream: Any = out.add_stream(codec, rate=rate, layout="stereo")
        t = np.arange(round(seconds * rate)) / rate
        tone = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]).reshape(1, -1), format="s16",
                                           layout="stereo")
        frame.sample_rate = rate
        for packet in (*stream.encode(frame), *stream.encode(None)):
            out.mux(packet)


def _seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        return sum(f.samples for f in container.decode(audio=0)) / container.streams.audio[0].rate


def test_recordings_give_each_step_its_length(tmp_path: Path) -> None:
    folder = tmp_path / "narration"
    folder.mkdir()
    _record(folder / "01-intro.wav", 1.2, 44_100, "pcm_s16le")
    _record(folder / "02-closing.flac", 0.7, 22_050, "flac")
    narrator = Narrator("joe", tmp_path, audio_dir=folder, synthesise=_Counting())
    needs = [narrator(0, "intro", "A"), narrator(1, "closing", "B")]
    for need, name in zip(needs, ["01-intro.wav", "02-closing.flac"], strict=True):
        assert need == pytest.approx(_seconds(folder / name) + BREATH_S, abs=0.05)


def test_a_missing_recording_names_the_step(tmp_path: Path) -> None:
    folder = tmp_path / "narration"
    folder.mkdir()
    _record(folder / "01.wav", 0.5, 48_000, "pcm_s16le")
    narrator = Narrator("joe", tmp_path, audio_dir=folder)
    narrator(0, "intro", "A")
    with pytest.raises(VoiceError) as error:
        narrator(1, "view", "B")
    assert "step 2 ('view')" in str(error.value) and "\n" not in str(error.value)


def test_an_unreadable_recording_names_the_step_and_file(tmp_path: Path) -> None:
    folder = tmp_path / "narration"
    folder.mkdir()
    (folder / "01.wav").write_bytes(b"not audio at all")
    with pytest.raises(VoiceError) as error:
        Narrator("joe", tmp_path, audio_dir=folder)(0, "intro", "A")
    message = str(error.value)
    assert "01.wav" in message and "step 1 ('intro')" in message and "\n" not in message


def test_a_lesson_s_recordings_reach_the_render_job_or_are_refused(tmp_path: Path) -> None:
    from studio.voice import job_narration, narrated_hash

    folder = tmp_path / "narration" / "alpha"
    folder.mkdir(parents=True)
    path = tmp_path / "l.toml"
    text = ONE_CLIP + 'audio = "narration/alpha/"\n'
    clip = parse_lesson(text, str(path)).clips[0]
    with using_voice("joe"):
        with pytest.raises(LessonError, match=r"key 'audio': expected one \.wav or \.flac"):
            narrated_hash("0" * 64, clip)
        (folder / "01.wav").write_bytes(b"RIFF but not audio")
        with pytest.raises(LessonError) as error:
            narrated_hash("0" * 64, clip)
        assert "step 1: 01.wav is not readable audio" in str(error.value)
        _record(folder / "01.wav", 0.5, 48_000, "pcm_s16le")
        before = narrated_hash("0" * 64, clip)
        assert job_narration(clip)["audio_dir"] == str(folder.resolve())
        _record(folder / "01.wav", 0.6, 48_000, "pcm_s16le")  # a new take: a new hash
        assert narrated_hash("0" * 64, clip) != before


# Containers


@pytest.mark.parametrize(("container", "codec"), [("mp4", "aac"), ("webm", "opus")])
def test_audio_joins_the_video(tmp_path: Path, container: str, codec: str) -> None:
    fps, frames = 5, 17
    paths = {k: tmp_path / f"clip.{k}" for k in ("mp4", "webm")}
    encoders = Encoders(64, 48, fps, paths["mp4"], paths["webm"])
    for n in range(frames):
        encoders.write(np.full((48, 64, 4), n * 12, dtype=np.uint8))
    encoders.close(tmp_path / "poster.png")
    narrator = Narrator("joe", tmp_path, synthesise=_tone)
    narrator(0, "a", "Some words.")
    track = narrator.track([0.8], encoders.duration_s)
    add_audio(paths[container], track, SAMPLE_RATE)
    samples, rate, name, seconds = decoded_audio(paths[container])
    assert (name, rate) == (codec, SAMPLE_RATE)
    assert abs(seconds - video_seconds(paths[container], fps)) <= 1 / fps
    assert [round(o, 1) for o in speech_onsets(samples, rate)] == [0.8]
    with av.open(str(paths[container])) as out:
        assert sum(1 for _ in out.decode(video=0)) >= 1  # the video is still there


# The build


def test_voice_none_hashes_as_before_and_words_change_one_clip(tmp_path: Path) -> None:
    from tests.studio.conftest import TINY_LESSON

    lesson = parse_lesson(TINY_LESSON, str(tmp_path / "tiny.toml"))
    before = {p.clip.id: p.hash for p in plan_clips(lesson, (), "test", "dark")}
    with using_voice(NO_VOICE):
        silent = {p.clip.id: p.hash for p in plan_clips(lesson, (), "test", "dark")}
    with using_voice("joe"):
        joe = {p.clip.id: p.hash for p in plan_clips(lesson, (), "test", "dark")}
        edited = parse_lesson(TINY_LESSON.replace('code = "features * weights"\n',
                                                  'code = "features * weights"\n'
                                                  'speak = { 2 = "Times." }\n', 1),
                              str(tmp_path / "tiny.toml"))
        spoken = {p.clip.id: p.hash for p in plan_clips(edited, (), "test", "dark")}
    assert silent == before
    assert all(joe[c] != silent[c] for c in joe)
    assert spoken["alpha"] != joe["alpha"] and spoken["beta"] == joe["beta"]


def test_choosing_a_voice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lesson = parse_lesson(ONE_CLIP, "l.toml")
    assert choose_voice("none", lesson) == (NO_VOICE, None)
    named = parse_lesson('voice = "none"\n' + ONE_CLIP, "l.toml")
    assert choose_voice(None, named) == (NO_VOICE, None)
    monkeypatch.setattr(voice, "silent_reason", lambda name="joe": "the voice is not installed")
    chosen, note = choose_voice(None, lesson)
    assert chosen == NO_VOICE and note is not None and "silent" in note and "\n" not in note
    with pytest.raises(LessonError, match="--voice: voice 'joe' cannot speak here"):
        choose_voice("joe", lesson)


def test_bad_narration_keys_are_one_line_with_exit_2(tmp_path: Path) -> None:
    cases = {"voice": 'voice = "robot"\n' + ONE_CLIP,
             "audio": ONE_CLIP + 'audio = "no/such/folder"\n',
             "speak": ONE_CLIP + 'speak = { "0" = "zero" }\n'}
    for key, text in cases.items():
        lesson = tmp_path / f"{key}.toml"
        lesson.write_text(text)
        result = torchreel("render", "--lesson", str(lesson), "--media", str(tmp_path / "m"))
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"key '{key}" in lines[0] and "Traceback" not in lines[0]
    assert not (tmp_path / "m" / "alpha").exists()


def _cue_starts(vtt: str) -> list[float]:
    starts = []
    for match in re.finditer(r"(\d+):(\d+):(\d+\.\d+) -->", vtt):
        h, m, s = match.groups()
        starts.append(int(h) * 3600 + int(m) * 60 + float(s))
    return starts


@needs_voice
@pytest.mark.slow
def test_a_narrated_build_speaks_each_caption_and_a_visual_edit_says_nothing_new(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lesson = tmp_path / "narrated.toml"
    lesson.write_text(ONE_CLIP)
    media = tmp_path / "media"
    log = tmp_path / "synthesised.txt"
    monkeypatch.setenv("TORCHREEL_VOICE_LOG", str(log))  # each synthesis adds a line
    first = torchreel("render", "--lesson", str(lesson), "--media", str(media),
                      "--quality", "test", "--voice", "joe", "--jobs", "1", "--webm",
                      timeout=400)
    assert first.returncode == 0, first.stderr
    said = log.read_text().splitlines()
    entry = json.loads((media / "manifest.json").read_text())["clips"][0]
    starts = _cue_starts((media / entry["files"]["vtt"]).read_text())
    assert len(said) == len(starts) >= 2  # the statement and the closing
    for key, codec in (("mp4", "aac"), ("webm", "opus")):
        path = media / entry["files"][key]
        samples, rate, name, seconds = decoded_audio(path)
        assert (name, rate) == (codec, SAMPLE_RATE)
        assert abs(seconds - video_seconds(path, 5)) <= 1 / 5  # one frame at test quality
        for start in starts:
            # Speech starts within 100 ms of the cue, after a silence: its own speech.
            onset = first_sound(samples, rate, start - 0.1)
            assert onset is not None and onset - start <= 0.1, (key, onset, start)
            assert first_sound(samples, rate, start - 0.4, start - 0.1) is None, (key, start)
    # Only the look changes: every clip renders again, and no word is synthesised again.
    second = torchreel("render", "--lesson", str(lesson), "--media", str(media),
                       "--quality", "test", "--voice", "joe", "--theme", "light",
                       "--jobs", "1", "--webm", timeout=400)
    assert second.returncode == 0, second.stderr
    assert "1 rendered" in second.stdout
    assert log.read_text().splitlines() == said

