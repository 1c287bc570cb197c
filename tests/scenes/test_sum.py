"""Clip 2 drawn from its trace: every running total, both spellings, the 0-d size, golden frames."""

from __future__ import annotations

from scenes.sum import SumTwoWays
from tests.scenes.harness import Run, golden


def checks(run: Run) -> None:
    trace = run.scene.trace
    texts = run.texts()
    for step in trace.steps:
        assert step.running_total in texts
        assert step.product in texts
    assert trace.total_function.printed[0] in texts
    assert trace.total_method.printed[0] in texts
    assert trace.total_function.name in texts and trace.total_method.name in texts
    assert trace.total_function.size_text == "torch.Size([])"
    assert trace.total_function.size_text in texts
    assert ("=" in texts) == trace.totals_equal
    assert [s.name for s in run.scene.steps] == ["products", "running-total", "two-ways",
                                                 "zero-d", "closing"]
    two_ways = next(s for s in run.scene.steps if s.name == "two-ways")
    assert trace.total_function.printed[0] in two_ways.caption
    for s in run.scene.steps:
        assert s.end - s.start >= len(s.caption) / 15 - 1e-6


test_sum_dark = golden(SumTwoWays, "dark", checks)
test_sum_light = golden(SumTwoWays, "light", checks)
