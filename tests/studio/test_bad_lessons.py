"""A corpus of bad lessons: each ends `render`, `list` and `trace` in its exact one line, exit 2.

Run in this process through :func:`studio.cli.main` (a few through a real process at the end),
so the whole corpus takes seconds. Nothing may be written: the media folder is never created.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from core.lesson import KINDS
from studio.cli import main
from tests.studio.conftest import torchreel

# Code clips only: the kind every lesson format since code clips accepts, so the corpus tests
# the checks every clip goes through, whatever story kinds come and go.
BASE = """\
title = "Bad lessons"
seed = 3

[[clips]]
id = "alpha"
kind = "code"
title = "Alpha"
code = "y = features * weights"
tensors.features = { shape = [1, 2] }
tensors.weights = { like = "features" }
say = { 1 = "Twice x." }

[[clips]]
id = "beta"
title = "Beta"
code = "s = x.sum()\\nt = x.t()"
tensors.x = { shape = [2, 3] }
"""

BIG = "1" + "0" * 400  # a 401-digit integer, written into TOML as digits
BIG_SHOWN = "1" + "0" * 56 + "..."  # as the message shows it: 60 characters at most
KIND_LIST = ", ".join(KINDS)
ONE_LINE = "one line of text without control, format or bidi-override characters"
NUMBER = "a finite number from -1000000 to 1000000"
SEED = "a whole number from 0 to 4294967295"
SHAPE = "a shape: a list of 1 to 4 whole numbers"
SMALL = "a tensor small enough to draw legibly (at most 8 per dimension and 64 elements)"


def edit(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    """A change to BASE: its first ``count`` occurrences of ``old`` become ``new``."""
    def apply(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)
    return apply


def alpha(line: str) -> Callable[[str], str]:
    """Add ``line`` to clip alpha."""
    return edit('title = "Alpha"\n', f'title = "Alpha"\n{line}\n')


def alpha_tensor(value: str, name: str = "features") -> Callable[[str], str]:
    old = ('tensors.features = { shape = [1, 2] }' if name == "features"
           else 'tensors.weights = { like = "features" }')
    return edit(old, f"tensors.{name} = {value}")


def toml_error(text: str) -> str:
    try:
        tomllib.loads(text)
    except ValueError as exc:
        return repr(str(exc).replace("\n", " "))[:57] + "..."
    raise AssertionError("valid TOML")


def many_clips(n: int) -> Callable[[str], str]:
    clip = '[[clips]]\nid = "c{}"\nkind = "strides"\ntitle = "S"\ntensors.x = {{ shape = [2] }}\n'
    return lambda text: 'title = "Many"\nseed = 1\n' + "".join(clip.format(i) for i in range(n))


A = "clip 'alpha': "
# name -> (change to BASE, the message after "torchreel: <path>: ")
CASES: dict[str, tuple[Callable[[str], str], str]] = {
    # The file as TOML
    "toml-syntax": (lambda t: t + "\n[[clips]\n", ""),  # message from tomllib, filled in below
    "toml-int-5000-digits": (edit("seed = 3", "seed = " + "9" * 5000), ""),
    "toml-nested-600": (lambda t: t + "deep = " + "[" * 600 + "]" * 600 + "\n",
                        "expected valid TOML with arrays and inline tables nested less deeply"),
    "dotted-keys-3000-deep": (
        edit("tensors.features = { shape = [1, 2] }",
             "tensors.features.shape" + ".a" * 3000 + " = 1"),
        A + "key 'tensors.features.shape': expected " + SHAPE
        + ", found a value nested too deeply to show"),
    # Top level
    "top-unknown-key": (edit('seed = 3', 'seed = 3\ncolour = 1'),
                        "key 'colour': expected only the top-level keys title, seed, voice "
                        "and [[clips]], found 'colour'"),
    "title-missing": (edit('title = "Bad lessons"\n', ''),
                      "key 'title': expected a non-empty string, found None"),
    "title-int": (edit('"Bad lessons"', '3'), "key 'title': expected a non-empty string, found 3"),
    "title-list": (edit('"Bad lessons"', '["a"]'),
                   "key 'title': expected a non-empty string, found ['a']"),
    "title-table": (edit('"Bad lessons"', '{ a = 1 }'),
                    "key 'title': expected a non-empty string, found {'a': 1}"),
    "title-blank": (edit('"Bad lessons"', '"   "'),
                    "key 'title': expected a non-empty string, found '   '"),
    "title-newline": (edit('"Bad lessons"', r'"Bad\nlessons"'),
                      f"key 'title': expected {ONE_LINE}, found U+000A at character 4"),
    "title-rlo": (edit('"Bad lessons"', r'"Bad \u202Elessons"'),
                  f"key 'title': expected {ONE_LINE}, found U+202E at character 5"),
    "title-lri": (edit('"Bad lessons"', r'"\u2066Bad"'),
                  f"key 'title': expected {ONE_LINE}, found U+2066 at character 1"),
    "title-zero-width": (edit('"Bad lessons"', r'"Bad\u200Blessons"'),
                         f"key 'title': expected {ONE_LINE}, found U+200B at character 4"),
    "title-nul": (edit('"Bad lessons"', r'"Bad\u0000"'),
                  f"key 'title': expected {ONE_LINE}, found U+0000 at character 4"),
    "title-tab": (edit('"Bad lessons"', r'"Bad\tlessons"'),
                  f"key 'title': expected {ONE_LINE}, found U+0009 at character 4"),
    "title-line-separator": (edit('"Bad lessons"', r'"a\u2028b"'),
                             f"key 'title': expected {ONE_LINE}, found U+2028 at character 2"),
    "title-private-use": (edit('"Bad lessons"', r'"a\uE000"'),
                          f"key 'title': expected {ONE_LINE}, found U+E000 at character 2"),
    "title-emoji": (edit('"Bad lessons"', r'"Tensors \U0001F600"'),
                    "key 'title': expected text without emoji, found U+1F600 at character 9"),
    "title-flag": (edit('"Bad lessons"', r'"\U0001F1F0\U0001F1F7"'),
                   "key 'title': expected text without emoji, found U+1F1F0 at character 1"),
    "title-emoji-selector": (edit('"Bad lessons"', r'"\u2764\uFE0F"'),
                             "key 'title': expected text without emoji, found U+FE0F at "
                             "character 2"),
    "title-81-characters": (edit('"Bad lessons"', '"' + "x" * 81 + '"'),
                            "key 'title': expected at most 80 characters, found 81 characters"),
    "title-korean-too-long": (edit('"Bad lessons"', '"' + "텐서" * 41 + '"'),
                              "key 'title': expected at most 80 characters, found 82 "
                              "characters"),
    "seed-negative": (edit("seed = 3", "seed = -1"), f"key 'seed': expected {SEED}, found -1"),
    "seed-2-32": (edit("seed = 3", "seed = 4294967296"),
                  f"key 'seed': expected {SEED}, found 4294967296"),
    "seed-2-64": (edit("seed = 3", "seed = 18446744073709551616"),
                  f"key 'seed': expected {SEED}, found 18446744073709551616"),
    "seed-400-digits": (edit("seed = 3", f"seed = {BIG}"),
                        f"key 'seed': expected {SEED}, found {BIG_SHOWN}"),
    "seed-string": (edit("seed = 3", 'seed = "3"'), f"key 'seed': expected {SEED}, found '3'"),
    "seed-float": (edit("seed = 3", "seed = 1.5"), f"key 'seed': expected {SEED}, found 1.5"),
    "seed-bool": (edit("seed = 3", "seed = true"), f"key 'seed': expected {SEED}, found True"),
    "seed-list": (edit("seed = 3", "seed = [1]"), f"key 'seed': expected {SEED}, found [1]"),
    "seed-nan": (edit("seed = 3", "seed = nan"), f"key 'seed': expected {SEED}, found nan"),
    "clips-missing": (lambda t: 'title = "T"\n',
                      "key 'clips': expected at least one [[clips]] table, found None"),
    "clips-empty": (lambda t: 'title = "T"\nclips = []\n',
                    "key 'clips': expected at least one [[clips]] table, found []"),
    "clips-string": (lambda t: 'title = "T"\nclips = "x"\n',
                     "key 'clips': expected at least one [[clips]] table, found 'x'"),
    "clips-of-numbers": (lambda t: 'title = "T"\nclips = [1]\n',
                         "clip '#1': expected each [[clips]] entry to be a table, found 1"),
    "clips-101": (many_clips(101), "key 'clips': expected at most 100 [[clips]] tables"),
    "clips-10000": (many_clips(10000), "key 'clips': expected at most 100 [[clips]] tables"),
    # Clip ids
    "id-missing": (edit('id = "alpha"\n', ''),
                   "clip '#1': key 'id': expected a string of letters, digits and dashes, "
                   "found None"),
    "id-int": (edit('id = "alpha"', 'id = 3'),
               "clip '#1': key 'id': expected a string of letters, digits and dashes, found 3"),
    "id-list": (edit('id = "alpha"', 'id = ["alpha"]'),
                "clip '#1': key 'id': expected a string of letters, digits and dashes, "
                "found ['alpha']"),
}
ID = "clip '#1': key 'id': expected letters, digits and single dashes (at most 64), found "
for name, value, shown_as in [
    ("id-trailing-newline", r'"ew\n"', r"'ew\n'"), ("id-space", '"a b"', "'a b'"),
    ("id-path", '"../x"', "'../x'"), ("id-slash", '"a/b"', "'a/b'"),
    ("id-leading-dash", '"-a"', "'-a'"), ("id-double-dash", '"a--b"', "'a--b'"),
    ("id-65", '"' + "a" * 65 + '"', "'" + "a" * 56 + "..."), ("id-empty", '""', "''"),
    ("id-fullwidth", '"ａ"', "'ａ'"), ("id-rlo", r'"a\u202E"', "'a\\u202e'"),
    ("id-dot", '"a.b"', "'a.b'"), ("id-underscore", '"a_b"', "'a_b'"),
]:
    CASES[name] = (edit('id = "alpha"', f"id = {value}"), ID + shown_as)
CASES.update({
    "id-duplicate": (edit('id = "beta"', 'id = "alpha"'),
                     "clip 'alpha': key 'id': expected a unique id (another clip has it), "
                     "found 'alpha'"),
    # Kinds
    "kind-missing": (edit('kind = "code"\ntitle = "Alpha"\ncode = "y = features * weights"\n',
                          'title = "Alpha"\n'),
                     A + f"key 'kind': expected one of {KIND_LIST}, found None"),
    "kind-list": (edit('"code"', '["sum"]'),
                  A + f"key 'kind': expected one of {KIND_LIST}, found ['sum']"),
    "kind-table": (edit('"code"', '{ name = "sum" }'),
                   A + f"key 'kind': expected one of {KIND_LIST}, found {{'name': 'sum'}}"),
    "kind-int": (edit('"code"', '3'),
                 A + f"key 'kind': expected one of {KIND_LIST}, found 3"),
    "kind-case": (edit('"code"', '"Sum"'),
                  A + f"key 'kind': expected one of {KIND_LIST}, found 'Sum'"),
    "kind-newline": (edit('"code"', r'"sum\n"'),
                     A + f"key 'kind': expected one of {KIND_LIST}, found 'sum\\n'"),
    "clip-unknown-key": (alpha("colour = 1"),
                         A + "key 'colour': expected one of the keys of a 'code' clip: audio, "
                             "code, id, kind, say, seed, speak, takeaway, tensors, title, found "
                             "'colour'"),
    # Clip titles
    "clip-title-missing": (edit('title = "Alpha"\n', ''),
                           A + "key 'title': expected a non-empty string, found None"),
    "clip-title-list": (edit('title = "Alpha"', 'title = ["Alpha"]'),
                        A + "key 'title': expected a non-empty string, found ['Alpha']"),
    "clip-title-empty": (edit('title = "Alpha"', 'title = ""'),
                         A + "key 'title': expected a non-empty string, found ''"),
    "clip-title-rlo": (edit('title = "Alpha"', r'title = "Al\u202Epha"'),
                       A + f"key 'title': expected {ONE_LINE}, found U+202E at character 3"),
    "clip-title-newline": (edit('title = "Alpha"', 'title = """Al\npha"""'),
                           A + f"key 'title': expected {ONE_LINE}, found U+000A at character 3"),
    "clip-title-del": (edit('title = "Alpha"', r'title = "Al\u007Fpha"'),
                       A + f"key 'title': expected {ONE_LINE}, found U+007F at character 3"),
    "clip-title-emoji": (edit('title = "Alpha"', r'title = "\U0001F525 hot"'),
                         A + "key 'title': expected text without emoji, found U+1F525 at "
                             "character 1"),
    "clip-title-long": (edit('title = "Alpha"', 'title = "' + "y" * 200 + '"'),
                        A + "key 'title': expected at most 80 characters, found 200 characters"),
})
for name, value, shown_as in [
    ("negative", "-1", "-1"), ("2-32", "4294967296", "4294967296"),
    ("2-64", "18446744073709551616", "18446744073709551616"), ("400-digits", BIG, BIG_SHOWN),
    ("string", '"1"', "'1'"), ("float", "1.5", "1.5"), ("bool", "false", "False"),
    ("inf", "inf", "inf"),
]:
    CASES[f"clip-seed-{name}"] = (alpha(f"seed = {value}"),
                                  A + f"key 'seed': expected {SEED} (here or at the top of the "
                                      f"lesson), found {shown_as}")
T = A + "key 'tensors.features"
CASES.update({
    # Tensors
    "tensors-int": (edit('tensors.features = { shape = [1, 2] }\ntensors.weights = { like = '
                         '"features" }', "tensors = 3"),
                    A + "key 'tensors': expected a table of named tensors, found 3"),
    "tensor-name-spaced": (alpha('tensors."my x" = { shape = [1, 2] }'),
                           A + "key 'tensors.my x': expected a Python name such as x or W1, "
                               "found 'my x'"),
    "tensor-name-torch": (alpha("tensors.torch = { shape = [1, 2] }"),
                          A + "key 'tensors.torch': expected a Python name such as x or W1, "
                              "found 'torch'"),
    "tensor-name-digit": (alpha("tensors.1x = { shape = [1, 2] }"),
                          A + "key 'tensors.1x': expected a Python name such as x or W1, "
                              "found '1x'"),
    "tensor-name-33": (alpha("tensors." + "x" * 33 + " = { shape = [1, 2] }"),
                       A + f"key 'tensors.{'x' * 33}': expected a Python name such as x or W1, "
                           f"found '{'x' * 33}'"),
    "tensor-list": (alpha_tensor("[1, 2]"),
                    T + "': expected a table such as { shape = [1, 5] } or { values = "
                        "[[1.0, 2.0]] }, found [1, 2]"),
    "tensor-unknown-key": (alpha_tensor("{ shape = [1, 2], size = 3 }"),
                           T + ".size': expected one of shape, values, like, fill, dtype, "
                               "found 'size'"),
    "tensor-no-source": (alpha_tensor('{ fill = "ones" }'),
                         T + "': expected exactly one of 'shape', 'values' or 'like', found "
                             "['fill']"),
    "tensor-two-sources": (alpha_tensor("{ shape = [1, 2], values = [[1.0, 2.0]] }"),
                           T + "': expected exactly one of 'shape', 'values' or 'like', found "
                               "['shape', 'values']"),
    "like-list": (alpha_tensor('{ like = ["features"] }', "weights"),
                  A + "key 'tensors.weights.like': expected the name of a tensor listed before "
                      "'weights', found ['features']"),
    "like-table": (alpha_tensor('{ like = { name = "features" } }', "weights"),
                   A + "key 'tensors.weights.like': expected the name of a tensor listed before "
                       "'weights', found {'name': 'features'}"),
    "like-unknown": (alpha_tensor('{ like = "nope" }', "weights"),
                     A + "key 'tensors.weights.like': expected the name of a tensor listed "
                         "before 'weights', found 'nope'"),
    "like-itself": (alpha_tensor('{ like = "weights" }', "weights"),
                    A + "key 'tensors.weights.like': expected the name of a tensor listed "
                        "before 'weights', found 'weights'"),
    "like-with-fill": (alpha_tensor('{ like = "features", fill = "ones" }', "weights"),
                       A + "key 'tensors.weights.fill': expected no fill with like (it draws "
                           "torch.randn_like), found 'ones'"),
    "dtype-list": (alpha_tensor('{ shape = [1, 2], dtype = ["float32"] }'),
                   T + ".dtype': expected one of float32, float64, found ['float32']"),
    "dtype-unknown": (alpha_tensor('{ shape = [1, 2], dtype = "float16" }'),
                      T + ".dtype': expected one of float32, float64, found 'float16'"),
    "dtype-table": (alpha_tensor('{ shape = [1, 2], dtype = { bits = 32 } }'),
                    T + ".dtype': expected one of float32, float64, found {'bits': 32}"),
    "fill-unknown": (alpha_tensor('{ shape = [1, 2], fill = "twos" }'),
                     T + ".fill': expected one of randn, arange, ones, zeros, found 'twos'"),
    "fill-list": (alpha_tensor('{ shape = [1, 2], fill = ["ones"] }'),
                  T + ".fill': expected one of randn, arange, ones, zeros, found ['ones']"),
    "values-with-fill": (alpha_tensor('{ values = [[1.0, 2.0]], fill = "ones" }'),
                         T + ".fill': expected no fill when values are given, found 'ones'"),
})
for name, value, message in [
    ("string", '"big"', f"{SHAPE}, found 'big'"), ("empty", "[]", f"{SHAPE}, found []"),
    ("five-dims", "[1, 1, 1, 1, 1]", f"{SHAPE}, found [1, 1, 1, 1, 1]"),
    ("zero", "[0, 2]", "sizes of at least 1, found [0, 2]"),
    ("negative", "[-1]", "sizes of at least 1, found [-1]"),
    ("nine", "[9, 1]", f"{SMALL}, found [9, 1]"),
    ("128-elements", "[8, 8, 2]", f"{SMALL}, found [8, 8, 2]"),
    ("400-digits", f"[{BIG}]", f"{SMALL}, found [{BIG[:56]}..."),
    ("2-64", "[18446744073709551616, 1]", f"{SMALL}, found [18446744073709551616, 1]"),
    ("bool", "[true, 2]", f"{SHAPE}, found [True, 2]"),
    ("float", "[1.5]", f"{SHAPE}, found [1.5]"),
    ("nested", "[[1]]", f"{SHAPE}, found [[1]]"),
    ("table", "{ rows = 1 }", f"{SHAPE}, found {{'rows': 1}}"),
]:
    CASES[f"shape-{name}"] = (alpha_tensor(f"{{ shape = {value} }}"),
                              T + f".shape': expected {message}")
for name, value, message in [
    ("empty", "[]", "a non-empty list of numbers, found []"),
    ("mixed", "[[1.0], 2.0]", "rows that are all lists (no mix of numbers and lists), found "
                              "[[1.0], 2.0]"),
    ("ragged", "[[1.0, 2.0], [3.0]]", "rows of equal length (row 0 has shape [2], row 1 has "
                                      "[1])"),
    ("five-deep", "[[[[[1.0]]]]]", "at most 4 dimensions (lists nested at most 4 deep)"),
    ("300-deep", "[" * 300 + "1.0" + "]" * 300,
     "at most 4 dimensions (lists nested at most 4 deep)"),
    ("string", '["a"]', f"{NUMBER}, found 'a'"), ("bool", "[true]", f"{NUMBER}, found True"),
    ("nan", "[nan]", f"{NUMBER}, found nan"), ("inf", "[1.0, inf]", f"{NUMBER}, found inf"),
    ("minus-inf", "[-inf]", f"{NUMBER}, found -inf"),
    ("1e300", "[1e300]", f"{NUMBER}, found 1e+300"),
    ("400-digits", f"[{BIG}]", f"{NUMBER}, found {BIG_SHOWN}"),
    ("below-range", "[-1000001]", f"{NUMBER}, found -1000001"),
    ("above-range", "[1000000.5]", f"{NUMBER}, found 1000000.5"),
    ("scalar-string", '"1,2"', f"{NUMBER}, found '1,2'"),
    ("9x9", "[" + ", ".join(["[" + ", ".join(["1.0"] * 9) + "]"] * 9) + "]",
     f"{SMALL}, found [9, 9]"),
]:
    CASES[f"values-{name}"] = (alpha_tensor(f"{{ values = {value} }}"),
                               T + f".values': expected {message}")
CODE = 'code = "y = features * weights"'
SAY = 'say = { 1 = "Twice x." }'
CODE_TEXT = "a non-empty string of PyTorch code (a TOML \"\"\" block)"
for name, old, new, message in [
    ("code-missing", CODE + "\n", "", f"'code': expected {CODE_TEXT}, found None"),
    ("code-list", CODE, 'code = ["y = 1"]', f"'code': expected {CODE_TEXT}, found ['y = 1']"),
    ("code-blank", CODE, 'code = "  "', f"'code': expected {CODE_TEXT}, found '  '"),
    ("code-table", CODE, 'code = { y = 1 }', f"'code': expected {CODE_TEXT}, found {{'y': 1}}"),
    ("code-rlo", CODE, r'code = "y = x \u202E* 2"',
     f"'code': expected {ONE_LINE}, found U+202E at character 7 of line 1"),
    ("code-nul", CODE, r'code = "y = 1\u0000"',
     f"'code': expected {ONE_LINE}, found U+0000 at character 6 of line 1"),
    ("code-zero-width-line-2", CODE, r'code = "y = 1\nz\u200D = 2"',
     f"'code': expected {ONE_LINE}, found U+200D at character 2 of line 2"),
    ("code-emoji", CODE, r'code = "y = 1  # \U0001F600"',
     "'code': expected text without emoji, found U+1F600 at character 10 of line 1"),
    ("say-list", SAY, 'say = ["Twice x."]',
     "'say': expected a table of line number = sentence, e.g. { 3 = \"...\" }, found "
     "['Twice x.']"),
    ("say-superscript-key", SAY, 'say = { "²" = "Twice x." }',
     "'say.²': expected a line number of the code, 1 to 1, found '²'"),
    ("say-line-0", SAY, 'say = { 0 = "Twice x." }',
     "'say.0': expected a line number of the code, 1 to 1, found '0'"),
    ("say-line-2", SAY, 'say = { 2 = "Twice x." }',
     "'say.2': expected a line number of the code, 1 to 1, found '2'"),
    ("say-word-key", SAY, 'say = { first = "Twice x." }',
     "'say.first': expected a line number of the code, 1 to 1, found 'first'"),
    ("say-sentence-list", SAY, 'say = { 1 = ["Twice"] }',
     "'say.1': expected a non-empty string, found ['Twice']"),
    ("say-sentence-empty", SAY, 'say = { 1 = "" }', "'say.1': expected a non-empty string, "
                                                    "found ''"),
    ("say-rlo", SAY, r'say = { 1 = "Tw\u202Eice" }',
     f"'say.1': expected {ONE_LINE}, found U+202E at character 3"),
    ("say-emoji", SAY, r'say = { 1 = "Twice \U0001F680" }',
     "'say.1': expected text without emoji, found U+1F680 at character 7"),
    ("say-newline", SAY, r'say = { 1 = "Twice\nx" }',
     f"'say.1': expected {ONE_LINE}, found U+000A at character 6"),
]:
    CASES[name] = (edit(old, new), A + "key " + message)


def _expected(name: str, text: str) -> str:
    tail = CASES[name][1]
    if not tail:  # the TOML reader's own words
        tail = f"expected valid TOML, found {toml_error(text)}"
    return tail


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _command(command: str, lesson: Path, media: Path) -> list[str]:
    if command == "trace":
        return ["trace", "--lesson", str(lesson)]
    return [command, "--lesson", str(lesson), "--media", str(media), "--quality", "test"]


def test_the_corpus_is_large_and_base_is_valid(tmp_path: Path) -> None:
    from core.lesson import parse_lesson

    assert len(CASES) >= 100
    assert [c.id for c in parse_lesson(BASE).clips] == ["alpha", "beta"]
    # Every case really changes the lesson.
    assert all(change(BASE) != BASE for change, _ in CASES.values())


@pytest.mark.parametrize("command", ["render", "list", "trace"])
def test_every_bad_lesson_is_one_exact_line_and_exit_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    media = tmp_path / "media"
    lesson = tmp_path / "bad.toml"
    wrong = []
    for name, (change, _) in CASES.items():
        text = change(BASE)
        lesson.write_text(text, encoding="utf-8")
        status, out, err = _run(_command(command, lesson, media), capsys)
        want = f"torchreel: {lesson}: {_expected(name, text)}\n"
        if (status, out, err) != (2, "", want):
            wrong.append((name, status, err, want))
    assert wrong == []
    assert not media.exists()  # nothing written, not even the folder


def _special_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    large = tmp_path / "large.toml"
    large.write_text(BASE + "#" * (1_048_576 - len(BASE.encode())) + "\n")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'title = "\xff"\n')
    newline = tmp_path / "two\nlines.toml"
    newline.write_text(BASE.replace("seed = 3", "seed = -1"))
    bidi = tmp_path / "evil\u202elmth.toml"
    bidi.write_text(BASE.replace("seed = 3", "seed = -1"))
    shown_newline = str(newline).replace("\n", "\\x0a")
    shown_bidi = str(bidi).replace("\u202e", "\\u202e")
    return {
        "dev-zero": (Path("/dev/zero"), "/dev/zero: expected a lesson file, found a character "
                                        "device"),
        "dev-null": (Path("/dev/null"), "/dev/null: expected a lesson file, found a character "
                                        "device"),
        "folder": (folder, f"{folder}: expected a lesson file, found a folder"),
        "named-pipe": (fifo, f"{fifo}: expected a lesson file, found a named pipe"),
        "over-1-mib": (large, f"{large}: expected a lesson file of at most 1048576 bytes, found "
                              f"a longer one"),
        "not-utf-8": (binary, f"{binary}: expected UTF-8 text, found byte 0xff at offset 9"),
        "missing": (tmp_path / "nope.toml", f"{tmp_path / 'nope.toml'}: no such lesson file"),
        "missing-with-newline": (tmp_path / "no\nsuch.toml",
                                 f"{tmp_path}/no\\x0asuch.toml: no such lesson file"),
        "newline-in-name": (newline, f"{shown_newline}: key 'seed': expected {SEED}, found -1"),
        "bidi-in-name": (bidi, f"{shown_bidi}: key 'seed': expected {SEED}, found -1"),
    }


@pytest.mark.parametrize("command", ["render", "list", "trace"])
def test_special_and_oversized_lesson_files(command: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    media = tmp_path / "media"
    for name, (path, message) in _special_files(tmp_path).items():
        status, out, err = _run(_command(command, path, media), capsys)
        assert (name, status, out, err) == (name, 2, "", f"torchreel: {message}\n")
    assert not media.exists()


def test_a_lesson_of_exactly_1_mib_is_read(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lesson = tmp_path / "full.toml"
    lesson.write_text(BASE + "#" * (1_048_576 - len(BASE.encode()) - 1) + "\n")
    assert lesson.stat().st_size == 1_048_576
    status, out, err = _run(["list", "--lesson", str(lesson), "--media",
                             str(tmp_path / "media"), "--quality", "test"], capsys)
    assert status == 0, err
    assert "alpha" in out


@pytest.mark.parametrize("args", [
    ["render", "--jobs", "0"], ["render", "--jobs", "-3"], ["render", "-j", "x"],
    ["render", "--jobs", "65"], ["render", "--jobs", "1e3"], ["watch", "--jobs", "0"],
    ["render", "--quality", "8k"], ["render", "--theme", "blue"], ["list", "--jobs", "2"],
    ["render", "--nope"], ["paint"], [],
], ids=lambda a: "-".join(a) or "nothing")
def test_option_errors_exit_2_like_argparse(args: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: torchreel")
    assert "Traceback" not in err


def test_jobs_message_names_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["render", "--jobs", "0"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "torchreel render: error: argument --jobs/-j: expected a whole number from 1 to 64, "
        "found '0'")


@pytest.mark.parametrize("name", ["title-rlo", "id-trailing-newline", "clips-10000",
                                  "values-300-deep", "seed-2-64"])
def test_a_few_through_a_real_process(name: str, tmp_path: Path) -> None:
    lesson = tmp_path / "bad.toml"
    text = CASES[name][0](BASE)
    lesson.write_text(text, encoding="utf-8")
    for command in ("render", "list", "trace"):
        run = torchreel(*_command(command, lesson, tmp_path / "media"))
        assert (run.returncode, run.stdout, run.stderr) == (
            2, "", f"torchreel: {lesson}: {_expected(name, text)}\n")
    assert not (tmp_path / "media").exists()
