"""CodeClip: any ProgramTrace played statement by statement on the stage, one visual per op."""

from __future__ import annotations

from typing import Any

from manim import LEFT, UP, FadeIn, FadeOut, Rectangle, ReplacementTransform, VGroup

from core.model import (
    Broadcast,
    Join,
    OpKind,
    OpRecord,
    ProgramTrace,
    Reduce,
    Resize,
    Span,
    Statement,
    Write,
)
from scenes.base import CAPTION_RATE, HOLD, TraceScene
from scenes.components.caption_band import CaptionBand
from scenes.components.text import mono
from scenes.stage import MEMORY_KINDS, Stage, is_named
from scenes.visuals import play_op
from scenes.visuals.common import rearrange

__all__ = ["CAPTION_RATE", "HOLD", "CodeClip", "statement_caption", "takeaway"]



class CodeClip(TraceScene[Any]):
    """A code clip: the snippet at the top, each statement a step, each op its visual.

    It plays a :class:`ProgramTrace`, or a story kind's trace (view, reshape, resize_, ...):
    those carry the program they checked in ``program``, and play the same way.
    """

    clip_id = "code"
    # Any trace: :attr:`program` checks that it is, or carries, a ProgramTrace.
    trace_type = object

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.band: CaptionBand | None = None
        self.stage: Stage | None = None
        self.marker: VGroup | None = None

    @property
    def program(self) -> ProgramTrace:
        """The program this clip plays: the trace itself, or the story trace's program."""
        trace = self.trace
        program = trace if isinstance(trace, ProgramTrace) else getattr(trace, "program", None)
        assert isinstance(program, ProgramTrace), f"{type(trace).__name__} has no program"
        return program

    def construct(self) -> None:
        trace = self.program
        self.stage = stage = Stage(trace, self.theme)
        self.play(FadeIn(stage.code), run_time=0.5)
        for number, statement in enumerate(trace.statements):
            self.step(f"{number + 1:02d}-line-{statement.span.line}",
                      statement_caption(trace, statement))
            ops = [trace.ops[i] for i in statement.ops]
            if stage.strips and not any(op.kind in MEMORY_KINDS and op.error is None for op in ops):
                # Not about memory (or an error card needs the room): the strips go.
                rearrange(self, stage.drop_strips(), 0.6)
            self.point_at_span(statement.span)
            for index in statement.ops:
                op = trace.ops[index]
                if len(statement.ops) > 1:
                    self.point_at_span(op.span)
                play_op(self, stage, op)
            if statement.error is not None and not statement.ops:
                continue
        # The poster is the last annotated figure: after a refused line, its error card goes
        # and the tensors it was about stand as they are.
        self.step("closing", takeaway(trace), clear=trace.statements[-1].error is not None)
        self.finish()

    # Steps: captions in the caption band, held long enough to read and to see

    def step(self, name: str, caption: str, clear: bool = True) -> None:
        """Start a step: clear the last step's annotations, show the caption at its fixed x."""
        self._close_step()
        self.next_section(name)
        stage = self.stage
        assert stage is not None
        b = stage.bands()
        band = CaptionBand(caption, self.theme, left=b.left, right=b.right,
                           bottom=b.caption[0], height=b.caption[1] - b.caption[0])
        anims: list[Any] = []
        if clear and stage.extras:
            anims += [FadeOut(m) for m in stage.extras]
            stage.extras.clear()
            if stage.floor:
                # The error card that kept the band's floor is gone: the tensors move back.
                stage.floor = 0.0
                anims += stage.arrange()
        if self.band is not None:
            # The old sentence goes before the new one comes: two sentences fading through
            # each other are unreadable, and morphing one's glyphs into the other's is worse.
            anims.append(FadeOut(self.band))
        rearrange(self, anims, 0.4)
        self.play(FadeIn(band), run_time=0.3)
        self.band = band
        self._open = (name, caption, self.time - 0.3)
        # Narrated: the step lasts at least its speech (TraceScene._close_step waits for it).
        self._spoken_s = self.narrator(len(self.steps), name, caption) if self.narrator else 0.0

    # The code panel's marker

    def point_at_span(self, span: Span) -> None:
        """Point at a span's line and box exactly its columns."""
        stage = self.stage
        assert stage is not None
        code = stage.code
        line = span.line - 1
        dy, scroll = stage.scroll_to(line)
        text = code.source[line]
        end = span.col_end if span.end_line == span.line else len(text)
        first = len(text[:span.col_start].replace(" ", ""))
        count = len(text[span.col_start:end].replace(" ", ""))
        glyphs = VGroup(*code.lines[line].submobjects[first:first + count])
        target = code.lines[line]
        pointer = mono("▶", self.theme, self.theme.code_size, stage.highlight)
        pointer.match_height(target[0]).scale(1.1)
        pointer.next_to(target, LEFT, buff=0.2)
        box = Rectangle(width=glyphs.width + 0.14, height=target.height + 0.12,
                        stroke_color=stage.highlight, stroke_width=2.5,
                        fill_color=stage.highlight, fill_opacity=0.15)
        box.move_to(glyphs).set_y(target.get_y())
        mark = VGroup(pointer, box).shift(UP * dy)
        if self.marker is None:
            self.play(FadeIn(mark), *scroll, run_time=0.4)
        else:
            self.play(ReplacementTransform(self.marker, mark), *scroll, run_time=0.4)
        self.marker = mark
        stage.marker = mark  # the stage moves it when the code window changes


