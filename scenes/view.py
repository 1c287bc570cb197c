"""Clip 6: ``weights.view(5, 1)`` is a new tensor over the same storage; a change shows in both."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, VGroup

from core.facts import logical_indices
from core.memory import ViewTrace
from scenes.base import TraceScene, bound_on
from scenes.components.error_card import ErrorCard
from scenes.components.storage_marker import StorageMarker
from scenes.components.storage_strip import StorageStrip, cell_width_for, change_value
from scenes.components.stride_arrows import StrideArrows, stride_badge
from scenes.components.tensor_grid import Cell, TensorGrid

__all__ = ["ViewSharesStorage"]


class ViewSharesStorage(TraceScene[ViewTrace]):
    """A view re-reads the same storage cells with a new shape and new strides."""

    clip_id = "view"
    trace_type = ViewTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        ops = t.program.ops
        self.show_program(t.program, first=bound_on(t.program, t.source.name))
        width = cell_width_for(th, *t.source.storage_printed, *t.source_after.storage_printed)
        self.strip = StorageStrip(t.source, th, cell_width=width)
        self.weights = TensorGrid(t.source, th, th.operand_a, cell_width=width, side_labels=True)
        self.v = TensorGrid(t.view, th, th.operand_b, cell_width=width, cell_height=0.4,
                            side_labels=True)
        self._layout()

        # Section: weights and its storage
        self.step("storage", f"weights is {t.source.size_text}: its {t.source.numel} values "
                             f"sit one after another in a flat storage.")
        self.point_at_line(bound_on(t.program, t.source.name))
        self.weights_arrows = StrideArrows(self.weights, self.strip, th, th.operand_a)
        self.play(FadeIn(self.weights), FadeIn(self.w_stride), FadeIn(self.strip), run_time=1.0)
        self.play(self.weights_arrows.grow(), run_time=1.2)

        # Section: the view
        self.step("view", f"{t.view.code} is a new tensor with a new shape and new strides, "
                          "over the same storage.")
        self.point_at_span(ops[t.view_op].span)
        self.v_arrows = StrideArrows(self.v, self.strip, th, th.operand_b, side=LEFT)
        self.marker = StorageMarker(t.shares_storage, t.view.storage, th)
        self.marker.next_to(self.strip.title, UP, buff=0.35).to_edge(LEFT, buff=0.3)
        self.play(FadeOut(self.weights_arrows), FadeIn(self.v), FadeIn(self.v_stride),
                  run_time=1.0)
        self.play(self.v_arrows.grow(), FadeIn(self.marker), run_time=1.2)

        # Section: a change through the view
        self._change()

        # Section: a view that cannot exist
        self.step("refused", f"{t.bad.code} fails: {t.source.numel} elements cannot take "
                             f"that shape.")
        self.point_at_span(ops[t.bad_op].span)
        card = ErrorCard(t.bad, th, width=11.5)
        card.next_to(self.w_stride, DOWN, buff=0.4).set_x(0)
        gone = [m for m in self.mobjects
                if m not in (self.code, self.code_mark, self.caption_bar, self.weights,
                             self.w_stride)]
        self.play(*(FadeOut(m) for m in gone), run_time=0.5)
        self.play(FadeIn(card, shift=UP * 0.2), run_time=0.8)

        self.closing(
            "view: a new shape over the same memory",
            [f"{t.view.code}: shape {t.view.size_text}, stride {t.view.strides}, "
             f"storage {t.view.storage}",
             f"writing {t.change_code} changed weights too: one storage",
             f"{t.bad.code}: {t.bad.type}, the element count must match"],
            "In short: view never copies; it changes shape and strides over the same storage.",
        )

    def _layout(self) -> None:
        """Weights above the strip, v to the right: v's arrows fan in under weights' row."""
        th = self.theme
        assert self.code is not None
        top = self.code.get_bottom()[1] - 0.3
        strip, weights, v = self.strip, self.weights, self.v
        strip.shift((-4.2 - strip.cells.get_left()[0]) * RIGHT
                    + (-1.7 - strip.cells.get_y()) * UP)
        weights.shift(strip.cells.get_left()[0] * RIGHT - weights.cells.get_left()[0] * RIGHT
                      + (top - 0.3 - weights.cells.get_y()) * UP)
        weights.badge.next_to(weights.cells, DOWN, buff=0.25).to_edge(LEFT, buff=0.3)
        self.w_stride = stride_badge(weights.facts, th)
        self.w_stride.next_to(weights.badge, DOWN, buff=0.12).align_to(weights.badge, LEFT)
        v.shift((5.0 - v.cells.get_left()[0]) * RIGHT
                + (strip.cells.get_top()[1] + 0.15 - v.cells.get_bottom()[1]) * UP)
        v.name_label.next_to(v.cells, UP, buff=0.15)
        v.badge.next_to(v.cells, DOWN, buff=0.2).align_to(v.cells, RIGHT).shift(RIGHT * 0.5)
        self.v_stride = stride_badge(v.facts, th)
        self.v_stride.next_to(v.badge, DOWN, buff=0.1).align_to(v.badge, RIGHT)

    def _change(self) -> None:
        t = self.trace
        th = self.theme
        position = logical_indices(t.view.shape).index(t.change_index)
        cell = t.view.storage_index[position]
        self.step("change", f"{t.change_code} writes into storage cell {cell}, so weights "
                            f"changes as well.")
        self.point_at_span(t.program.ops[t.change_op].span)
        lit = [self.v.cells[position], self.strip.cell(cell)]
        lit += [c for k, c in enumerate(self.weights.cells) if t.source.storage_index[k] == cell]
        anims = change_value(_cell(self.v, position), t.view_after.printed[position], th)
        anims += change_value(self.strip.cell(cell), t.source_after.storage_printed[cell], th)
        for k in range(len(self.weights.cells)):
            if t.source.storage_index[k] == cell:
                anims += change_value(_cell(self.weights, k), t.source_after.printed[k], th)
        frames = VGroup(*(self.weights.highlight(c) for c in lit))
        back = VGroup(*(a for k, a in enumerate(self.weights_arrows.arrows)
                        if t.source.storage_index[k] == cell))
        self.play(Create(frames), *anims, FadeIn(back), run_time=1.2)


def _cell(grid: TensorGrid, position: int) -> Cell:
    cell = grid.cells[position]
    assert isinstance(cell, Cell)
    return cell
