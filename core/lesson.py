"""Lesson files: TOML data (never code) listing clips, checked key by key into frozen specs."""

from __future__ import annotations

import ast
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from core.text import MAX_TITLE_LENGTH, text_problem

__all__ = [
    "KINDS",
    "MAX_CLIPS",
    "MAX_DIM",
    "MAX_ELEMENTS",
    "MAX_LESSON_BYTES",
    "MAX_NDIM",
    "MAX_SEED",
    "MAX_VALUE",
    "ClipSpec",
    "Lesson",
    "LessonError",
    "TensorSpec",
    "default_lesson_path",
    "load_lesson",
    "parse_lesson",
    "refuse",
]

# Size limit: a tensor is drawn one cell per element, and past 8 cells a side the values stop
# being legible at 480p. So every tensor, given or computed, has at most 4 dimensions, none
# longer than 8, and at most 64 elements.
MAX_DIM = 8
MAX_NDIM = 4
MAX_ELEMENTS = 64
# Input limits, so that bad input ends in one line instead of an overflow deep in torch:
# torch.manual_seed and numpy's legacy seeding both take 32-bit seeds; values within a million
# keep every product, sum and two-layer output of the built-in kinds finite in float32 (64 *
# 1e6**3 is far below 3.4e38); a lesson is a hand-written file (the default is 7 KB, 12 clips),
# and `list` traces every clip, so 100 clips and 1 MiB bound its work.
MAX_SEED = 2**32 - 1
MAX_VALUE = 1_000_000
MAX_CLIPS = 100
MAX_LESSON_BYTES = 1_048_576

ID_PATTERN = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
MAX_ID_LENGTH = 64
FILLS = ("randn", "arange", "ones", "zeros")
DTYPES = ("float32", "float64")
ACTIVATIONS = ("sigmoid", "tanh", "relu")


class LessonError(Exception):
    """Bad lesson input; ``str()`` is one line naming the file, clip and key."""


@dataclass(frozen=True)
class TensorSpec:
    """How one input tensor is made: drawn at random, filled, or given value by value."""

    name: str
    shape: tuple[int, ...]
    fill: str = "randn"
    values: tuple[float, ...] | None = None
    dtype: str = "float32"
    like: str | None = None