# Sentences generated from the op records' facts when the author gave none


def _op_sentence(trace: ProgramTrace, op: OpRecord) -> str:
    if op.error is not None:
        return f"torch refuses {op.code}: {op.error.type}, in its own words below."
    out = trace.tensor(op.outputs[0]) if op.outputs else None
    name = out.name if out is not None and is_named(out.ref) else "the result"
    plan = op.plan
    inputs = ", ".join(dict.fromkeys(r.name for r in op.inputs))
    if op.kind == OpKind.CREATE and out is not None:
        if out.library == "numpy":
            return f"{name} is a new NumPy array of shape {tuple(out.shape)}."
        return f"{name} is a new tensor, {out.size_text}."
    if op.kind == OpKind.LAYOUT and out is not None:
        if 0 in out.strides:
            dims = ", ".join(str(d) for d, s in enumerate(out.strides) if s == 0)
            return (f"{op.op} gives {name} stride 0 along dim {dims}: it reads the same cells "
                    f"again, and nothing is copied.")
        return (f"{name} = {op.code}: the same cells move into shape {tuple(out.shape)}; "
                f"same storage {out.storage}, strides {out.strides}, no copy.")
    if op.kind == OpKind.COPY and out is not None:
        return (f"{op.code} copies: torch writes the values into new storage {out.storage}, "
                f"in the order {name} reads them.")
    if op.kind == OpKind.ELEMENTWISE and isinstance(plan, Broadcast) and out is not None:
        stretched = [f"{ref.name} along dim {', '.join(map(str, dims))}"
                     for ref, dims in zip(op.inputs, plan.expanded, strict=False) if dims]
        if stretched:
            return (f"{op.code}: shapes line up from the right; "
                    f"{' and '.join(stretched)} repeat with stride 0, no copy.")
        return f"{op.code} works element by element: {name} is {out.size_text}."
    if op.kind == OpKind.REDUCE and isinstance(plan, Reduce) and out is not None:
        if op.op == "softmax":
            return (f"softmax along dim {', '.join(map(str, plan.dims or ()))}: each group "
                    f"of {len(plan.groups[0])} values becomes weights that sum to one.")
        keep = ", kept as size 1" if plan.keepdim else ""
        over = f"dim {', '.join(map(str, plan.dims))}" if plan.dims is not None else "all dims"
        return (f"{op.op} over {over}{keep}: each group of {len(plan.groups[0])} values "
                f"adds up to one value of {name}.")
    if op.kind == OpKind.MATMUL and out is not None:
        return (f"Each value of {name} is a row of {op.inputs[0].name} times a column of "
                f"{op.inputs[1].name}: {out.size_text}.")
    if op.kind == OpKind.JOIN and isinstance(plan, Join) and out is not None:
        if op.op == "stack":
            return f"stack puts {inputs} along a new dim {plan.dim}: {out.size_text}."
        return f"cat joins {inputs} along dim {plan.dim}, which grows: {out.size_text}."
    if op.kind == OpKind.WRITE and isinstance(plan, Write):
        writer = trace.tensor(plan.writer)
        seen = ", ".join(ref.name for ref, _ in plan.aliases)
        also = f"; {seen} sees it too" if seen else ""
        return f"{op.code} writes into storage {writer.storage}{also}."
    if op.kind == OpKind.RESIZE and isinstance(plan, Resize) and out is not None:
        followers = ", ".join(r.name for r in plan.aliases)
        follow = f"; {followers} follows" if followers else ""
        if plan.buffer_moved:
            return (f"{op.code} needs {plan.new_cells} cells: the same storage {out.storage} "
                    f"gets a new, larger buffer{follow}.")
        if plan.lost:
            return (f"{op.code} uses fewer cells: storage {out.storage} keeps them all, but "
                    f"{name} no longer reaches {len(plan.lost)} of them.")
        return f"{op.code} keeps the same storage {out.storage} with a new shape."
    if op.kind == OpKind.BRIDGE and out is not None:
        return f"{name} and {inputs} share one buffer, {out.buffer}: no copy."
    if op.kind == OpKind.QUERY:
        return f"{op.code} answers {op.result}."
    return f"{op.code}."


