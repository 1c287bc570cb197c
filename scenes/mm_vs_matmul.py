"""Clip 5: ``torch.mm`` is strict about 2-D inputs; ``torch.matmul`` broadcasts, even silently.

Its surprises are ones only matmul makes: where it returns a shape, torch.mm would have raised.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    Line,
    MoveToTarget,
    Rectangle,
    SurroundingRectangle,
    VGroup,
    config,
)

from core.facts import TensorFacts
from core.matmul import MatmulCase, MmVsMatmulTrace
from core.model import MatmulDim
from scenes.base import TraceScene, bound_on
from scenes.components.error_card import ErrorCard
from scenes.components.tensor_grid import TensorGrid, size_badge
from scenes.components.text import label, mono
from scenes.theme import Theme

__all__ = ["DimTable", "MmVersusMatmul", "ShapeBlock"]

CELL_WIDTH = 1.45
SAFE_WIDTH = config.frame_width * (1 - 2 * 32 / 854)
ROW_STEP = 0.36  # between rows of the dimension table
# What each role of a DimStep does to its sizes, in words (roles are never told by colour).
ROLES = {"batch": "batch: broadcast", "rows": "rows", "inner": "inner: must match",
         "cols": "columns", "dropped": "added 1: dropped"}


def _code_name(name: str) -> list[str]:
    """A call's code broken after its first argument when it is long."""
    if len(name) <= 22:
        return [name]
    depth = 0
    for k, char in enumerate(name):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 1:
            head, tail = name[:k + 1], name[k + 1:].lstrip()
            if max(len(head), len(tail)) <= 24:
                return [head, "  " + tail]
            call, first = head.split("(", 1)
            return [call + "(", "  " + first, "  " + tail]
    return [name]


class ShapeBlock(VGroup):
    """A tensor drawn by its shape alone: its last two sizes as a grid of small squares,
    one offset outline per further slice, its name above and its ``torch.Size`` below.

    For tensors whose values would not fit legibly; the badge carries the exact shape.

    Parts: ``front``, ``slices``, ``name_label``, ``badge``.
    """

    def __init__(self, facts: TensorFacts, theme: Theme, color: str, unit: float = 0.3,
                 name: str | None = None) -> None:
        super().__init__()
        shape = facts.shape
        rows, cols = (shape[-2], shape[-1]) if len(shape) >= 2 else (1, shape[0] if shape else 1)
        self.front = VGroup(Rectangle(width=cols * unit, height=rows * unit, stroke_color=color,
                                      stroke_width=3, fill_color=theme.panel, fill_opacity=1))
        box = self.front[0]
        for c in range(1, cols):
            x = box.get_left()[0] + c * unit
            self.front.add(Line((x, box.get_bottom()[1], 0.0), (x, box.get_top()[1], 0.0),
                                stroke_color=color, stroke_width=1, stroke_opacity=0.6))
        for r in range(1, rows):
            y = box.get_bottom()[1] + r * unit
            self.front.add(Line((box.get_left()[0], y, 0.0), (box.get_right()[0], y, 0.0),
                                stroke_color=color, stroke_width=1, stroke_opacity=0.6))
        self.slices = VGroup()
        extra = facts.numel // (rows * cols) - 1
        for i in range(min(extra, 3), 0, -1):
            ghost = Rectangle(width=cols * unit, height=rows * unit, stroke_color=color,
                              stroke_width=1.5, stroke_opacity=0.7)
            ghost.move_to(box.get_center() + (UP + RIGHT) * 0.12 * i)
            self.slices.add(ghost)
        self.add(self.slices, self.front)
        lines = _code_name(name or facts.name)
        self.name_label = VGroup(*(mono(line, theme, theme.small_size + 2, color)
                                   for line in lines)).arrange(DOWN, aligned_edge=LEFT,
                                                               buff=0.06)
        self.name_label.next_to(self, UP, buff=0.15)
        self.badge = size_badge(facts.size_text, theme)
        self.badge.next_to(self.front, DOWN, buff=0.18)
        self.add(self.name_label, self.badge)


