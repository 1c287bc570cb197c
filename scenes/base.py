"""TraceScene: the base of every clip. Reads a trace, paces steps, writes captions, sums up."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from manim import (
    DOWN,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    ReplacementTransform,
    Scene,
    Succession,
    Transform,
    VGroup,
    Wait,
    config,
)

from core.lesson import load_lesson
from core.model import ProgramTrace, Span
from core.trace import trace_of
from scenes.components.caption_bar import CaptionBar
from scenes.components.code_line import CodeLine
from scenes.stage import CAPTION_HEIGHT, safe_area
from scenes.theme import THEMES, Theme, theme_from_env

__all__ = ["CAPTION_RATE", "HOLD", "READING_SPEED", "Step", "TraceScene", "bound_on",
           "bound_or"]

T = TypeVar("T")

# Characters a second a viewer reads comfortably: each step lasts at least this long.
# Characters a second a caption may ask a viewer to read, at most (every clip).
CAPTION_RATE = 13.0
READING_SPEED = CAPTION_RATE  # the older name
# Seconds every step stays still after its last motion, so the result can be seen.
HOLD = 1.5


@dataclass(frozen=True)
class Step:
    """A teaching step: its section name, its caption sentence and when it ran."""

    name: str
    caption: str
    start: float
    end: float


class TraceScene(Scene, Generic[T]):
    """A clip that draws one trace.

    The trace is injected by the studio (``trace=``), or read for ``clip_id`` from the lesson
    named by ``TORCHREEL_LESSON`` (the default lesson when unset), so plain ``manim`` works.
    Subclasses write ``construct`` as a sequence of :meth:`step` calls and end with
    :meth:`closing`.
    """

    clip_id: ClassVar[str]
    trace_type: ClassVar[type]
    theme_name: ClassVar[str | None] = None
    storyboard_dir: str | None = None
    storyboard_only = False
    # Set by the studio to narrate a clip: called as each step starts with (index, name,
    # caption), it returns the seconds that step must last at least (its speech and a breath).
    narrator: Callable[[int, str, str], float] | None = None

    def __init__(self, *args: Any, trace: T | None = None, theme: Theme | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._trace = trace
        self.theme = theme or (THEMES[self.theme_name] if self.theme_name else theme_from_env())
        self.steps: list[Step] = []
        self._open: tuple[str, str, float] | None = None
        self._spoken_s = 0.0
        self.last_motion = 0.0
        self.holds: list[float] = []  # per step: seconds still after its last motion
        self.caption_bar: CaptionBar | None = None
        self.code: CodeLine | None = None
        self.code_mark: VGroup | None = None
        self.code_first_line = 1

    @property
    def trace(self) -> T:
        if self._trace is None:
            lesson = load_lesson(os.environ.get("TORCHREEL_LESSON") or None)
            clip_id = os.environ.get("TORCHREEL_CLIP") or self.clip_id
            self._trace = trace_of(lesson, clip_id, self.trace_type)
        return self._trace

    def setup(self) -> None:
        self.camera.background_color = self.theme.background  # type: ignore[union-attr]

    def play(self, *args: Any, **kwargs: Any) -> None:
        super().play(*args, **kwargs)
        # Scene.wait plays a Wait: that is stillness, not motion.
        if not all(isinstance(a, Wait) for a in args):
            self.last_motion = self.time

    # Steps

    def step(self, name: str, caption: str) -> None:
        """Start a teaching step: a new section and a new sentence in the caption bar."""
        self._close_step()
        self.next_section(name)
        bar = CaptionBar(caption, self.theme)
        if self.caption_bar is not None:
            # The old sentence goes before the new one comes: glyphs morphing from one
            # sentence into another are unreadable.
            self.play(FadeOut(self.caption_bar), run_time=0.25)
        self.play(FadeIn(bar), run_time=0.3)
        self.caption_bar = bar
        self._open = (name, caption, self.time - 0.3)
        self._spoken_s = self.narrator(len(self.steps), name, caption) if self.narrator else 0.0

    def _close_step(self) -> None:
        if self._open is None:
            return
        name, caption, start = self._open
        # Long enough to read (or to say), and still for HOLD seconds after the last motion.
        needed = max(len(caption) / CAPTION_RATE, self._spoken_s,
                     self.last_motion + HOLD - start)
        # Time advances in whole frames, so one wait can fall just short at a low frame rate.
        while self.time - start < needed - 1e-9:
            self.wait(max(needed - (self.time - start), 1 / config.frame_rate))
        self.holds.append(self.time - self.last_motion)
        self.inspect_step(name)
        self._save_storyboard_frame(name)
        end = self.time
        self.add_subcaption(caption, duration=end - start, offset=start - end)
        self.steps.append(Step(name=name, caption=caption, start=start, end=end))
        self._open = None

    def _save_storyboard_frame(self, name: str) -> None:
        """Keep the frame that ends a step, for the storyboard contact sheet."""
        folder = self.storyboard_dir or os.environ.get("TORCHREEL_STORYBOARD_DIR")
        # A storyboard-only run (studio.preview) skips every animation yet keeps these frames.
        if not folder or (self.renderer.skip_animations and not self.storyboard_only):
            return
        from PIL import Image

        path = Path(folder) / f"{len(self.steps):02d}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        # A played animation's last rendered frame is just short of its end state: redraw.
        self.renderer.update_frame(self)
        Image.fromarray(self.renderer.get_frame()).convert("RGB").save(path)

    def inspect_step(self, name: str) -> None:
        """Called at the end of every step, before the next one clears anything; tests hook in."""

    def finish(self) -> None:
        """Close the last step; every construct ends with it (``closing`` calls it)."""
        self._close_step()

    # Code panel

    def show_code(self, lines: tuple[str, ...] | list[str]) -> CodeLine:
        """Put the clip's code at the top of the frame."""
        self.code = CodeLine(lines, self.theme)
        left, _, right, top = safe_area()
        if self.code.width > right - left:
            self.code.scale_to_fit_width(right - left)
        self.code.move_to((0.0, top - self.code.height / 2, 0.0))
        self.play(FadeIn(self.code), run_time=0.5)
        return self.code

    def show_program(self, program: ProgramTrace, first: int = 1,
                     last: int | None = None) -> CodeLine:
        """Put lines ``first``..``last`` (1-based, as spans count) of the clip's code on top."""
        self.code_first_line = first
        return self.show_code(program.source[first - 1:last])

    def show_program_from_seed(self, program: ProgramTrace) -> CodeLine:
        """The clip's whole code under the ``torch.manual_seed`` call that ran just before it."""
        self.code_first_line = 0  # the seed call sits above line 1 of the code
        return self.show_code([f"torch.manual_seed({program.seed})", *program.source])

    def point_at_span(self, span: Span) -> None:
        """Mark the code an op record came from: its line, its exact columns."""
        assert self.code is not None
        line = span.line - self.code_first_line
        columns = (span.col_start, span.col_end) if span.end_line == span.line else None
        self._move_mark(self.code.mark(line, columns=columns))

    def point_at_line(self, line: int) -> None:
        """Mark a whole line of the clip's code (1-based, as spans count)."""
        assert self.code is not None
        self._move_mark(self.code.mark(line - self.code_first_line))

    def _move_mark(self, mark: VGroup) -> None:
        if self.code_mark is None:
            self.play(FadeIn(mark), run_time=0.4)
        else:
            self.play(ReplacementTransform(self.code_mark, mark), run_time=0.4)
        self.code_mark = mark

    # A tensor's cells into a story layout

    def cells_into(self, figure: Any, labels: Sequence[Mobject] | VGroup, draw: Any,
                   patches: Sequence[Mobject], name_to: Mobject | None = None,
                   badge_to: Mobject | None = None) -> None:
        """A tensor appears as the code clips draw it (name, size, one cell per element); the
        diagram's part is drawn (``draw``); then its cells travel one at a time to ``labels``
        (the places of their values in the diagram), where the boxes fade over the
        ``patches`` that keep lines off the numbers. The values stay on as the diagram's
        labels: each number on screen is one mobject from the tensor to its place. The name
        and size badge settle onto ``name_to`` and ``badge_to`` (or leave)."""
        self.play(FadeIn(VGroup(figure.name_label, figure.badge)),
                  LaggedStart(*(FadeIn(c, shift=DOWN * 0.25) for c in figure.cells),
                              lag_ratio=0.15), run_time=0.8)
        self.play(draw, run_time=0.7)
        cells = [figure.cell(k) for k in range(len(figure.cells))]
        each = min(0.5, 2.5 / len(cells))
        # Each cell becomes its label on the way: the box fades, the value takes the label's
        # size and colour (a Transform of the cell into an edited copy of itself: the same
        # mobject moves, nothing is swapped).
        landings: list[Any] = []
        for cell, target in zip(cells, labels, strict=True):
            landed = cell.copy().move_to(target)
            landed.box.set_stroke(opacity=0).set_fill(opacity=0)
            landed.value.set_color(target.get_color()).scale(
                target.height / cell.value.height).move_to(target)
            landings.append(Transform(cell, landed, run_time=each))
        self.play(Succession(*landings), run_time=each * len(cells))
        header: list[Any] = []
        if name_to is None:
            header.append(FadeOut(figure.name_label))
        else:
            header.append(figure.name_label.animate.replace(name_to).set_color(
                name_to.get_color()))
        header.append(FadeOut(figure.badge) if badge_to is None
                      else figure.badge.animate.replace(badge_to))
        self.add(*patches)
        for cell in cells:
            self.bring_to_front(cell)
        self.play(*(FadeIn(p) for p in patches), *header, run_time=0.5)

    # Closing frame

    def closing(self, takeaway: str) -> None:
        """The closing frame (the poster): the final annotated figure stays as it is, and the
        caption says the clip's one-line takeaway."""
        self.step("closing", takeaway)
        self.finish()

    def fit_between_code_and_caption(self, group: Mobject, margin: float = 0.25) -> Mobject:
        """Scale and place ``group`` in the free band between code panel and caption bar."""
        top = (self.code.get_bottom()[1] if self.code is not None else 3.8) - margin
        bottom = safe_area()[1] + CAPTION_HEIGHT + margin
        left, _, right, _ = safe_area()
        width = right - left
        if group.height > top - bottom:
            group.scale_to_fit_height(top - bottom)
        if group.width > width:
            group.scale_to_fit_width(width)
        group.move_to((0.0, (top + bottom) / 2, 0.0))
        return group


def bound_on(program: ProgramTrace, name: str) -> int:
    """The line of the statement that first binds ``name`` (where the code panel starts)."""
    return next(s.span.line for s in program.statements if s.binds and s.binds.name == name)


def bound_or(program: ProgramTrace, name: str, fallback: int) -> int:
    """The line that first binds ``name``, or ``fallback`` for a lesson input the code never
    binds (a clip may give its tensors in the lesson and only use them in the code)."""
    return next((s.span.line for s in program.statements if s.binds and s.binds.name == name),
                fallback)
