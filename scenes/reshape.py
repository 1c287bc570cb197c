"""Clip 7: ``reshape`` returns a view of a contiguous tensor and copies a transposed one."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    FadeIn,
    FadeOut,
    TransformFromCopy,
    VGroup,
)

from core.facts import TensorFacts
from core.memory import ReshapeTrace
from scenes.base import TraceScene, bound_on
from scenes.components.error_card import ErrorCard
from scenes.components.storage_marker import StorageMarker
from scenes.components.storage_strip import StorageStrip, cell_width_for
from scenes.components.stride_arrows import StrideArrows, grid_over_strip
from scenes.components.tensor_grid import TensorGrid
from scenes.components.text import label

__all__ = ["ReshapeMayCopy"]

# Left column: the tensor being reshaped over storage S0; right column: the result.
LEFT_X, RIGHT_X = -6.6, 0.4
CELL_HEIGHT = 0.4


class ReshapeMayCopy(TraceScene[ReshapeTrace]):
    """The same call, two outcomes: torch's data pointers say whether reshape copied."""

    clip_id = "reshape"
    trace_type = ReshapeTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        ops = t.program.ops
        self.show_program(t.program, first=bound_on(t.program, t.source.name))
        assert self.code is not None
        self.top = self.code.get_bottom()[1] - 0.25
        self.width = cell_width_for(th, *t.source.storage_printed, *t.flat.storage_printed)
        self.s0 = StorageStrip(t.source, th, cell_width=self.width)
        self._place_strip(self.s0, LEFT_X)

        # Section: a contiguous tensor
        self.x, self.x_stride, self.x_head = self._tensor(t.source, th.operand_a, LEFT_X)
        self.x_arrows = StrideArrows(self.x, self.s0, th, th.operand_a)
        self.step("contiguous", f"x is {t.source.size_text} and contiguous: its rows lie one "
                                f"after another in storage {t.source.storage}.")
        self.point_at_line(bound_on(t.program, t.source.name))
        self.play(FadeIn(self.x), FadeIn(self.s0), run_time=1.0)
        self.play(self.x_arrows.grow(), run_time=1.0)

        # Section: reshape of a contiguous tensor
        self.r, self.r_stride, self.r_head = self._tensor(t.reshaped, th.operand_b, RIGHT_X)
        self.r_arrows = StrideArrows(self.r, self.s0, th, th.operand_b)
        self.r_marker = StorageMarker(t.reshaped_shares_storage, t.reshaped.storage, th)
        self.r_marker.next_to(self.r.cells, DOWN, buff=0.9).align_to(self.r.cells, LEFT)
        outcome = "a view" if t.reshaped_shares_storage else "a copy"
        self.step("reshape-view", f"{t.reshaped.code}: torch reports "
                                  f"{_storage_words(t.reshaped_shares_storage)}, so reshape "
                                  f"returned {outcome}.")
        self.point_at_span(ops[t.reshape_op].span)
        self.play(FadeOut(self.x_arrows), FadeIn(self.r), run_time=0.8)
        self.play(self.r_arrows.grow(), FadeIn(self.r_marker), run_time=1.2)

        # Section: the transpose
        self._transpose()

        # Section: view refuses
        self.step("view-refused", f"{t.view_error.code} raises: no strides can read this "
                                  f"storage in that order.")
        self.point_at_span(ops[t.view_op].span)
        self.card = ErrorCard(t.view_error, th, width=6.2)
        self.card.next_to(self.xt_head, DOWN, buff=0.1).set_x(RIGHT_X + 3.25)
        self.card.align_to(self.xt_head, UP)
        self.play(FadeOut(self.contig_note), FadeIn(self.card, shift=UP * 0.2), run_time=0.8)

        # Section: reshape copies
        self._copy()

        # Section: reshape keeps the element count
        bad = t.bad
        self.step("reshape-refused", f"{bad.code} raises as well: reshape, like view, never "
                                     f"changes the element count.")
        self.point_at_span(ops[t.bad_op].span)
        self.bad_card = ErrorCard(bad, th, width=11.5)
        self.bad_card.move_to((0.0, (self.top - 2.5) / 2, 0.0))
        keep = (self.code, self.code_mark, self.caption_bar)
        self.play(*(FadeOut(m) for m in self.mobjects if all(m is not k for k in keep)),
                  run_time=0.5)
        self.play(FadeIn(self.bad_card, shift=UP * 0.2), run_time=0.8)

        flat = t.flat
        self.closing(
            "reshape: a view when it can, a copy when it must",
            [f"{t.reshaped.code}: {_storage_words(t.reshaped_shares_storage)} "
             f"({t.reshaped.storage})",
             f"{t.view_error.code}: {t.view_error.type}",
             f"{flat.code}: {_storage_words(t.flat_shares_storage)} ({flat.storage}), "
             "elements copied in the transposed order",
             f"{bad.code}: {bad.type}; reshape keeps the element count"],
            "In short: reshape shares storage when strides allow it and copies when they do not.",
        )

    def _tensor(self, facts: TensorFacts, color: str,
                x: float) -> tuple[TensorGrid, VGroup, VGroup]:
        return grid_over_strip(facts, self.theme, color, cell_width=self.width,
                               cell_height=CELL_HEIGHT, strip=self.s0, strip_x=LEFT_X, x=x,
                               top=self.top)

    def _place_strip(self, strip: StorageStrip, x: float) -> None:
        strip.shift((x - strip.get_left()[0]) * RIGHT + (-1.55 - strip.cells.get_y()) * UP)

    def _transpose(self) -> None:
        t = self.trace
        th = self.theme
        transpose = t.program.ops[t.transpose_op]
        same = "same storage" if t.transposed_shares_storage else "a new storage"
        self.step("transposed", f"{transpose.code} swaps the strides to "
                                f"{t.transposed.strides}: {same}, but is_contiguous() is "
                                f"{t.transposed.is_contiguous}.")
        self.point_at_span(transpose.span)
        self.xt, self.xt_stride, self.xt_head = self._tensor(t.transposed, th.operand_a, LEFT_X)
        self.xt_arrows = StrideArrows(self.xt, self.s0, th, th.operand_a)
        self.contig_note = label(f"is_contiguous() → {t.transposed.is_contiguous}", th,
                                 th.body_size, th.text)
        self.contig_note.next_to(self.xt.cells, RIGHT, buff=0.5)
        self.play(FadeOut(VGroup(self.r, self.r_arrows, self.r_marker, self.x)), run_time=0.6)
        self.play(FadeIn(self.xt), run_time=0.6)
        self.play(self.xt_arrows.grow(lag_ratio=0.2), FadeIn(self.contig_note), run_time=1.4)

    def _copy(self) -> None:
        t = self.trace
        th = self.theme
        flat = t.flat
        outcome = "returned a view of" if t.flat_shares_storage else "copied into"
        self.step("copy", f"{flat.code}: torch reports {_storage_words(t.flat_shares_storage)}, "
                          f"so reshape {outcome} {flat.storage}.")
        self.point_at_span(t.program.ops[t.flat_op].span)
        self.s1 = StorageStrip(flat, th, th.result, cell_width=self.width)
        self._place_strip(self.s1, RIGHT_X)
        self.f, self.f_stride, self.f_head = self._tensor(flat, th.result, RIGHT_X)
        self.f.cells.shift(UP * (self.xt.cells.get_bottom()[1] - self.f.cells.get_bottom()[1]))
        self.f_head.next_to(self.f.cells, UP, buff=0.15).align_to(self.f_head, LEFT)
        self.f_head.set_x(self.f_head.width / 2 + RIGHT_X)
        self.f_arrows = StrideArrows(self.f, self.s1, th, th.result)
        self.f_marker = StorageMarker(t.flat_shares_storage, flat.storage, th)
        self.f_marker.next_to(self.f_head, UP, buff=0.15).align_to(self.f_head, LEFT)
        # Each element of x.t(), in row-major order, lands in the copy's storage cell for it.
        copies = [TransformFromCopy(self.s0.cell(src).value, self.s1.cell(dst).value)
                  for src, dst in zip(t.transposed.storage_index, flat.storage_index,
                                      strict=True)]
        empty = VGroup(*(self.s1.cell(i).box for i in range(len(self.s1.cells))))
        self.play(FadeOut(self.card), FadeIn(self.s1.title), FadeIn(empty),
                  FadeIn(self.s1.indices), FadeIn(self.s1.offsets), FadeIn(self.s1.row_names),
                  run_time=0.6)
        self.play(AnimationGroup(*copies, lag_ratio=0.15), run_time=1.6)
        self.add(self.s1)
        self.play(FadeIn(self.f), FadeIn(self.f_marker), run_time=0.6)
        self.play(self.f_arrows.grow(), run_time=0.8)


def _storage_words(shared: bool) -> str:
    return "the same storage" if shared else "a new storage"

