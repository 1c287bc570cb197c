"""Lesson files: the default lesson parses, and every kind of bad input gets one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.lesson import KINDS, MAX_ELEMENTS, default_lesson_path, load_lesson
from studio.cli import main

GOOD_CLIP = """
[[clips]]
id = "{id}"
kind = "elementwise-product"
title = "Product"
tensors.features = {{ shape = [1, 5] }}
tensors.weights = {{ like = "features" }}
code = "features * weights"
"""


def lesson_text(body: str = "", *, clip_id: str = "product", header: str | None = None) -> str:
    head = header if header is not None else 'title = "T"\nseed = 7\n'
    return head + GOOD_CLIP.format(id=clip_id) + body


def run_trace(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "lesson.toml"
    path.write_text(text, encoding="utf-8")
    status = main(["trace", "--lesson", str(path)])
    err = capsys.readouterr().err
    return status, err


def test_default_lesson_has_a_clip_of_every_kind() -> None:
    lesson = load_lesson()
    assert len(lesson.clips) == 12
    assert {clip.kind for clip in lesson.clips} == set(KINDS) - {"code"}
    assert len({clip.id for clip in lesson.clips}) == 12


def test_default_lesson_is_the_notebook_setup() -> None:
    import torch

    from core.arithmetic import NeuronTrace
    from core.trace import trace_of

    lesson = load_lesson()
    clip = lesson.clip("neuron")
    assert clip.seed == 7
    torch.manual_seed(7)
    features = torch.randn((1, 5))
    weights = torch.randn_like(features)
    bias = torch.randn((1, 1))
    # The clip's code draws them the notebook's way, right after the seed.
    trace = trace_of(lesson, "neuron", NeuronTrace)
    for facts, made in ((trace.features, features), (trace.weights, weights),
                        (trace.bias, bias)):
        assert facts.values == tuple(made.flatten().tolist())


BAD = [
    pytest.param('title = "T"\n[[clips]\n', None, None, "valid TOML", id="malformed-toml"),
    pytest.param(lesson_text('[[clips]]\nid = "x"\nkind = "dance"\ntitle = "t"\n'),
                 "x", "kind", "one of elementwise-product", id="unknown-kind"),
    pytest.param(lesson_text().replace('title = "Product"', 'title = "Product"\ncolour = 1'),
                 "product", "colour", "one of the keys", id="unknown-key"),
    pytest.param(lesson_text(GOOD_CLIP.format(id="product")), "product", "id", "a unique id",
                 id="duplicate-id"),
    pytest.param(lesson_text(clip_id="../x"), "#1", "id", "letters, digits", id="unsafe-id-path"),
    pytest.param(lesson_text(clip_id="my clip"), "#1", "id", "letters, digits",
                 id="unsafe-id-space"),
    pytest.param(lesson_text().replace('title = "Product"', "title = 3"), "product", "title",
                 "a non-empty string", id="wrong-type"),
    pytest.param(lesson_text().replace("{ shape = [1, 5] }", '{ values = [["a", 2]] }'),
                 "product", "tensors.features.values", "a finite number",
                 id="non-numeric-value"),
    pytest.param(lesson_text().replace("{ shape = [1, 5] }", "{ values = [[1, 2], [3]] }"),
                 "product", "tensors.features.values", "rows of equal length", id="ragged-rows"),
    pytest.param(lesson_text().replace("{ shape = [1, 5] }", "{ shape = [0, 5] }"),
                 "product", "tensors.features.shape", "sizes of at least 1", id="zero-size"),
    pytest.param(lesson_text().replace("{ shape = [1, 5] }", "{ shape = [-2, 5] }"),
                 "product", "tensors.features.shape", "sizes of at least 1",
                 id="negative-size"),
    pytest.param(lesson_text().replace("{ shape = [1, 5] }", "{ shape = [9, 9] }"),
                 "product", "tensors.features.shape", f"{MAX_ELEMENTS} elements",
                 id="too-large"),
    pytest.param(lesson_text().replace("{ shape = [1, 5] }", "{ shape = [1, 5], fill = 3 }"),
                 "product", "tensors.features.fill", "one of randn", id="bad-fill"),
    pytest.param(lesson_text().replace('{ like = "features" }', '{ like = "nobody" }'),
                 "product", "tensors.weights.like", "a tensor listed before", id="bad-like"),
    pytest.param(lesson_text().replace("tensors.weights", "tensors.extra"),
                 "product", "code", "the name 'weights' before it is defined",
                 id="unknown-tensor"),
    pytest.param(lesson_text(header='title = "T"\nseed = "seven"\n'), None, "seed",
                 "a whole number", id="bad-seed"),
    pytest.param(lesson_text().replace('{ like = "features" }', "{ shape = [1, 4] }"),
                 "product", "code", "an element-wise product of two tensors of one shape",
                 id="shape-mismatch"),
]


@pytest.mark.parametrize(("text", "clip", "key", "expected"), BAD)
def test_bad_input_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, clip: str | None,
    key: str | None, expected: str,
) -> None:
    status, err = run_trace(tmp_path, text, capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert str(tmp_path / "lesson.toml") in line
    if clip is not None:
        assert f"clip '{clip}'" in line
    if key is not None:
        assert f"key '{key}'" in line
    assert f"expected {expected}" in line or expected in line
    assert "Traceback" not in err


def test_view_shape_torch_refuses_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = default_lesson_path().read_text().replace("v = weights.view(5, 1)",
                                                     "v = weights.view(3, 1)")
    status, err = run_trace(tmp_path, text, capsys)
    assert status == 2
    assert "clip 'view': key 'code': line 4:0: reading 'v' is not allowed (line 3 raised" in err
    import torch

    with pytest.raises(RuntimeError) as raised:
        torch.randn(1, 5).view(3, 1)
    assert str(raised.value) in err


def test_a_retired_setting_says_what_code_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = default_lesson_path().read_text().replace(
        'kind = "view"\n', 'kind = "view"\nview_shape = [5, 1]\n')
    status, err = run_trace(tmp_path, text, capsys)
    assert status == 2
    assert "clip 'view': key 'view_shape': expected the clip's code instead" in err
    assert "`v = weights.view(5, 1)`" in err


@pytest.mark.parametrize(("key", "value", "line"), [
    ("column_shape", "[5, 1]", "torch.mm(features, weights.view(5, 1))"),
    ("vector_case", "[[3, 4], [4]]", "y = torch.matmul(features, weights)"),
    ("batch_case", "[[2, 1, 3, 4], [5, 4, 2]]", "Z = torch.matmul(X, Y)"),
])
def test_mm_vs_matmul_settings_became_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str, line: str
) -> None:
    text = default_lesson_path().read_text().replace(
        'kind = "mm-vs-matmul"\n', f'kind = "mm-vs-matmul"\n{key} = {value}\n')
    status, err = run_trace(tmp_path, text, capsys)
    assert status == 2
    assert f"clip 'mm-vs-matmul': key '{key}': expected the clip's code instead" in err
    assert f"`{line}`" in err


# The line a story needs becomes a harmless one, so the lines after it (and `say`) keep their
# numbers.
@pytest.mark.parametrize(("clip", "old", "new", "expected"), [
    ("matmul-shapes", "(1, 1))\ntorch.mm(features, weights)\n", "(1, 1))\nfeatures.shape\n",
     "a torch.mm whose inner sizes differ, e.g. torch.mm(features, weights)"),
    ("mm-vs-matmul", "torch.mm(features, W)\n", "W.shape\n",
     "torch.mm given a 2-d and a batched tensor, e.g. torch.mm(features, W)"),
])
def test_a_matmul_story_the_code_does_not_tell_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clip: str, old: str, new: str,
    expected: str
) -> None:
    text = default_lesson_path().read_text()
    assert text.count(old) == 1
    status, err = run_trace(tmp_path, text.replace(old, new), capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert f"clip '{clip}': key 'code': expected {expected}" in err


@pytest.mark.parametrize(("kind", "line"), [
    ("neuron", "y = torch.sigmoid(torch.sum(features * weights) + bias)"),
    ("two-layer-network", "h = torch.sigmoid(features @ W1 + B1)"),
    ("matmul-shapes", "y = torch.sigmoid(torch.mm(features, column) + bias)"),
])
def test_the_activation_is_read_from_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, line: str
) -> None:
    text = default_lesson_path().read_text().replace(
        f'kind = "{kind}"\n', f'kind = "{kind}"\nactivation = "tanh"\n')
    status, err = run_trace(tmp_path, text, capsys)
    assert status == 2
    assert f"clip '{kind}': key 'activation': expected the clip's code instead" in err
    assert f"`{line}`" in err


def test_a_story_the_code_does_not_tell_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = default_lesson_path().read_text().replace(
        "y = torch.sigmoid(torch.sum(features * weights) + bias)",
        "y = torch.sum(features * weights) + bias")
    status, err = run_trace(tmp_path, text, capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert ("clip 'neuron': key 'code': expected an activation of the sum plus bias, e.g. "
            "torch.sigmoid(...), found mul, sum, add") in err


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status = main(["trace", "--lesson", str(tmp_path / "none.toml")])
    assert status == 2
    assert "none.toml: no such lesson file" in capsys.readouterr().err


def test_unknown_clip_on_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "no-such-clip"]) == 2
    assert "no clip 'no-such-clip'" in capsys.readouterr().err


def test_command_line_process_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(lesson_text(clip_id="../x"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "studio.cli", "trace", "--lesson", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "key 'id'" in done.stderr


CODE_CLIP = '''
[[clips]]
id = "snip"
title = "Snippet"
code = """
x = torch.arange(3.).view(3, 1)
y = x + 1
"""
'''

BAD_CODE = [
    pytest.param('[[clips]]\nid = "snip"\ntitle = "Snippet"\ncode = 3\n', "code",
                 "a non-empty string of PyTorch code", id="code-not-a-string"),
    pytest.param(CODE_CLIP.replace("y = x + 1", "import os"), "code",
                 "line 2:0: import is not allowed", id="code-import"),
    pytest.param(CODE_CLIP.replace("y = x + 1", "y = open('f')"), "code",
                 "line 2:4: a call of 'open' is not allowed", id="code-open"),
    pytest.param(CODE_CLIP + 'say = { 9 = "no such line" }\n', "say.9",
                 "a line number of the code, 1 to 2", id="say-line-out-of-range"),
    pytest.param(CODE_CLIP + 'say = { 1 = 5 }\n', "say.1", "a non-empty string",
                 id="say-not-a-string"),
    pytest.param(CODE_CLIP + 'say = "words"\n', "say", "a table of line number",
                 id="say-not-a-table"),
    pytest.param(CODE_CLIP + 'tensors."bad name" = { shape = [2] }\n', "tensors.bad name",
                 "a Python name", id="input-not-a-name"),
    pytest.param(CODE_CLIP.replace("y = x + 1", "y = x.view(5, 5, 5)"), "code",
                 None, id="torch-error-is-not-bad-input"),
]


@pytest.mark.parametrize(("clip", "key", "expected"), BAD_CODE)
def test_bad_code_clip_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clip: str, key: str,
    expected: str | None,
) -> None:
    status, err = run_trace(tmp_path, 'title = "T"\nseed = 7\n' + clip, capsys)
    if expected is None:  # a torch error is a result the clip shows, not bad input
        assert status == 0, err
        return
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"clip 'snip': key '{key}'" in lines[0]
    assert expected in lines[0]


def test_code_clip_traces_with_its_inputs_and_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    import torch

    clip = CODE_CLIP.replace('title = "Snippet"', 'title = "Snippet"\n'
                             'tensors.w = { shape = [3, 1] }\nsay = { 2 = "add one" }')
    clip = clip.replace("y = x + 1", "y = x + w")
    status, _ = run_trace(tmp_path, 'title = "T"\nseed = 7\n' + clip, capsys)
    assert status == 0
    status = main(["trace", "--lesson", str(tmp_path / "lesson.toml")])
    data = json.loads(capsys.readouterr().out)["traces"][0]
    torch.manual_seed(7)
    w = torch.randn(3, 1)
    y = torch.arange(3.0).view(3, 1) + w
    tensors = {t["name"]: t for t in data["tensors"]}
    assert tensors["y"]["values"] == y.reshape(-1).tolist()
    assert data["statements"][1]["say"] == "add one"
