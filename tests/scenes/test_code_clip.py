"""Code clips played from their traces: every visual checked construct-only (the fast tier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.lesson import load_lesson
from core.model import OpKind, ProgramTrace
from core.trace import trace_clip
from core.tracer import trace_code
from scenes.theme import DARK, LIGHT
from tests.scenes.code_checks import check_code_run, run_code_clip

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "broadcasting.toml"

# One short snippet per visual the broadcasting lesson does not reach.
SNIPPETS = {
    "matmul": "a = torch.arange(6.).view(2, 3)\nb = torch.ones(3, 2)\nc = a @ b",
    "matmul-batch": "a = torch.ones(2, 1, 2)\nb = torch.ones(2, 1)\nc = a @ b",
    "matmul-error": "x = torch.ones(1, 5)\nw = torch.ones(1, 5)\ny = torch.mm(x, w)",
    "view-error": "v = torch.arange(5.)\nv.view(2, 3)",
    "resize": "g = torch.arange(5.)\nh = g.view(5)\ng.resize_(2, 2)\ng.resize_(2, 3)",
    "copy": "a = torch.arange(6.).view(2, 3)\nb = a.t()\nc = b.contiguous()",
    "bridge": "a = torch.ones(3)\nn = a.numpy()\na.mul_(2)",
}


def lesson_ids() -> list[str]:
    return [clip.id for clip in load_lesson(LESSON).clips]


@pytest.mark.parametrize("clip_id", lesson_ids())
def test_broadcasting_lesson_clip(clip_id: str, tmp_path: Path) -> None:
    trace = trace_clip(load_lesson(LESSON), clip_id)
    assert isinstance(trace, ProgramTrace)
    check_code_run(run_code_clip(trace, DARK, tmp_path))


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_visual_on_snippet(name: str, tmp_path: Path) -> None:
    trace = trace_code(SNIPPETS[name], "--code", 7)
    check_code_run(run_code_clip(trace, LIGHT, tmp_path))


def test_every_op_kind_is_played_somewhere() -> None:
    lesson = load_lesson(LESSON)
    traces = [trace_clip(lesson, clip.id) for clip in lesson.clips]
    kinds = {op.kind for t in traces if isinstance(t, ProgramTrace) for op in t.ops}
    kinds |= {op.kind for src in SNIPPETS.values() for op in trace_code(src, "--code", 7).ops}
    assert kinds == set(OpKind)