@dataclass(frozen=True)
class ClipSpec:
    """One clip of a lesson: its kind, seed, input tensors and kind-specific settings."""

    id: str
    title: str
    kind: str
    seed: int
    tensors: tuple[TensorSpec, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    # A code clip's snippet (see core/snippet.py) and the words an author gives per line.
    code: str | None = None
    say: dict[int, str] = field(default_factory=dict)
    # The one line the closing frame (the poster) says; empty: made from the clip's last op.
    takeaway: str = ""
    # Narration: the words to say for a step (by number from 1, or by name) instead of its
    # caption, and a folder of a lecturer's recordings (one .wav or .flac per step).
    speak: dict[str, str] = field(default_factory=dict)
    audio: str | None = None
    # Colour slots of the lesson's tensor names (see :func:`name_slots`): one slot per name for
    # the whole lesson, two names of one clip never in the same slot while slots last.
    palette: tuple[tuple[str, int], ...] = ()

    def tensor(self, name: str) -> TensorSpec:
        for spec in self.tensors:
            if spec.name == name:
                return spec
        raise KeyError(name)


@dataclass(frozen=True)
class Lesson:
    """A parsed lesson file."""

    path: str
    title: str
    clips: tuple[ClipSpec, ...]
    voice: str | None = None  # "joe" or "none"; None: the studio's default

    def clip(self, clip_id: str) -> ClipSpec:
        for clip in self.clips:
            if clip.id == clip_id:
                return clip
        known = ", ".join(c.id for c in self.clips)
        raise LessonError(f"{self.path}: no clip {clip_id!r} (the lesson has: {known})")


def refuse(clip: ClipSpec, key: str, expected: str, found: str) -> LessonError:
    """A lesson error about one setting of a clip, in the one-line house format."""
    return LessonError(f"{clip.source}: clip {clip.id!r}: key {key!r}: expected {expected}, "
                       f"found {found}")


# Setting kinds: "shape" (list of positive ints), "index" (list of ints >= 0), "number",
# "activation", "clip" (id of another clip), "shape-pair" (two shapes).
@dataclass(frozen=True)
class KindSchema:
    tensors: tuple[str, ...]
    settings: dict[str, tuple[str, Any]]  # key -> (setting kind, default or REQUIRED)
    # Written as code: the clip's `code` is what runs, and the kind names the story told.
    code: bool = False
    # Settings this kind had before it was written as code -> the line of code that replaces it.
    retired: dict[str, str] = field(default_factory=dict)


REQUIRED = object()

KINDS: dict[str, KindSchema] = {
    "elementwise-product": KindSchema((), {}, code=True),
    "sum": KindSchema((), {}, code=True),
    "neuron": KindSchema((), {}, code=True, retired={
        "activation": "y = torch.sigmoid(torch.sum(features * weights) + bias)"}),
    "matmul-shapes": KindSchema((), {}, code=True, retired={
        "column_shape": "column = weights.view(5, 1)",
        "activation": "y = torch.sigmoid(torch.mm(features, column) + bias)"}),
    "mm-vs-matmul": KindSchema((), {}, code=True, retired={
        "column_shape": "torch.mm(features, weights.view(5, 1))",
        "vector_case": "y = torch.matmul(features, weights)",
        "batch_case": "Z = torch.matmul(X, Y)"}),
    "view": KindSchema((), {}, code=True, retired={
        "view_shape": "v = weights.view(5, 1)", "bad_shape": "weights.view(2, 3)",
        "change_index": "v[2, 0] = 0.0", "change_value": "v[2, 0] = 0.0"}),
    "reshape": KindSchema((), {}, code=True, retired={
        "reshape_shape": "r = x.reshape(3, 2)", "flat_shape": "f = xt.reshape(6)",
        "bad_shape": "x.reshape(4)"}),
    "resize": KindSchema((), {}, code=True, retired={
        "shrink_shape": "s.resize_(2, 2)", "grow_shape": "g.resize_(2, 3)"}),
    "strides": KindSchema((), {}, code=True),
    "numpy-bridge": KindSchema((), {}, code=True, retired={"factor": "b.mul_(2)"}),
    "two-layer-network": KindSchema((), {}, code=True, retired={
        "activation": "h = torch.sigmoid(features @ W1 + B1)"}),
    # A snippet of the author's own: any tensors as inputs, the steps come from the code.
    "code": KindSchema((), {}, code=True),
    "summary": KindSchema(
        (),
        {"view_clip": ("clip", REQUIRED), "reshape_clip": ("clip", REQUIRED),
         "resize_clip": ("clip", REQUIRED)},
    ),
}

COMMON_KEYS = ("id", "title", "kind", "seed", "tensors", "speak", "audio")
VOICE_NAMES = ("joe", "none")
CODE_KEYS = ("code", "say", "takeaway")
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def default_lesson_path() -> Path:
    """The default lesson shipped with the project."""
    return Path(__file__).resolve().parent.parent / "lessons" / "default.toml"


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except RecursionError:  # dotted keys can nest tables deeper than repr recurses
        return "a value nested too deeply to show"
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    def __init__(self, path: str, clip: str | None = None) -> None:
        self.path = path
        self.clip = clip

    def fail(
        self, key: str | None, expected: str, found: Any = None, *, show: bool = True
    ) -> NoReturn:
        where = [self.path]
        if self.clip is not None:
            where.append(f"clip {self.clip!r}")
        if key is not None:
            where.append(f"key {key!r}")
        tail = f", found {_describe(found)}" if show else ""
        raise LessonError(": ".join(where) + f": expected {expected}{tail}")

    def shape(self, key: str, value: Any) -> tuple[int, ...]:
        ok = (
            isinstance(value, list)
            and 1 <= len(value) <= MAX_NDIM
            and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        )
        if not ok:
            self.fail(key, f"a shape: a list of 1 to {MAX_NDIM} whole numbers", value)
        if any(n <= 0 for n in value):
            self.fail(key, "sizes of at least 1", value)
        self.limit(key, tuple(value))
        return tuple(value)

    def limit(self, key: str, shape: tuple[int, ...]) -> None:
        if any(n > MAX_DIM for n in shape) or math.prod(shape) > MAX_ELEMENTS:
            self.fail(
                key,
                f"a tensor small enough to draw legibly (at most {MAX_DIM} per dimension and "
                f"{MAX_ELEMENTS} elements)",
                list(shape),
            )

    def number(self, key: str, value: Any) -> float:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        # A 400-digit integer is not a float at all: compare before converting.
        if not numeric or not -MAX_VALUE <= value <= MAX_VALUE:
            self.fail(key, f"a finite number from -{MAX_VALUE} to {MAX_VALUE}", value)
        return float(value)

    def seed(self, key: str, value: Any, expected: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
            self.fail(key, f"a whole number from 0 to {MAX_SEED}{expected}", value)
        return value

    def text(self, key: str, value: Any, max_length: int | None = MAX_TITLE_LENGTH) -> str:
        """A title or caption: one line a font can draw, shown as written everywhere."""
        text = self.string(key, value)
        problem = text_problem(text, max_length)
        if problem is not None:
            self.fail(key, f"{problem[0]}, found {problem[1]}", show=False)
        return text

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "a non-empty string", value)
        return str(value)


def _depth(value: Any) -> int:
    """How deep lists nest in ``value``, counted level by level (no recursion), up to one past
    the limit."""
    depth, level = 0, [value]
    while depth <= MAX_NDIM and any(isinstance(item, list) for item in level):
        depth += 1
        level = [inner for item in level if isinstance(item, list) for inner in item]
    return depth


def _values(check: _Checker, key: str, value: Any) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Shape and flat row-major values of a nested list, refusing ragged rows."""
    if not isinstance(value, list):
        return (), (check.number(key, value),)
    if not value:
        check.fail(key, "a non-empty list of numbers", value)
    if all(not isinstance(item, list) for item in value):
        return (len(value),), tuple(check.number(key, item) for item in value)
    if not all(isinstance(item, list) for item in value):
        check.fail(key, "rows that are all lists (no mix of numbers and lists)", value)
    parts = [_values(check, key, item) for item in value]
    inner = parts[0][0]
    for row, (shape, _) in enumerate(parts):
        if shape != inner:
            check.fail(key, f"rows of equal length (row 0 has shape {list(inner)}, "
                            f"row {row} has {list(shape)})", show=False)
    return (len(value), *inner), tuple(v for _, flat in parts for v in flat)


def _tensor(
    check: _Checker, name: str, value: Any, earlier: dict[str, TensorSpec]
) -> TensorSpec:
    key = f"tensors.{name}"
    if not isinstance(value, dict):
        check.fail(key, "a table such as { shape = [1, 5] } or { values = [[1.0, 2.0]] }", value)
    unknown = sorted(set(value) - {"shape", "values", "like", "fill", "dtype"})
    if unknown:
        check.fail(f"{key}.{unknown[0]}", "one of shape, values, like, fill, dtype", unknown[0])
    dtype = value.get("dtype", "float32")
    if dtype not in DTYPES:
        check.fail(f"{key}.dtype", f"one of {', '.join(DTYPES)}", dtype)
    if sum(k in value for k in ("shape", "values", "like")) != 1:
        check.fail(key, "exactly one of 'shape', 'values' or 'like'", sorted(value))
    if "like" in value:
        like = value["like"]
        if not isinstance(like, str) or like not in earlier:
            check.fail(f"{key}.like", f"the name of a tensor listed before {name!r}", like)
        if "fill" in value:
            check.fail(f"{key}.fill", "no fill with like (it draws torch.randn_like)",
                       value["fill"])
        return TensorSpec(name=name, shape=earlier[like].shape, dtype=dtype, like=like)
    if "values" in value:
        if "fill" in value:
            check.fail(f"{key}.fill", "no fill when values are given", value["fill"])
        if _depth(value["values"]) > MAX_NDIM:
            check.fail(f"{key}.values", f"at most {MAX_NDIM} dimensions (lists nested at most "
                                        f"{MAX_NDIM} deep)", show=False)
        shape, flat = _values(check, f"{key}.values", value["values"])
        if len(shape) > MAX_NDIM:
            check.fail(f"{key}.values", f"at most {MAX_NDIM} dimensions", len(shape))
        check.limit(f"{key}.values", shape)
        return TensorSpec(name=name, shape=shape, fill="values", values=flat, dtype=dtype)
    shape = check.shape(f"{key}.shape", value["shape"])
    fill = value.get("fill", "randn")
    if fill not in FILLS:
        check.fail(f"{key}.fill", f"one of {', '.join(FILLS)}", fill)
    return TensorSpec(name=name, shape=shape, fill=fill, dtype=dtype)


def _setting(check: _Checker, key: str, kind: str, value: Any) -> Any:
    if kind == "shape":
        return check.shape(key, value)
    if kind == "shape-pair":
        if not isinstance(value, list) or len(value) != 2:
            check.fail(key, "two shapes, e.g. [[3, 4], [4]]", value)
        return (check.shape(f"{key}[0]", value[0]), check.shape(f"{key}[1]", value[1]))
    if kind == "index":
        ok = isinstance(value, list) and len(value) <= MAX_NDIM and all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n < MAX_DIM for n in value
        )
        if not ok:
            check.fail(key, f"an index: a list of at most {MAX_NDIM} whole numbers from 0 to "
                            f"{MAX_DIM - 1}", value)
        return tuple(value)
    if kind == "number":
        return check.number(key, value)
    if kind == "activation":
        if value not in ACTIVATIONS:
            check.fail(key, f"one of {', '.join(ACTIVATIONS)}", value)
        return value
    if kind == "clip":
        return check.string(key, value)
    raise AssertionError(kind)


def _clip(path: str, position: int, raw: Any, lesson_seed: int | None) -> ClipSpec:
    check = _Checker(path, f"#{position + 1}")
    if not isinstance(raw, dict):
        check.fail(None, "each [[clips]] entry to be a table", raw)
    clip_id = raw.get("id")
    if not isinstance(clip_id, str):
        check.fail("id", "a string of letters, digits and dashes", clip_id)
    # fullmatch: "$" alone also matches before a final newline, and "ew\n" is no folder name.
    if len(clip_id) > MAX_ID_LENGTH or not ID_PATTERN.fullmatch(clip_id):
        check.fail("id", f"letters, digits and single dashes (at most {MAX_ID_LENGTH})", clip_id)
    check = _Checker(path, clip_id)
    kind = raw.get("kind", "code" if "code" in raw else None)
    if not isinstance(kind, str) or kind not in KINDS:
        check.fail("kind", f"one of {', '.join(KINDS)}", kind)
    schema = KINDS[kind]
    allowed = set(COMMON_KEYS) | set(schema.settings)
    if schema.code:
        allowed |= set(CODE_KEYS)
    unknown = sorted(set(raw) - allowed)
    retired = [key for key in unknown if key in schema.retired]
    if retired:
        key = retired[0]
        check.fail(key, f"the clip's code instead (a {kind!r} clip is now written as code: put "
                        f"a line such as `{schema.retired[key]}` in code = \"\"\"...\"\"\")",
                   key)
    if unknown:
        check.fail(unknown[0], f"one of the keys of a {kind!r} clip: {', '.join(sorted(allowed))}",
                   unknown[0])
    title = check.text("title", raw.get("title"))
    seed = check.seed("seed", raw.get("seed", lesson_seed), " (here or at the top of the lesson)")
    raw_tensors = raw.get("tensors", {})
    if not isinstance(raw_tensors, dict):
        check.fail("tensors", "a table of named tensors", raw_tensors)
    for name in raw_tensors:
        if schema.code:
            if not NAME_PATTERN.fullmatch(name) or name in ("torch", "np"):
                check.fail(f"tensors.{name}", "a Python name such as x or W1", name)
            continue
        if name not in schema.tensors:
            check.fail(f"tensors.{name}", f"only the tensors of a {kind!r} clip: "
                                          f"{', '.join(schema.tensors) or 'none'}", name)
    for name in schema.tensors:
        if name not in raw_tensors:
            check.fail(f"tensors.{name}", "a tensor entry such as { shape = [1, 5] }",
                       show=False)
    # Drawn in the order the file lists them: that order is what the seed reproduces.
    earlier: dict[str, TensorSpec] = {}
    for name, value in raw_tensors.items():
        earlier[name] = _tensor(check, name, value, earlier)
    tensors = list(earlier.values())
    settings = {}
    for key, (setting_kind, default) in schema.settings.items():
        if key in raw:
            settings[key] = _setting(check, key, setting_kind, raw[key])
        elif default is REQUIRED:
            check.fail(key, f"a value ({setting_kind})", show=False)
        else:
            settings[key] = default
    code, say = _code(check, schema, raw)
    takeaway = check.text("takeaway", raw["takeaway"]) if "takeaway" in raw else ""
    speak, audio = _narration(check, path, raw)
    return ClipSpec(id=clip_id, title=title, kind=kind, seed=seed, tensors=tuple(tensors),
                    settings=settings, source=path, code=code, say=say, takeaway=takeaway,
                    speak=speak,
                    audio=audio)


def _narration(check: _Checker, path: str, raw: dict[str, Any]) -> tuple[dict[str, str],
                                                                          str | None]:
    """A clip's spoken words per step and its recordings folder (relative to the lesson)."""
    raw_speak = raw.get("speak", {})
    if not isinstance(raw_speak, dict):
        check.fail("speak", "a table of step = words, e.g. { 2 = \"...\" } or "
                            "{ closing = \"...\" }", raw_speak)
    speak: dict[str, str] = {}
    for key, words in raw_speak.items():
        if not re.fullmatch(r"[1-9][0-9]{0,2}|[A-Za-z][A-Za-z0-9_-]{0,63}", key):
            check.fail(f"speak.{key}", "a step number (1, 2, ...) or a step name", key)
        speak[key] = check.text(f"speak.{key}", words, max_length=None)
    audio = raw.get("audio")
    if audio is None:
        return speak, None
    if not isinstance(audio, str) or not audio.strip():
        check.fail("audio", "a folder of recordings, one .wav or .flac per step", audio)
    folder = Path(path).parent / audio
    if not folder.is_dir():
        check.fail("audio", "a folder of recordings, one .wav or .flac per step, relative to "
                            "the lesson file", audio)
    return speak, str(folder.resolve())


def _code(check: _Checker, schema: KindSchema,
          raw: dict[str, Any]) -> tuple[str | None, dict[int, str]]:
    """A code clip's snippet and its words per line.

    The snippet is checked against the allowlist when it is traced (core/snippet.py), so reading
    a lesson never imports torch; a no-op build stays fast.
    """
    if not schema.code:
        return None, {}
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        check.fail("code", "a non-empty string of PyTorch code (a TOML \"\"\" block)", code)
    lines = code.rstrip().split("\n")
    raw_say = raw.get("say", {})
    if not isinstance(raw_say, dict):
        check.fail("say", "a table of line number = sentence, e.g. { 3 = \"...\" }", raw_say)
    say: dict[int, str] = {}
    for number, line in enumerate(lines, 1):
        # Tabs indent; any other control or bidi-override character could make the code read
        # differently on screen from how it runs.
        problem = text_problem(line.replace("\t", " "))
        if problem is not None:
            check.fail("code", f"{problem[0]}, found {problem[1]} of line {number}", show=False)
    for key, sentence in raw_say.items():
        # isascii: "²".isdigit() is True, and int("²") fails.
        if not (key.isascii() and key.isdigit()) or not 1 <= int(key) <= len(lines):
            check.fail(f"say.{key}", f"a line number of the code, 1 to {len(lines)}",
                       key)
        say[int(key)] = check.text(f"say.{key}", sentence, max_length=None)
    return code, say


def parse_lesson(text: str, path: str = "<lesson>") -> Lesson:
    """Check a lesson's TOML text and return its clips; raise :class:`LessonError` if bad."""
    check = _Checker(path)
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4300 digits
        check.fail(None, "valid TOML", str(exc).replace("\n", " "), show=True)
    except RecursionError:
        check.fail(None, "valid TOML with arrays and inline tables nested less deeply",
                   show=False)
    unknown = sorted(set(data) - {"title", "seed", "voice", "clips"})
    if unknown:
        check.fail(unknown[0], "only the top-level keys title, seed, voice and [[clips]]",
                   unknown[0])
    voice = data.get("voice")
    if voice is not None and voice not in VOICE_NAMES:
        check.fail("voice", f"one of {', '.join(VOICE_NAMES)}", voice)
    title = check.text("title", data.get("title"))
    seed = data.get("seed")
    if seed is not None:
        check.seed("seed", seed, "")
    raw_clips = data.get("clips")
    if not isinstance(raw_clips, list) or not raw_clips:
        check.fail("clips", "at least one [[clips]] table", raw_clips)
    if len(raw_clips) > MAX_CLIPS:
        check.fail("clips", f"at most {MAX_CLIPS} [[clips]] tables", f"{len(raw_clips)}",
                   show=False)
    clips = [_clip(path, i, raw, seed) for i, raw in enumerate(raw_clips)]
    seen: set[str] = set()
    for clip in clips:
        if clip.id in seen:
            _Checker(path, clip.id).fail("id", "a unique id (another clip has it)", clip.id)
        seen.add(clip.id)
    by_id = {clip.id: clip for clip in clips}
    wanted_kind = {"view_clip": "view", "reshape_clip": "reshape", "resize_clip": "resize"}
    for clip in clips:
        for key, kind in wanted_kind.items():
            ref = clip.settings.get(key) if clip.kind == "summary" else None
            if ref is not None and (ref not in by_id or by_id[ref].kind != kind):
                _Checker(path, clip.id).fail(key, f"the id of a {kind!r} clip in this lesson", ref)
    slots = name_slots(clips)
    clips = [replace(clip, palette=tuple((n, slots[n]) for n in clip_names(clip)))
             for clip in clips]
    return Lesson(path=path, title=title, clips=tuple(clips), voice=voice)


# Colour slots a scene maps to hues (scenes.stage.tensor_hues has six).
SLOTS = 6


def clip_names(clip: ClipSpec) -> list[str]:
    """The tensor names a clip binds, in order: its input tensors, then every name its code
    assigns (read from the code's syntax tree; nothing runs)."""
    names = [spec.name for spec in clip.tensors]
    if clip.code:
        try:
            tree = ast.parse(clip.code)
        except SyntaxError:
            tree = ast.Module(body=[], type_ignores=[])
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.append(leaf.id)
    return list(dict.fromkeys(names))


def preferred_slot(name: str) -> int:
    """A name's own colour slot: a stable number from its letters (``hash`` of a str changes
    every run)."""
    value = 0
    for ch in name:
        value = (value * 131 + ord(ch)) % 1_000_003
    return value % SLOTS


def name_slots(clips: list[ClipSpec]) -> dict[str, int]:
    """One colour slot per tensor name for the whole lesson, so a name keeps its colour from
    clip to clip.

    Names are taken in lesson order. A name takes its own preferred slot (from its letters)
    unless a name it shares a clip with holds it; then the lowest slot none of them holds.
    Clips of more than :data:`SLOTS` names cannot keep every pair apart: their pairs give way
    first to the pairs of smaller clips (the names still say which tensor is which).
    """
    hard: dict[str, set[str]] = {}
    soft: dict[str, set[str]] = {}
    order: list[str] = []
    for clip in clips:
        names = clip_names(clip)
        for name in names:
            others = {n for n in names if n != name}
            (hard if len(names) <= SLOTS else soft).setdefault(name, set()).update(others)
            if name not in order:
                order.append(name)
    slots: dict[str, int] = {}
    for name in order:
        must = {slots[n] for n in hard.get(name, ()) if n in slots}
        rather = {slots[n] for n in soft.get(name, ()) if n in slots}
        slot = preferred_slot(name)
        for avoid in (must | rather, must):
            if slot not in avoid:
                break
            free = [k for k in range(SLOTS) if k not in avoid]
            if free:
                slot = free[0]
                break
        slots[name] = slot
    return slots


def load_lesson(path: str | Path | None = None) -> Lesson:
    """Read and check a lesson file (the default lesson when ``path`` is None)."""
    target = Path(path) if path is not None else default_lesson_path()
    return parse_lesson(_read(target), str(path if path is not None else target))


_SPECIAL = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
            (stat.S_ISSOCK, "a socket"))


def _read(target: Path) -> str:
    """The text of a lesson file: a regular file of at most MAX_LESSON_BYTES of UTF-8."""
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer (it is refused below).
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise LessonError(f"{target}: no such lesson file") from None
    except OSError as exc:
        raise LessonError(f"{target}: cannot read the lesson file ({exc.strerror})") from None
    mode = os.fstat(descriptor).st_mode
    for test, name in _SPECIAL:
        if test(mode):
            os.close(descriptor)
            raise LessonError(f"{target}: expected a lesson file, found {name}")
    with os.fdopen(descriptor, "rb") as handle:
        # /dev/zero never ends: read one byte past the cap, never the whole thing.
        data = handle.read(MAX_LESSON_BYTES + 1)
    if len(data) > MAX_LESSON_BYTES:
        raise LessonError(f"{target}: expected a lesson file of at most {MAX_LESSON_BYTES} "
                          f"bytes, found a longer one")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LessonError(f"{target}: expected UTF-8 text, found byte 0x{data[exc.start]:02x} "
                          f"at offset {exc.start}") from None
