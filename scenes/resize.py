"""Clip 8: ``resize_`` changes the element count in place: a cell cut off, or a moved buffer."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Create,
    FadeIn,
    FadeOut,
    FadeTransform,
    TransformFromCopy,
    VGroup,
)

from core.facts import TensorFacts
from core.memory import ResizeTrace
from scenes.base import TraceScene, bound_on
from scenes.components.error_card import ErrorCard
from scenes.components.storage_marker import StorageMarker
from scenes.components.storage_strip import StorageStrip, cell_width_for
from scenes.components.stride_arrows import StrideArrows, header, stride_badge
from scenes.components.tensor_grid import TensorGrid
from scenes.components.text import label

__all__ = ["ResizeInPlace"]

STRIP_X = -6.7
STRIP_Y = -1.55
CELL_HEIGHT = 0.4
# Opacity of the buffer torch freed once it had copied the bytes out.
FREED_OPACITY = 0.3


class ResizeInPlace(TraceScene[ResizeTrace]):
    """Shrinking leaves a cell unreached; growing keeps the storage and moves its buffer."""

    clip_id = "resize"
    trace_type = ResizeTrace

    def construct(self) -> None:
        t = self.trace
        th = self.theme
        ops = t.program.ops
        shrink, grow = t.shrink, t.grow
        self.show_program(t.program, first=bound_on(t.program, shrink.before.name))
        assert self.code is not None
        self.top = self.code.get_bottom()[1] - 0.25
        self.width = cell_width_for(th, *shrink.before.storage_printed,
                                    *grow.after.storage_printed)

        # Section: a copy to resize
        self.s_before, self.s_before_stride = self._row(shrink.before, th.operand_a)
        self.s1_before = self._strip(shrink.before)
        self.s_before_arrows = StrideArrows(self.s_before, self.s1_before, th, th.operand_a)
        self.step("copy", f"{shrink.before.code}: {shrink.before.numel} values in its own "
                          f"storage {shrink.before.storage}.")
        self.point_at_span(ops[shrink.made_by].span)
        self.play(FadeIn(self.s_before), FadeIn(self.s1_before), run_time=0.8)
        self.play(self.s_before_arrows.grow(), run_time=0.8)

        # Section: shrinking
        self._shrink()

        # Section: growing
        self._grow()

        # Section: view refuses
        err = t.view_error
        self.step("view-refused", f"view never changes the element count: {err.code} "
                                  f"raises.")
        self.point_at_span(ops[t.view_op].span)
        self.card = ErrorCard(err, th, width=11.5)
        self.card.move_to((0.0, (self.top - 2.5) / 2, 0.0))
        keep = (self.code, self.code_mark, self.caption_bar)
        self.play(*(FadeOut(m) for m in self.mobjects if all(m is not k for k in keep)),
                  run_time=0.5)
        self.play(FadeIn(self.card, shift=UP * 0.2), run_time=0.8)

        buffers = f"{grow.before.buffer} → {grow.after.buffer}"
        self.closing(
            "resize_: changing the element count in place",
            [f"{shrink.code}: same storage {shrink.after.storage}; cell "
             f"{_cells(shrink.lost)} is still there, no longer reached",
             f"{grow.code}: {_same(grow.same_storage)} {grow.after.storage}, "
             + (f"its buffer moved ({buffers}) and every alias followed; "
                if grow.buffer_moved else "its buffer kept; ")
             + f"cell {_cells(grow.uninitialized)} holds whatever bytes were there",
             f"{err.code}: {err.type}; view keeps the element count"],
            "In short: resize_ changes the element count in place; view refuses to.",
        )

    # Pieces

    def _row(self, facts: TensorFacts, color: str) -> tuple[TensorGrid, VGroup]:
        """A one-row tensor under its header line, its cells over the strip's cells."""
        grid = TensorGrid(facts, self.theme, color, cell_width=self.width,
                          cell_height=CELL_HEIGHT)
        stride = stride_badge(facts, self.theme)
        grid.cells.shift((self._cells_left() - grid.cells.get_left()[0]) * RIGHT
                         + (self.top - 0.55 - grid.cells.get_top()[1]) * UP)
        header(grid, stride)
        grid.add(stride)
        return grid, stride

    def _block(self, facts: TensorFacts, color: str, top: float,
               marker: StorageMarker | None = None) -> tuple[TensorGrid, VGroup]:
        """A 2-d tensor with its name, size and strides to its right, the marker under them."""
        grid = TensorGrid(facts, self.theme, color, cell_width=self.width,
                          cell_height=CELL_HEIGHT)
        stride = stride_badge(facts, self.theme)
        grid.cells.shift((self._cells_left() - grid.cells.get_left()[0]) * RIGHT
                         + (top - grid.cells.get_top()[1]) * UP)
        line = VGroup(grid.name_label, grid.badge, stride).arrange(RIGHT, buff=0.25)
        line.next_to(grid.cells, RIGHT, buff=0.35).align_to(grid.cells, UP)
        if marker is not None:
            marker.next_to(line, DOWN, buff=0.12).align_to(line, LEFT)
        grid.add(stride)
        return grid, stride

    def _strip(self, facts: TensorFacts, color: str | None = None) -> StorageStrip:
        strip = StorageStrip(facts, self.theme, color, cell_width=self.width, tags_right=True)
        strip.shift((STRIP_X - strip.get_left()[0]) * RIGHT + (STRIP_Y - strip.cells.get_y()) * UP)
        return strip

    def _cells_left(self) -> float:
        probe = StorageStrip(self.trace.source, self.theme, cell_width=self.width)
        return float(STRIP_X + probe.cells.get_left()[0] - probe.get_left()[0])

    def _shrink(self) -> None:
        t = self.trace
        th = self.theme
        shrink = t.shrink
        after = shrink.after
        self.step("shrink", f"{shrink.code} keeps storage {after.storage}; cell "
                            f"{_cells(shrink.lost)} is still there, but {after.name} no longer "
                            f"reaches it.")
        self.point_at_span(t.program.ops[shrink.op].span)
        self.s_marker = StorageMarker(shrink.same_storage, after.storage, th)
        self.s, self.s_stride = self._block(after, th.operand_a, self.top - 0.1, self.s_marker)
        self.s1 = self._strip(after)
        self.s_arrows = StrideArrows(self.s, self.s1, th, th.operand_a)
        self.play(FadeOut(self.s_before_arrows), FadeTransform(self.s_before, self.s),
                  FadeTransform(self.s1_before, self.s1), run_time=1.0)
        self.play(self.s_arrows.grow(), FadeIn(self.s_marker), run_time=1.0)

    def _grow(self) -> None:
        t = self.trace
        th = self.theme
        ops = t.program.ops
        grow = t.grow
        before, after = grow.before, grow.after
        aliases = " and ".join(a.name for a in grow.aliases)
        also = f"; {aliases} is a view of it" if aliases else ""
        self.step("grow-copy", f"{before.code}: another copy, in storage {before.storage}"
                               f"{also}.")
        self.point_at_span(ops[grow.made_by].span)
        self.g_before, self.g_before_stride = self._row(before, th.operand_b)
        self.s2 = self._strip(before)
        self.buffer_old = self._buffer_tag(f"buffer {before.buffer}", self.s2)
        self.g_before_arrows = StrideArrows(self.g_before, self.s2, th, th.operand_b)
        self.play(FadeOut(VGroup(self.s, self.s1, self.s_arrows, self.s_marker)), run_time=0.5)
        self.play(FadeIn(self.g_before), FadeIn(self.s2), FadeIn(self.buffer_old),
                  self.g_before_arrows.grow(), run_time=1.0)
        for index in grow.alias_ops:
            self.point_at_span(ops[index].span)

        # Section: the same storage object gets a bigger buffer
        kept = "stays the same object" if grow.same_storage else "is a new object"
        gets = f"torch gives it a new buffer {after.buffer}" if grow.buffer_moved else \
            f"its buffer {after.buffer} stays"
        self.step("grow", f"{grow.code} needs {after.storage_elements} cells: storage "
                          f"{after.storage} {kept}, but {gets}.")
        self.point_at_span(ops[grow.op].span)
        # The old buffer moves up, out of the way: the new one is a second strip below it.
        old_rows = VGroup(self.s2.indices, self.s2.offsets, self.s2.row_names)
        self.s2.remove(*old_rows)
        self.play(FadeOut(self.g_before), FadeOut(self.g_before_arrows), FadeOut(old_rows),
                  FadeOut(self.buffer_old), run_time=0.5)
        lift = UP * (self.top - 0.35 - self.s2.cells.get_y())
        self.play(self.s2.animate.shift(lift), run_time=0.6)
        # Under the old strip's title, in the gutter left of the tensor: the marker takes the
        # place right of the cells, clear of the arrows.
        self.buffer_old = self._gutter_tag(f"buffer {before.buffer}", self.s2)
        # Keep the faded tensor and arrows in register with their storage.
        self.g_before.shift(lift)
        self.g_before_arrows.shift(lift)
        self.s3 = self._strip(after, th.result)
        self.buffer_new = self._buffer_tag(f"buffer {after.buffer}", self.s3)
        self.g_marker = StorageMarker(grow.same_storage, after.storage, th, subject=after.name)
        self.g, self.g_stride = self._block(after, th.operand_b,
                                            self.s2.cells.get_bottom()[1] - 0.3)
        self.g_marker.next_to(self.s2.cells, RIGHT, buff=0.3)
        self.g_arrows = StrideArrows(self.g, self.s3, th, th.operand_b)
        blank = set(after.uninitialized)
        # The new buffer's cells, the allocated-but-unwritten ones included.
        shell = VGroup(self.s3.title, self.s3.indices, self.s3.offsets, self.s3.row_names,
                       *(self.s3.cell(i).box for i in range(len(self.s3.cells)) if i not in blank),
                       *(self.s3.cell(i) for i in blank))
        self.play(FadeIn(self.buffer_old), FadeIn(shell), FadeIn(self.buffer_new), run_time=0.6)

        # Section: the old bytes copied, the old buffer freed, every alias following
        followers = " and ".join(a.name for a in grow.aliases if a.buffer == after.buffer)
        follow = f"; {followers} follows too" if followers else ""
        self.step("bytes", f"torch copies the old bytes into {after.buffer} and frees "
                           f"{before.buffer}; {after.name} now reads {after.buffer}{follow}.")
        copies = [TransformFromCopy(self.s2.cell(i).value, self.s3.cell(i).value)
                  for i in range(after.storage_elements)
                  if i not in blank and i < before.storage_elements]
        self.play(AnimationGroup(*copies, lag_ratio=0.1), run_time=1.0)
        self.add(self.s3.cells)
        freed = self._gutter_tag(f"buffer {before.buffer}\nfreed", self.s2)
        # The new buffer's tag names every tensor that now reads it: g and its aliases.
        readers = [after.name, *(a.name for a in grow.aliases if a.buffer == after.buffer)]
        read = self._buffer_tag(f"buffer {after.buffer}: {', '.join(readers)}", self.s3)
        read[0].set_color(th.text)
        self.play(self.s2.animate.set_opacity(FREED_OPACITY),
                  FadeTransform(self.buffer_old, freed), FadeTransform(self.buffer_new, read),
                  FadeIn(self.g), FadeIn(self.g_marker), self.g_arrows.grow(), run_time=1.2)
        self.buffer_old, self.buffer_new = freed, read

        # Section: the new cell
        self.step("uninitialized", f"Cell {_cells(grow.uninitialized)} is uninitialized: it "
                                   f"holds whatever bytes were there; torch promises nothing.")
        frames = VGroup(*(self.g.highlight(self.s3.cell(i), th.highlight) for i in blank),
                        *(self.g.highlight(self.g.cells[k], th.highlight)
                          for k, text in enumerate(after.printed) if text is None))
        self.play(FadeIn(self.s3.state_tags), Create(frames), run_time=1.0)

    def _gutter_tag(self, text: str, strip: StorageStrip) -> VGroup:
        """A memory block named under a strip's title, left of the tensor's cells."""
        tag = label(text, self.theme, self.theme.small_size, self.theme.muted)
        tag.next_to(strip.title, DOWN, buff=0.15).align_to(strip.title, LEFT)
        return VGroup(tag)

    def _buffer_tag(self, text: str, strip: StorageStrip) -> VGroup:
        """The memory block under a strip, named right of its byte row (a state tag may sit
        right of the cells)."""
        tag = label(text, self.theme, self.theme.small_size, self.theme.muted)
        tag.next_to(strip.cells, RIGHT, buff=0.3).set_y(strip.offsets[0].get_y())
        return VGroup(tag)


def _cells(cells: tuple[int, ...]) -> str:
    return ", ".join(map(str, cells))


def _same(same: bool) -> str:
    return "same storage" if same else "a new storage"
