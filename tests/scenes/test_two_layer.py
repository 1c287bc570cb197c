"""Clip 11 drawn from its trace: every value of the forward pass and every intermediate's shape."""

from __future__ import annotations

from scenes.two_layer import TwoLayerForwardPass
from tests.scenes.harness import Run, golden


def checks(run: Run) -> None:
    trace = run.scene.trace
    texts = run.texts()
    for facts in trace.inputs:
        assert facts.size_text in texts
    for value in trace.inputs[0].printed + trace.inputs[1].printed + trace.inputs[2].printed:
        assert value in texts  # features at the inputs, W1 and W2 on the edges
    for stage in trace.stages:
        # Every intermediate: its values on the units and its shape in the flow panel.
        for value in stage.tensor.printed:
            assert value in texts, (stage.code, value)
        assert stage.tensor.size_text in texts
    y = trace.stages[-1].tensor
    assert y.repr is not None and y.repr in run.scene.steps[-2].caption
    assert [s.name for s in run.scene.steps] == ["network", "hidden-sum", "hidden-activation",
                                                 "output-layer", "output", "closing"]
    # The three inputs arrive as tensors whose cells travel onto the diagram (about 13 s).
    assert 20 <= sum(s.end - s.start for s in run.scene.steps) <= 60


test_two_layer_network_dark = golden(TwoLayerForwardPass, "dark", checks)
test_two_layer_network_light = golden(TwoLayerForwardPass, "light", checks)
