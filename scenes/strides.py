"""Clip 9: strides are storage steps per index step; ``t()`` swaps them, ``contiguous()`` copies."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    CurvedArrow,
    FadeIn,
    FadeOut,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from core.facts import TensorFacts
from core.memory import StridesTrace, StrideWalk
from scenes.base import TraceScene, bound_on
from scenes.components.storage_marker import StorageMarker
from scenes.components.storage_strip import StorageStrip, cell_width_for
from scenes.components.stride_arrows import StrideArrows, grid_over_strip
from scenes.components.tensor_grid import TensorGrid
from scenes.components.text import label

__all__ = ["StridesAndContiguity"]

LEFT_X, RIGHT_X = -6.6, 0.4
CELL_HEIGHT = 0.4


class StridesAndContiguity(TraceScene[StridesTrace]):
    """Stepping along a dimension moves ``stride`` cells; a transpose only swaps the strides."""

    clip_id = "strides"
    trace_type = StridesTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        ops = t.program.ops
        first = bound_on(t.program, t.source.name)
        self.show_program(t.program, first=first)
        assert self.code is not None
        self.top = self.code.get_bottom()[1] - 0.25
        self.width = cell_width_for(th, *t.source.storage_printed, *t.contiguous.storage_printed)
        self.s0 = self._strip(t.source, None, LEFT_X)

        # Section: the layout
        self.x, self.x_stride = self._tensor(t.source, th.operand_a, LEFT_X)
        self.x_arrows = StrideArrows(self.x, self.s0, th, th.operand_a)
        self.step("layout", f"x is {t.source.size_text}: torch keeps its values row after row "
                            f"in one flat storage, {t.source.storage}.")
        self.point_at_line(first)
        self.play(FadeIn(self.x), FadeIn(self.s0), run_time=0.8)
        self.play(self.x_arrows.grow(), run_time=1.0)

        # Section: one step along each dimension
        stride = ops[t.stride_op]
        self.point_at_span(stride.span)
        self.walk_current = VGroup()
        self.walk_words: list[VMobject] = []
        self.walk_log: list[tuple[StrideWalk, CurvedArrow]] = []
        for walk in t.walks:
            self.step(f"walk-dim{walk.dim}",
                      f"{stride.code} is {t.stride_result}: one step along dim {walk.dim} moves "
                      f"{walk.stride} cell{'s' if walk.stride != 1 else ''} in storage.")
            self._walk(self.x, self.x_arrows, walk)

        # Section: the transpose
        transpose = ops[t.transpose_op]
        self.step("transpose", f"{transpose.code} swaps the strides to {t.transposed.strides} "
                               f"and {_shares(t.transposed_shares_storage)}: no value moves.")
        self.point_at_span(transpose.span)
        self.xt, self.xt_stride = self._tensor(t.transposed, th.operand_b, LEFT_X)
        self.xt_arrows = StrideArrows(self.xt, self.s0, th, th.operand_b)
        self.xt_marker = StorageMarker(t.transposed_shares_storage, t.transposed.storage, th)
        self.xt_marker.next_to(self.xt.cells, RIGHT, buff=0.6).align_to(self.xt.cells, UP)
        self.play(FadeOut(VGroup(self.x, self.walk_current, *self.walk_words)), run_time=0.5)
        self.play(FadeIn(self.xt), FadeIn(self.xt_marker), self.xt_arrows.grow(lag_ratio=0.2),
                  run_time=1.4)

        # Section: not contiguous
        row_walk = t.transposed_walks[-1]
        check = ops[t.check_op]
        self.step("not-contiguous", f"Along a row of {t.transposed.name} each step jumps "
                                    f"{row_walk.stride} cells, so {check.code} is "
                                    f"{t.contiguous_result}.")
        self.point_at_span(check.span)
        self.walk_current, self.walk_words = VGroup(), []
        self.play(FadeOut(self.xt_marker), run_time=0.3)
        self._walk(self.xt, self.xt_arrows, row_walk)
        self.contig_note = label(f"{check.code} → {t.contiguous_result}", th, th.body_size,
                                 th.text)
        self.contig_note.next_to(self.walk_words[-1], DOWN, buff=0.25)
        self.contig_note.align_to(self.walk_words[-1], LEFT)
        self.play(FadeIn(self.contig_note), run_time=0.5)

        # Section: contiguous() copies
        self._contiguous()

        self.closing(
            "Strides, transposes and contiguity",
            [f"{stride.code} = {t.stride_result}: cells moved per step along each dimension",
             f"{transpose.code}: stride {t.transposed.strides}, "
             f"{_shares(t.transposed_shares_storage)}, {check.code} = {t.contiguous_result}",
             f"{ops[t.contiguous_op].code}: {_shares(t.contiguous_shares_storage)} "
             f"({t.contiguous.storage}), stride {t.contiguous.strides}"],
            "In short: strides map indices to storage; contiguous() copies into row order.",
        )

    # Pieces

    def _strip(self, facts: TensorFacts, color: str | None, x: float) -> StorageStrip:
        strip = StorageStrip(facts, self.theme, color, cell_width=self.width)
        strip.shift((x - strip.get_left()[0]) * RIGHT + (-1.55 - strip.cells.get_y()) * UP)
        return strip

    def _tensor(self, facts: TensorFacts, color: str, x: float) -> tuple[TensorGrid, VGroup]:
        grid, stride, _ = grid_over_strip(facts, self.theme, color, cell_width=self.width,
                                          cell_height=CELL_HEIGHT, strip=self.s0,
                                          strip_x=LEFT_X, x=x, top=self.top)
        return grid, stride

    def _walk(self, grid: TensorGrid, arrows: StrideArrows, walk: StrideWalk) -> None:
        """Frame one index step in the grid and its jump of ``stride`` cells in the storage."""
        th = self.theme
        frames = VGroup(grid.highlight(grid.cell(walk.start), th.highlight),
                        grid.highlight(grid.cell(walk.end), th.highlight),
                        grid.highlight(self.s0.cell(walk.start_cell), th.highlight),
                        grid.highlight(self.s0.cell(walk.end_cell), th.highlight))
        start = self.s0.cell(walk.start_cell).box.get_top() + UP * 0.08
        end = self.s0.cell(walk.end_cell).box.get_top() + UP * 0.08
        arc = CurvedArrow(start, end, angle=-1.4, color=th.highlight, stroke_width=5,
                          tip_length=0.2)
        words = label(f"dim {walk.dim}: {walk.start} → {walk.end}  =  +{walk.stride} "
                      f"cell{'s' if walk.stride != 1 else ''}", self.theme, th.body_size,
                      th.highlight)
        words.next_to(grid.cells, RIGHT, buff=0.6).align_to(grid.cells, UP)
        words.shift(DOWN * 0.55 * len(self.walk_words))
        self.play(FadeOut(arrows), FadeOut(self.walk_current), Create(frames), Create(arc),
                  FadeIn(words), run_time=1.0)
        self.walk_current = VGroup(frames, arc)
        self.walk_words.append(words)
        self.walk_log.append((walk, arc))

    def _contiguous(self) -> None:
        t = self.trace
        th = self.theme
        c = t.contiguous
        op = t.program.ops[t.contiguous_op]
        self.step("contiguous", f"{op.code} {_shares(t.contiguous_shares_storage)}, "
                                f"{c.storage}: the values copied in row order, stride "
                                f"{c.strides}.")
        self.point_at_span(op.span)
        self.s1 = self._strip(c, th.result, RIGHT_X)
        self.c, self.c_stride = self._tensor(c, th.result, RIGHT_X)
        self.c_arrows = StrideArrows(self.c, self.s1, th, th.result)
        self.c_marker = StorageMarker(t.contiguous_shares_storage, c.storage, th, stacked=True)
        self.c_marker.next_to(self.c.cells, RIGHT, buff=0.3).align_to(self.c.cells, UP)
        copies = [TransformFromCopy(self.s0.cell(src).value, self.s1.cell(dst).value)
                  for src, dst in zip(t.transposed.storage_index, c.storage_index, strict=True)]
        shell = VGroup(self.s1.title, self.s1.indices, self.s1.offsets, self.s1.row_names,
                       *(self.s1.cell(i).box for i in range(len(self.s1.cells))))
        gone = VGroup(self.contig_note, self.walk_current, *self.walk_words)
        self.play(FadeOut(gone), FadeIn(shell), run_time=0.6)
        self.play(AnimationGroup(*copies, lag_ratio=0.15), run_time=1.4)
        self.add(self.s1)
        self.play(FadeIn(self.c), FadeIn(self.c_marker), self.c_arrows.grow(),
                  FadeIn(self.xt_arrows), run_time=1.0)


def _shares(shared: bool) -> str:
    return "shares the storage" if shared else "allocates a new storage"

