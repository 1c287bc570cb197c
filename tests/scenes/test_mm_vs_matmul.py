"""Clip 5 drawn from its trace: mm's real errors, matmul's shapes derived dimension by dimension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.model import Span
from scenes.mm_vs_matmul import ROLES, DimTable, MmVersusMatmul, ShapeBlock, _code_name
from scenes.theme import DARK
from tests.scenes.harness import Run, construct_only, golden


def checks(run: Run) -> None:
    trace = run.scene.trace
    texts = run.texts()
    shown = " ".join(texts)
    for label in ("mm-vector", "mm-batch", "mm-stray"):
        case = trace.case(label)
        assert case.error is not None and case.result is None
        assert case.error.message in shown and f">>> {case.error.code}" in texts
    for label in ("matmul-vector", "matmul-batch", "matmul-stray"):
        case = trace.case(label)
        assert case.result is not None and case.plan.dims
        assert case.result.size_text in texts
        for dim in case.plan.dims:
            assert ROLES[dim.role] in texts
            for size in (dim.a, dim.b, dim.out):
                if size is not None:
                    assert str(size) in texts
    vector, column = trace.case("matmul-vector"), trace.case("column")
    assert vector.result is not None and column.result is not None
    for value in vector.result.printed + column.result.printed:
        assert value in texts
    assert column.result.size_text in texts
    stray = trace.case("matmul-stray").result
    assert stray is not None
    # The surprises: shapes only matmul returns (mm raised on the same operands).
    for got in (vector.result, stray):
        assert f"✗ {tuple(got.shape)}, not {tuple(column.result.shape)}: no error, where " \
               f"torch.mm raised" in texts
    assert [s.name for s in run.scene.steps] == ["mm-vector", "matmul-vector", "vector-surprise",
                                                 "mm-batch", "matmul-batch", "mm-stray",
                                                 "matmul-stray", "closing"]
    assert 20 <= sum(s.end - s.start for s in run.scene.steps) <= 65


def test_dim_table_has_one_row_per_dim() -> None:
    from core.lesson import load_lesson
    from core.matmul import MmVsMatmulTrace
    from core.trace import trace_of

    case = trace_of(load_lesson(), "mm-vs-matmul", MmVsMatmulTrace).case("matmul-batch")
    table = DimTable(case, DARK)
    assert len(table.rows) == len(case.plan.dims)
    first = [m.original_text for m in table.rows[1]]
    assert first == [ROLES["batch"], "1", "5", "5"]
    assert case.result is not None
    block = ShapeBlock(case.result, DARK, DARK.result)
    assert len(block.slices) == 3  # further slices drawn as (at most 3) outlines


def test_code_names_break_at_the_top_level_comma() -> None:
    assert _code_name("torch.matmul(X, Y)") == ["torch.matmul(X, Y)"]
    assert _code_name("torch.matmul(features, weights.view(5, 1))") == [
        "torch.matmul(features,", "  weights.view(5, 1))"]


def test_code_marks_follow_the_ops_spans(tmp_path: Path) -> None:
    marked: list[Span] = []

    class Marked(MmVersusMatmul):
        def point_at_span(self, span: Span) -> None:
            marked.append(span)
            super().point_at_span(span)

    run: Any = construct_only(Marked, DARK, tmp_path)
    t = run.scene.trace
    assert marked == [c.span for c in t.cases]
    assert [span.text(t.program.source) for span in marked] == [
        "torch.mm(features, weights)", "torch.matmul(features, weights)",
        "torch.mm(features, weights.view(5, 1))", "torch.mm(X, Y)", "torch.matmul(X, Y)",
        "torch.mm(features, W)", "torch.matmul(features, W)"]


test_mm_vs_matmul_dark = golden(MmVersusMatmul, "dark", checks)
test_mm_vs_matmul_light = golden(MmVersusMatmul, "light", checks)
