"""The command line: help on every command, and bad input refused in one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.cli import build_parser
from studio.manifest import read_manifest
from tests.studio.conftest import TINY_LESSON, copy_build, snapshot, torchreel

COMMANDS = ["list", "render", "watch", "storyboard", "trace"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: torchreel " + command)
    assert "test" not in text  # the test preset stays hidden


BAD_LESSONS = {
    "wrong-type": (TINY_LESSON.replace("shape = [1, 2] }", 'shape = "big" }', 1),
                   ["tiny.toml", "'alpha'", "'tensors.features.shape'", "expected a shape"]),
    "unknown-key": (TINY_LESSON.replace('kind = "elementwise-product"',
                                        'kind = "elementwise-product"\ncolour = 1', 1),
                    ["tiny.toml", "'alpha'", "'colour'", "expected one of the keys"]),
    "bad-toml": (TINY_LESSON + "\n[[clips]\n", ["tiny.toml", "expected valid TOML"]),
    "too-big": (TINY_LESSON.replace("shape = [1, 2]", "shape = [9, 9]", 1),
                ["tiny.toml", "'alpha'", "expected a tensor small enough"]),
}


@pytest.mark.parametrize("case", list(BAD_LESSONS))
def test_bad_lesson_is_one_line_exit_2_and_nothing_is_lost(built: Path, tmp_path: Path,
                                                          case: str) -> None:
    media = copy_build(built, tmp_path)
    before = snapshot(media)
    text, needles = BAD_LESSONS[case]
    lesson = tmp_path / "tiny.toml"
    lesson.write_text(text)
    run = torchreel("render", "--lesson", str(lesson), "--media", str(media), "--quality",
                    "test", "--gif")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("torchreel: ")
    for needle in needles:
        assert needle in lines[0]
    assert snapshot(media) == before


@pytest.mark.parametrize("args", [["render", "gamma"], ["list", "gamma"],
                                  ["storyboard", "gamma"], ["trace", "gamma"]],
                         ids=["render", "list", "storyboard", "trace"])
def test_unknown_clip_is_refused(built: Path, tmp_path: Path, args: list[str]) -> None:
    media = copy_build(built, tmp_path)
    before = snapshot(media)
    extra = [] if args[0] == "trace" else ["--media", str(media), "--quality", "test"]
    run = torchreel(*args, "--lesson", str(tmp_path / "tiny.toml"), *extra)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"torchreel: {tmp_path / 'tiny.toml'}: no clip 'gamma' (the lesson has: alpha, beta)"]
    assert snapshot(media) == before


def test_missing_lesson_file(tmp_path: Path) -> None:
    run = torchreel("render", "--lesson", str(tmp_path / "nope.toml"), "--media",
                    str(tmp_path / "m"))
    assert run.returncode == 2
    assert run.stderr.strip() == f"torchreel: {tmp_path / 'nope.toml'}: no such lesson file"


def test_list_and_storyboard_on_an_up_to_date_build(built: Path, tmp_path: Path) -> None:
    media = copy_build(built, tmp_path)
    lesson = str(tmp_path / "tiny.toml")
    listing = torchreel("list", "--lesson", lesson, "--media", str(media), "--quality", "test")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.count("up to date") == 2
    other = torchreel("list", "--lesson", lesson, "--media", str(media), "--quality", "test",
                      "--theme", "light")
    assert other.stdout.count("out of date") == 2
    board = torchreel("storyboard", "--lesson", lesson, "--media", str(media), "--quality",
                      "test", "--gif")
    assert board.returncode == 0, board.stderr
    sheets = [line for line in board.stdout.splitlines() if line.endswith("-storyboard.png")]
    manifest = read_manifest(media)
    assert sheets == [str(media / manifest.clips[c].files["storyboard"])
                      for c in ("alpha", "beta")]
    assert all(Path(s).is_file() for s in sheets)
