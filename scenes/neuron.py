"""Clip 3: one neuron, ``y = σ(Σ xᵢwᵢ + b)``, drawn as a network and read off its curve."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    FadeIn,
    Group,
    ShowPassingFlash,
    SurroundingRectangle,
    VGroup,
    Write,
)

from core.arithmetic import NeuronTrace
from core.model import TensorFacts
from scenes.base import TraceScene, bound_or
from scenes.components.activation_plot import ActivationPlot, activation_symbol
from scenes.components.network_diagram import NetworkDiagram
from scenes.components.storage_strip import cell_width_for
from scenes.components.tensor_grid import size_badge
from scenes.components.text import label, mono
from scenes.stage import Figure, tensor_colors

__all__ = ["NeuronOutput"]


class NeuronOutput(TraceScene[NeuronTrace]):
    """Five weighted inputs summed into one unit, plus the bias, through the activation."""

    clip_id = "neuron"
    trace_type = NeuronTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        act = activation_symbol(t.activation)
        ops = t.program.ops
        # Each tensor in its lesson colour (the same as in every other clip).
        colors = tensor_colors(t.program, th)
        cf, cw = colors[t.features.name], colors[t.weights.name]
        self.show_program(t.program)
        net = NetworkDiagram([t.features.numel, 1], th, layer_gap=3.0, node_gap=0.58,
                             colors=[cf, th.text], symbols=[[], ["Σ"]], edge_colors=[cw],
                             input_labels=t.features.printed, edge_labels=[t.weights.printed],
                             label_at=0.35)
        # The tensors as the other clips draw them: their cells carry the values into the
        # diagram (each value on screen is one mobject from the tensor to its unit or edge).
        cell_theme = replace(th, cell_size=th.small_size + 1)
        w = cell_width_for(cell_theme, *t.features.printed, *t.weights.printed, fill=0.9)
        tensors = [Figure(facts, cell_theme, color, w, 0.4)
                   for facts, color in ((t.features, cf), (t.weights, cw))]
        features = self._name_row(t.features.name, t.features, cf)
        features.next_to(net, UP, buff=0.15).align_to(net, LEFT)
        weights = self._name_row(t.weights.name, t.weights, cw)
        # Under the edges that carry the weights, kept within the diagram's width.
        weights.next_to(net, DOWN, buff=0.15).align_to(net, RIGHT)
        readouts = VGroup(
            self._readout("Σ xᵢwᵢ", t.total, th.text),
            self._readout(t.bias.name, t.bias, colors[t.bias.name], sign="+ "),
            self._readout("z", t.pre_activation, th.text),
            self._readout("y", t.output, th.highlight),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        readouts.next_to(net.layers[1], RIGHT, buff=0.5)
        plot = ActivationPlot(t.curve, th, width=3.6, height=2.3, x_name="z",
                              y_name=f"y = {act}(z)")
        layout = VGroup(VGroup(features, net, weights), readouts, plot)
        layout.arrange(RIGHT, buff=0.35)
        self.fit_between_code_and_caption(layout)
        # Before the readouts and the curve are drawn, their place holds the two tensors.
        Group(*tensors).arrange(DOWN, buff=0.45, aligned_edge=LEFT).move_to(
            VGroup(readouts, plot))
        reading = plot.read(t.pre_activation.values[0] or 0.0, t.output.values[0] or 0.0,
                            f"z = {t.pre_activation.printed[0]}", f"y = {t.output.printed[0]}")

        # Section: the inputs and their weights
        self.step("inputs", f"{t.features.numel} inputs (the features) each reach the unit "
                            f"along an edge that carries its weight.")
        self.point_at_line(bound_or(t.program, t.features.name, ops[t.product_op].span.line))
        self.cells_into(tensors[0], net.input_labels, FadeIn(net.layers), [], *features)
        self.point_at_line(bound_or(t.program, t.weights.name, ops[t.product_op].span.line))
        tags: list[Any] = list(net.edge_labels[0])
        self.cells_into(tensors[1], VGroup(*(tag[1] for tag in tags)), Create(net.edges),
                        [tag[0] for tag in tags], *weights)

        # Section: Σ xᵢwᵢ
        self.step("weighted-sum", "The unit multiplies each input by its weight "
                                  "and adds the products up: Σ xᵢwᵢ.")
        self.point_at_span(ops[t.sum_op].span)
        flashes = [ShowPassingFlash(edge.copy().set_stroke(th.highlight, width=6),
                                    time_width=0.6) for edge in net.edges[0]]
        self.play(AnimationGroup(*flashes), run_time=1.0)
        self.play(Write(net.symbols), FadeIn(readouts[0], shift=RIGHT * 0.2), run_time=0.7)

        # Section: + bias
        self.step("bias", "Adding the bias gives the pre-activation z.")
        self.point_at_span(ops[t.bias_op].span)
        self.play(FadeIn(readouts[1], shift=RIGHT * 0.2), run_time=0.5)
        self.play(FadeIn(readouts[2], shift=RIGHT * 0.2), run_time=0.5)

        # Section: the activation
        self.step("activation", f"The {t.activation} maps z to y: find z on the x axis, "
                                f"read y off the curve.")
        self.point_at_span(ops[t.activation_op].span)
        self.play(FadeIn(plot.axes), FadeIn(plot.tick_labels), FadeIn(plot.x_name),
                  FadeIn(plot.y_name), Create(plot.graph), run_time=1.0)
        up, across, dot, x_value, y_value = reading
        self.play(FadeIn(x_value), Create(up), run_time=0.6)
        self.play(FadeIn(dot), Create(across), FadeIn(y_value), run_time=0.6)

        # Section: y as torch prints it
        self.step("output", f"The neuron's output: y = {t.output.repr}, as torch prints it.")
        self.point_at_line(ops[t.activation_op].span.line)
        self.play(FadeIn(readouts[3], shift=RIGHT * 0.2), run_time=0.6)
        self.play(Create(SurroundingRectangle(readouts[3], color=th.highlight, buff=0.1,
                                              stroke_width=5)), run_time=0.6)

        self.closing(f"A neuron is a weighted sum plus a bias, passed through {act}.")

    def _name_row(self, name: str, facts: TensorFacts, color: str) -> VGroup:
        """A tensor's name and its size badge on one line."""
        th = self.theme
        return VGroup(label(name, th, th.body_size, color),
                      size_badge(facts.size_text, th)).arrange(RIGHT, buff=0.25)

    def _readout(self, name: str, facts: TensorFacts, color: str, sign: str = "") -> VGroup:
        """``name = value`` for a one-element tensor, with its size badge underneath."""
        th = self.theme
        if name == "y" and facts.repr:
            # The output as torch prints it, on its own line: the repr is long.
            words = VGroup(mono(f"{name} =", th, th.small_size + 2, color),
                           mono(facts.repr, th, th.small_size + 2, color))
        else:
            words = VGroup(mono(f"{sign}{name} = {facts.printed[0]}", th, th.small_size + 2,
                                color))
        return VGroup(*words, size_badge(facts.size_text, th)).arrange(
            DOWN, aligned_edge=LEFT, buff=0.08)
