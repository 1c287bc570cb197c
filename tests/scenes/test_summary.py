"""Clip 12 drawn from its trace: the table filled from trace.rows, each answer's evidence shown
with the clips that showed it; the poster is the table."""

from __future__ import annotations

from typing import Any

from scenes.summary import SummaryTable, cited_clips
from tests.scenes.harness import Run, golden
from tests.scenes.memory_checks import check_legible


def _words(block: Any) -> str:
    return " ".join(line.original_text for line in block)


def checks(run: Run) -> None:
    scene: Any = run.scene
    t = scene.trace
    assert [s.name for s in scene.steps] == [
        *(f"row-{row.operation}" for row in t.rows), "table", "closing"]
    # The header and every answer are the trace's, in its order.
    assert [_words(b) for b in scene.head.texts][1:] == list(t.columns)
    for row, drawn in zip(t.rows, scene.rows, strict=True):
        assert [_words(b) for b in drawn.texts] == [row.operation,
                                                    *(c.answer for c in row.cells)]
    # Each row's card shows, for every answer, the traced evidence and the clip behind it.
    for row, card in zip(t.rows, scene.cards, strict=True):
        assert card.title.original_text == row.operation
        for column, cell, item in zip(t.columns, row.cells, card.items, strict=True):
            head, body = item
            assert _words(head) == f"{column} {cell.answer}"
            assert _words(body).split() == f"← {cell.evidence} ({cited_clips(cell)})".split()
    # The closing frame, the poster, is the table itself: every answer is on it.
    poster = " ".join(label.text for label in run.snapshots[-1].labels)
    for row in t.rows:
        for cell in row.cells:
            assert " ".join(cell.answer.split()) in " ".join(poster.split())
    assert t.title in poster
    check_legible(run)
    for s in scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


test_summary_dark = golden(SummaryTable, "dark", checks)
test_summary_light = golden(SummaryTable, "light", checks)