class DimTable(VGroup):
    """The result shape of a matmul derived dimension by dimension, one row per dims-table row
    of the op's Matmul plan.

    Columns: the dimension's role, its size in each operand (``–`` where it has none: shapes
    are aligned from the right, as broadcasting aligns them), and what it becomes in the
    result. Roles are words, not colours.

    Parts: ``header``, ``rows`` (one VGroup per dim, in the order of ``case.plan.dims``).
    """

    def __init__(self, case: MatmulCase, theme: Theme) -> None:
        super().__init__()
        size = theme.small_size + 2

        def cell(value: int | None) -> str:
            return "–" if value is None else str(value)

        def outcome(dim: MatmulDim) -> str:
            if dim.out is not None:
                return str(dim.out)
            return "✓ summed" if dim.role == "inner" else "dropped"

        result = case.result.name if case.result is not None else "result"
        texts = [["aligned right", case.a.name, case.b.name, result if len(result) <= 8
                  else "result"]]
        texts += [[ROLES.get(d.role, d.role), cell(d.a), cell(d.b), outcome(d)]
                  for d in case.plan.dims]
        grid = [[(label if c == 0 else mono)(text, theme, size,
                                             theme.muted if r == 0 else theme.text)
                 for c, text in enumerate(row)] for r, row in enumerate(texts)]
        widths = [max(row[c].width for row in grid) for c in range(4)]
        lefts = [0.0]
        for w in widths[:-1]:
            lefts.append(lefts[-1] + w + 0.45)
        for r, row in enumerate(grid):
            for c, mob in enumerate(row):
                if c == 0:
                    mob.move_to((lefts[c] + mob.width / 2, -r * ROW_STEP, 0.0))
                else:
                    mob.move_to((lefts[c] + widths[c] / 2, -r * ROW_STEP, 0.0))
        self.header = VGroup(*grid[0])
        self.rows = VGroup(*(VGroup(*row) for row in grid[1:]))
        rule = Line((0.0, -ROW_STEP / 2, 0.0), (lefts[-1] + widths[-1], -ROW_STEP / 2, 0.0),
                    stroke_color=theme.muted, stroke_width=1.5)
        self.add(self.header, rule, self.rows)