def statement_caption(trace: ProgramTrace, statement: Statement) -> str:
    """The author's words for a line, or a sentence from the facts of its last op."""
    if statement.say:
        return statement.say
    if not statement.ops:
        return f"{statement.code}."
    ops = [trace.ops[i] for i in statement.ops]
    failed = [op for op in ops if op.error is not None]
    return _op_sentence(trace, failed[0] if failed else ops[-1])


def takeaway(trace: ProgramTrace) -> str:
    """One line for the closing frame: the author's ``takeaway``, or one made from what the
    clip's last telling op did."""
    if trace.takeaway:
        return trace.takeaway
    names = {op.op for op in trace.ops}
    if any(op.error is not None for op in trace.ops):
        return "When shapes do not fit, torch stops and says why."
    telling = [op for op in trace.ops if op.kind not in (OpKind.CREATE, OpKind.QUERY)]
    if not telling:
        return trace.title
    last = telling[-1]
    kind, plan = last.kind, last.plan
    if kind == OpKind.WRITE:
        return "A write through a view lands in the shared storage."
    if kind == OpKind.RESIZE:
        return "resize_ keeps its storage object, even when the buffer moves."
    if kind == OpKind.COPY:
        return "When strides cannot describe it, torch copies."
    if kind == OpKind.JOIN:
        if {"cat", "stack"} <= names:
            return "cat grows a dim; stack adds a new one."
        return "Joining tensors copies them into new storage."
    if "softmax" in names:
        return "softmax turns each row into weights that sum to one."
    if kind == OpKind.REDUCE:
        return "A reduction folds a dim; keepdim keeps it as size 1."
    if kind == OpKind.ELEMENTWISE and isinstance(plan, Broadcast) and any(plan.expanded):
        return "Broadcasting stretches dims of size one with stride 0."
    if kind == OpKind.MATMUL:
        return "Inner sizes must match; outer sizes give the shape."
    if kind == OpKind.BRIDGE:
        return "NumPy and torch can share one buffer: no copy."
    if kind == OpKind.LAYOUT:
        out = trace.tensor(last.outputs[0])
        if 0 in out.strides:
            return "expand repeats values with stride 0: no copy."
        return "A view changes shape and strides, never the values."
    return trace.title
