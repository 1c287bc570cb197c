"""Clip 4 drawn from its trace: the inner sizes, torch's exact error, the view, the dot product."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.model import Span
from scenes.matmul_shapes import MatmulNeedsMatchingShapes, ShapeProduct
from scenes.theme import DARK
from tests.scenes.harness import Run, construct_only, golden


def checks(run: Run) -> None:
    trace = run.scene.trace
    texts = run.texts()
    failed, fixed = trace.failed, trace.fixed
    assert failed.error is not None and fixed.result is not None
    # The message may be wrapped over lines on the card: compare after joining them.
    shown = " ".join(texts)
    assert failed.error.message in shown
    assert f"✗ {failed.error.type}" in texts
    assert f">>> {failed.error.code}" in texts
    assert trace.old_message in texts  # the lecture's wording, said to be older PyTorch's
    assert f"inner sizes {failed.inner[0]} ≠ {failed.inner[1]}  ✗" in texts
    assert "(1, 5) @ (1, 5)" in texts and "(1, 5) @ (5, 1)" in texts
    assert trace.column.size_text in texts and trace.column.name in texts
    for term in trace.dot:
        assert f"{term.a} × {term.b} = {term.product}" in texts
        assert f"Σ {term.running}" in texts
    assert fixed.result.printed[0] in texts and fixed.result.size_text in texts
    assert trace.output.printed[0] in shown
    assert any("same as the neuron clip" in t for t in texts) == trace.same_as_neuron
    assert [s.name for s in run.scene.steps] == ["mismatch", "error", "rule", "view", "match",
                                                 "dot", "activation", "closing"]
    assert 20 <= sum(s.end - s.start for s in run.scene.steps) <= 60
    # The code marks point at the ops' own spans, not at searched substrings.
    ops = trace.program.ops
    assert [ops[i].code for i in (trace.column_op, trace.bias_op, trace.activation_op)] == [
        "weights.view(5, 1)", "torch.mm(features, column) + bias",
        "torch.sigmoid(torch.mm(features, column) + bias)"]


def test_shape_product_finds_each_dimension() -> None:
    shapes = ShapeProduct((2, 1, 3, 4), (5, 4, 2), 24, "#FFFFFF", "DejaVu Sans Mono")
    assert shapes.source == "(2, 1, 3, 4) @ (5, 4, 2)"
    assert len(shapes.dims("a", -1)) == 1 and len(shapes.dims("b", 0)) == 1
    # The glyph found for a's last size sits left of b's first one.
    assert shapes.dims("a", -1).get_x() < shapes.dims("b", 0).get_x()


def test_code_marks_follow_the_ops_spans(tmp_path: Path) -> None:
    marked: list[Span] = []

    class Marked(MatmulNeedsMatchingShapes):
        def point_at_span(self, span: Span) -> None:
            marked.append(span)
            super().point_at_span(span)

    run: Any = construct_only(Marked, DARK, tmp_path)
    t = run.scene.trace
    ops = t.program.ops
    assert marked == [t.failed.span, ops[t.column_op].span, t.fixed.span, ops[t.bias_op].span,
                      ops[t.activation_op].span]
    source = t.program.source
    assert [span.text(source) for span in marked] == [
        "torch.mm(features, weights)", "weights.view(5, 1)", "torch.mm(features, column)",
        "torch.mm(features, column) + bias", "torch.sigmoid(torch.mm(features, column) + bias)"]


test_matmul_shapes_dark = golden(MatmulNeedsMatchingShapes, "dark", checks)
test_matmul_shapes_light = golden(MatmulNeedsMatchingShapes, "light", checks)
