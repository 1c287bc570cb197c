"""Clip 3 drawn from its trace: inputs, weights, Σ, bias, z and y as torch printed them."""

from __future__ import annotations

from manim import Circle, Line

from scenes.components.activation_plot import ActivationPlot
from scenes.components.network_diagram import NetworkDiagram
from scenes.neuron import NeuronOutput
from scenes.theme import DARK
from tests.scenes.harness import Run, golden


def checks(run: Run) -> None:
    trace = run.scene.trace
    texts = run.texts()
    for value in trace.features.printed + trace.weights.printed:
        assert value in texts
    assert f"Σ xᵢwᵢ = {trace.total.printed[0]}" in texts
    assert f"+ bias = {trace.bias.printed[0]}" in texts
    assert f"z = {trace.pre_activation.printed[0]}" in texts
    assert f"y = {trace.output.printed[0]}" in texts  # read off the curve
    assert trace.output.repr in texts  # and as torch prints it
    for facts in (trace.features, trace.weights, trace.total, trace.bias, trace.output):
        assert facts.size_text in texts
    for tick in trace.curve.x_ticks + trace.curve.y_ticks[1:]:
        assert tick in texts
    assert [s.name for s in run.scene.steps] == ["inputs", "weighted-sum", "bias",
                                                 "activation", "output", "closing"]
    assert trace.output.repr in run.scene.steps[-2].caption
    assert 20 <= sum(s.end - s.start for s in run.scene.steps) <= 45


def test_network_diagram_edges_follow_weight_order() -> None:
    net = NetworkDiagram([3, 2], DARK, edge_labels=[["a", "b", "c", "d", "e", "f"]])
    assert [len(layer) for layer in net.layers] == [3, 2]
    assert all(isinstance(u, Circle) for layer in net.layers for u in layer)
    assert len(net.edges[0]) == 6 and all(isinstance(e, Line) for e in net.edges[0])
    # Edge (i, j) starts at input i and ends at unit j: the order of W[i, j].
    edge = net.edge(0, 2, 1)
    assert abs(edge.get_start()[1] - net.unit(0, 2).get_y()) < 0.3
    assert abs(edge.get_end()[1] - net.unit(1, 1).get_y()) < 0.3
    assert [tag[1].original_text for tag in net.edge_labels[0]] == list("abcdef")


def test_activation_plot_draws_no_latex_and_reads_the_curve() -> None:
    from core.arithmetic import NeuronTrace
    from core.lesson import load_lesson
    from core.trace import trace_of

    trace = trace_of(load_lesson(), "neuron", NeuronTrace)
    plot = ActivationPlot(trace.curve, DARK, x_name="z", y_name="σ(z)")
    ticks = [t.original_text for t in plot.tick_labels]
    assert set(ticks) <= set(trace.curve.x_ticks + trace.curve.y_ticks)
    x, y = trace.pre_activation.values[0], trace.output.values[0]
    assert x is not None and y is not None
    reading = plot.read(x, y, "z", "y")
    dot = reading[2]
    assert abs(plot.axes.p2c(dot.get_center())[1] - y) < 1e-6


test_neuron_dark = golden(NeuronOutput, "dark", checks)
test_neuron_light = golden(NeuronOutput, "light", checks)
