"""Clip 1 drawn from its trace: numbers, frame and overlap checks at every step, golden frames."""

from __future__ import annotations

from scenes.elementwise import ElementwiseProduct
from tests.scenes.harness import Run, golden


def checks(run: Run) -> None:
    trace = run.scene.trace
    texts = run.texts()
    for step in trace.steps:
        assert f"{step.a} × {step.b} = {step.product}" in texts
    for value in trace.a.printed + trace.b.printed + trace.product.printed:
        assert value in texts
    assert trace.product.size_text in texts
    assert [s.name for s in run.scene.steps] == ["inputs", "multiply", "result", "closing"]
    for s in run.scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


test_elementwise_product_dark = golden(ElementwiseProduct, "dark", checks)
test_elementwise_product_light = golden(ElementwiseProduct, "light", checks)