class MmVersusMatmul(TraceScene[MmVsMatmulTrace]):
    """``torch.mm`` refuses 1-d and batched inputs; ``torch.matmul`` broadcasts them."""

    clip_id = "mm-vs-matmul"
    trace_type = MmVsMatmulTrace

    def construct(self) -> None:
        t = self.trace
        mm_v, mat_v, column = t.case("mm-vector"), t.case("matmul-vector"), t.case("column")
        mm_b, mat_b = t.case("mm-batch"), t.case("matmul-batch")
        mm_s, mat_s = t.case("mm-stray"), t.case("matmul-stray")
        assert mat_v.result and column.result and mat_b.result and mat_s.result

        # Section: a vector
        # Each section shows the lines it runs; operands made earlier are on their badges.
        # Here the 1-d weights' own line is the point, so it is shown too.
        vector = mm_v.b if len(mm_v.b.shape) == 1 else mm_v.a
        self._code(bound_on(self.trace.program, vector.name), column.span.line)
        self.step("mm-vector", f"torch.mm multiplies 2-D matrices only: given the "
                               f"{len(vector.shape)}-D {vector.name}, it raises an error.")
        card = self._mm_refuses(mm_v)

        self.step("matmul-vector", f"torch.matmul treats {vector.name} as a column, "
                                   f"then drops that added 1: the result is "
                                   f"{_said(mat_v.result.size_text)}.")
        self.point_at_span(mat_v.span)
        result = TensorGrid(mat_v.result, self.theme, self.theme.result, cell_width=CELL_WIDTH)
        derived = self._derive(mat_v, card, result)
        self._vector_surprise(mat_v, column, VGroup(derived, result))

        # Section: batches
        self.step("mm-batch", f"With {len(mm_b.a.shape)}-D and {len(mm_b.b.shape)}-D "
                              f"inputs torch.mm refuses again.")
        self._curtain()
        self._code(mm_b.span.line, mat_b.span.line)
        card = self._mm_refuses(mm_b, unit=0.22)

        self.step("matmul-batch", "torch.matmul multiplies the last two dimensions and "
                                  "broadcasts the rest, one dimension at a time.")
        self.point_at_span(mat_b.span)
        self._derive(mat_b, card, ShapeBlock(mat_b.result, self.theme, self.theme.result))

        # Section: a stray batch dimension
        self._stray(mm_s, mat_s, column)

        self.closing(
            "torch.mm is strict, torch.matmul broadcasts",
            ["torch.mm: 2-D matrices only, else an error",
             f"matmul: {_tuple_of(mat_b.a.shape)} @ {_tuple_of(mat_b.b.shape)} → "
             f"{_tuple(mat_b.result)}",
             f"where mm raises, matmul gives {_said(_tuple(mat_v.result))} or "
             f"{_said(_tuple(mat_s.result))}"],
            "In short: matmul is flexible, so check the shape of what it returns.",
        )

    # Helpers

    def _code(self, first: int, last: int) -> None:
        """Replace the code panel with lines ``first``..``last``: each section runs its own."""
        if self.code is not None:
            self.remove(self.code)
            if self.code_mark is not None:
                self.remove(self.code_mark)
            self.code = self.code_mark = None
        self.show_program(self.trace.program, first=first, last=last)

    def _curtain(self) -> None:
        """Clear the band between code and caption with one fade (cheap in Manim)."""
        keep = (self.caption_bar,)
        gone = [m for m in self.mobjects if m not in keep]
        curtain = Rectangle(width=config.frame_width + 1, height=config.frame_height + 1,
                            stroke_width=0, fill_color=self.theme.background, fill_opacity=1)
        self.play(FadeIn(curtain), run_time=0.4)
        self.remove(*gone, curtain)
        self.code = self.code_mark = None
        if self.caption_bar is not None:
            self.bring_to_front(self.caption_bar)

    def _band(self) -> tuple[float, float]:
        """Top and bottom of the free band between code panel and caption bar."""
        assert self.code is not None
        return self.code.get_bottom()[1] - 0.25, -4.0 + 0.2 + 1.02 + 0.25

    def _operands(self, case: MatmulCase, unit: float = 0.3) -> VGroup:
        th = self.theme
        a = ShapeBlock(case.a, th, th.operand_a, unit=unit)
        b = ShapeBlock(case.b, th, th.operand_b, unit=unit)
        at = mono("@", th, th.title_size, th.text)
        group = VGroup(a, at, b).arrange(RIGHT, buff=0.35)
        at.set_y(a.front.get_y())
        b.shift(UP * (a.front.get_y() - b.front.get_y()))
        top, _ = self._band()
        group.move_to((0.0, top - group.height / 2, 0.0))
        return group

    def _mm_refuses(self, case: MatmulCase, unit: float = 0.3) -> VGroup:
        """Operands, the code that ran, then torch.mm's real error under them; the card."""
        left = self._operands(case, unit=unit)
        card = self._error(case, left)
        self.point_at_span(case.span)
        self.play(FadeIn(left), run_time=0.6)
        self.play(FadeIn(card, shift=UP * 0.2), run_time=0.5)
        return card

    def _error(self, case: MatmulCase, left: VGroup) -> VGroup:
        assert case.error is not None
        card = ErrorCard(case.error, self.theme, width=8.0)
        card.next_to(left, DOWN, buff=0.25).set_x(0)
        return card

    def _derive(self, case: MatmulCase, card: VGroup, result: TensorGrid | ShapeBlock,
                color: str | None = None) -> VGroup:
        """Swap the error for the dimension table, rows one by one, then the result.

        Returns the table and the frame around the result's badge, to move them together.
        """
        th = self.theme
        table = DimTable(case, th)
        below = VGroup(table, result).arrange(RIGHT, buff=0.7, aligned_edge=UP)
        below.next_to(card.get_top(), DOWN, buff=0).set_x(0)
        self.remove(card)
        self.play(FadeIn(table.header), FadeIn(table.submobjects[1]), run_time=0.4)
        for row in table.rows:
            self.play(FadeIn(row, shift=RIGHT * 0.15), run_time=0.35)
        self.play(FadeIn(result), run_time=0.5)
        frame = SurroundingRectangle(result.badge, color=color or th.result, buff=0.06,
                                     stroke_width=5)
        self.play(Create(frame), run_time=0.4)
        return VGroup(table, frame)

    def _vector_surprise(self, got: MatmulCase, meant: MatmulCase, shown: VGroup) -> None:
        """The same number, one dimension fewer: what mm gives a column, what matmul gives."""
        th = self.theme
        assert got.result is not None and meant.result is not None
        self.step("vector-surprise", f"With a column, torch.mm gives "
                                     f"{_said(_tuple(meant.result))}. torch.matmul returned "
                                     f"{_said(_tuple(got.result))}: one dimension fewer, "
                                     f"and no error.")
        self.point_at_span(meant.span)
        grid = TensorGrid(meant.result, th, th.result, cell_width=CELL_WIDTH)
        grid.name_label.become(VGroup(*(mono(line, th, th.small_size + 2, th.result)
                                        for line in _code_name(meant.result.name)))
                               .arrange(DOWN, aligned_edge=LEFT, buff=0.06)
                               .next_to(grid.cells, UP, buff=0.15).align_to(grid.cells, LEFT))
        grid.badge.align_to(grid.cells, LEFT)
        top = shown.get_top()[1]
        grid.next_to(shown, RIGHT, buff=0.8)
        grid.shift(UP * (top - grid.get_top()[1]))
        warning = label(f"✗ {_tuple(got.result)}, not {_tuple(meant.result)}: no error, "
                        f"where torch.mm raised", th, th.body_size, th.error, weight="BOLD")
        whole = VGroup(shown, grid)
        whole.generate_target()
        whole.target.set_x(0)
        if whole.width > SAFE_WIDTH:  # inside the 32 px safe margins
            whole.target.scale_to_fit_width(SAFE_WIDTH)
        warning.next_to(whole.target, DOWN, buff=0.3).set_x(0)
        self.play(MoveToTarget(whole), run_time=0.6)
        self.play(FadeIn(grid), run_time=0.5)
        self.play(FadeIn(warning, shift=UP * 0.1), run_time=0.5)

    def _stray(self, mm: MatmulCase, got: MatmulCase, meant: MatmulCase) -> None:
        """A stray batch dimension: mm raises, matmul broadcasts it into the result."""
        th = self.theme
        assert got.result is not None and meant.result is not None
        stray = mm.b if len(mm.b.shape) > 2 else mm.a
        self.step("mm-stray", f"A {stray.name} with a stray batch dimension, "
                              f"{_said(_tuple(stray))}: torch.mm refuses it.")
        self._curtain()
        self._code(mm.span.line, got.span.line)
        card = self._mm_refuses(mm, unit=0.22)

        self.step("matmul-stray", f"torch.matmul broadcasts it silently: "
                                  f"{_said(_tuple(got.result))} instead of "
                                  f"{_said(_tuple(meant.result))}, and no error.")
        self.point_at_span(got.span)
        block = ShapeBlock(got.result, th, th.error)
        derived = self._derive(got, card, block, color=th.error)
        warning = label(f"✗ {_tuple(got.result)}, not {_tuple(meant.result)}: no error, "
                        f"where torch.mm raised", th, th.body_size, th.error, weight="BOLD")
        warning.next_to(VGroup(derived, block), DOWN, buff=0.25).set_x(0)
        self.play(FadeIn(warning, shift=UP * 0.1), run_time=0.5)


def _tuple_of(shape: tuple[int, ...]) -> str:
    """A shape as Python writes the tuple: ``(3,)``, ``(2, 5, 3, 2)``."""
    return str(tuple(shape))


def _tuple(facts: TensorFacts | None) -> str:
    return _tuple_of(facts.shape) if facts is not None else "?"


def _said(shape: str) -> str:
    """A shape for a caption: kept on one line (no-break spaces), never split as ``(1,`` ``1)``."""
    return shape.replace(" ", "\u00a0")
