"""The summary table of view / reshape / resize_, every cell backed by another clip's trace.

Each answer names the op records it rests on (:class:`Cited`): the clip, the op's index in that
clip's program and its code. Only ops an earlier clip's story shows are cited, so "the view
clip showed it" is true of every cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.memory import ReshapeTrace, ResizeTrace, ViewTrace
from core.model import Span

__all__ = ["COLUMNS", "Cited", "SummaryCell", "SummaryRow", "SummaryTrace", "summary_trace"]

COLUMNS = (
    "shares storage?",
    "may copy?",
    "changes element count?",
    "can lose data?",
    "errors when?",
)


@dataclass(frozen=True)
class Cited:
    """An op record of another clip that a cell rests on: the clip, the op's index, its code."""

    clip_id: str
    op: int
    code: str


@dataclass(frozen=True)
class SummaryCell:
    """One answer in the table, with the traced fact behind it and the ops that recorded it."""

    answer: str
    evidence: str
    cited: tuple[Cited, ...]

    @property
    def clip_ids(self) -> tuple[str, ...]:
        """The clips that showed this cell's evidence, in citation order."""
        return tuple(dict.fromkeys(c.clip_id for c in self.cited))


@dataclass(frozen=True)
class SummaryRow:
    """One operation's answers; ``span`` marks its op in the summary's own code lines."""

    operation: str
    cells: tuple[SummaryCell, ...]
    span: Span


@dataclass(frozen=True)
class SummaryTrace:
    """The table, the code lines it quotes (one per row, as the earlier clips ran them)."""

    clip_id: str
    kind: str
    title: str
    source: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[SummaryRow, ...]
    sources: tuple[str, ...]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _storage(same: bool) -> str:
    return "same storage" if same else "new storage"


def _short(message: str) -> str:
    """The first clause of an error message, to fit a table cell."""
    return message.split(" (")[0].split(". ")[0]


def _line(clip: ViewTrace | ReshapeTrace | ResizeTrace, op: int, line: int) -> tuple[str, Span]:
    """The statement that ran ``op`` and the op's span within it, as line ``line`` of the
    summary's code."""
    program = clip.program
    statement = next(s for s in program.statements if op in s.ops)
    span = program.ops[op].span
    shift = statement.span.col_start
    return statement.code, Span(line, span.col_start - shift, line, span.col_end - shift)


def summary_trace(
    clip_id: str, title: str, view: ViewTrace, reshape: ReshapeTrace, resize: ResizeTrace
) -> SummaryTrace:
    """Fill the table from the op records the view, reshape and resize clips showed."""
    v, r, z = view.clip_id, reshape.clip_id, resize.clip_id
    vops, rops, zops = view.program.ops, reshape.program.ops, resize.program.ops

    def of_view(op: int) -> Cited:
        return Cited(v, op, vops[op].code)

    def of_reshape(op: int) -> Cited:
        return Cited(r, op, rops[op].code)

    def of_resize(op: int) -> Cited:
        return Cited(z, op, zops[op].code)

    view_rel = vops[view.view_op].relations[0]
    refused = reshape.view_error
    view_row = (
        SummaryCell(_yes(view_rel.same_storage),
                    f"{vops[view.view_op].code}: {_storage(view_rel.same_storage)} "
                    f"{view.view.storage}, {view.source.name} is {view.source.storage}",
                    (of_view(view.view_op),)),
        SummaryCell("never: it raises instead",
                    f"{rops[reshape.view_op].code} raised {refused.type} rather than copy",
                    (of_reshape(reshape.view_op),)),
        SummaryCell("no",
                    f"{view.bad.code}: {view.bad.type}: {view.bad.message}",
                    (of_view(view.bad_op),)),
        SummaryCell(_yes(view.view.numel < view.source.numel),
                    f"{vops[view.view_op].code} reaches {view.view.numel} of "
                    f"{view.source.numel} elements", (of_view(view.view_op),)),
        SummaryCell("other element count, or strides that cannot read storage",
                    f"{view.bad.code}: {_short(view.bad.message)}; "
                    f"{refused.code}: {_short(refused.message)}",
                    (of_view(view.bad_op), of_reshape(reshape.view_op))),
    )
    copies = not reshape.flat_shares_storage
    reshape_row = (
        SummaryCell("if it can" if reshape.reshaped_shares_storage and copies
                    else _yes(reshape.reshaped_shares_storage),
                    f"{rops[reshape.reshape_op].code}: "
                    f"{_storage(reshape.reshaped_shares_storage)} {reshape.reshaped.storage}; "
                    f"{rops[reshape.flat_op].code}: {_storage(reshape.flat_shares_storage)} "
                    f"{reshape.flat.storage}",
                    (of_reshape(reshape.reshape_op), of_reshape(reshape.flat_op))),
        SummaryCell(_yes(copies),
                    f"{rops[reshape.flat_op].code} copied into new storage {reshape.flat.storage}"
                    if copies else f"{rops[reshape.flat_op].code} shared storage",
                    (of_reshape(reshape.flat_op),)),
        SummaryCell("no", f"{reshape.bad.code}: {reshape.bad.type}: {reshape.bad.message}",
                    (of_reshape(reshape.bad_op),)),
        SummaryCell(_yes(reshape.flat.numel < reshape.transposed.numel),
                    f"{rops[reshape.flat_op].code} holds {reshape.flat.numel} of "
                    f"{reshape.transposed.numel} elements", (of_reshape(reshape.flat_op),)),
        SummaryCell("other element count",
                    f"{reshape.bad.code}: {_short(reshape.bad.message)}",
                    (of_reshape(reshape.bad_op),)),
    )
    shrink, grow = resize.shrink, resize.grow
    resize_row = (
        SummaryCell("yes: the same storage" if shrink.same_storage and grow.same_storage
                    else "not always",
                    f"{shrink.code}: {_storage(shrink.same_storage)} {shrink.after.storage}; "
                    f"{grow.code}: {_storage(grow.same_storage)} {grow.after.storage}",
                    (of_resize(shrink.op), of_resize(grow.op))),
        SummaryCell("when it grows: into a new buffer" if grow.buffer_moved else "no",
                    f"{grow.code}: buffer {grow.before.buffer} → {grow.after.buffer}, "
                    f"moved = {grow.buffer_moved}", (of_resize(grow.op),)),
        SummaryCell(_yes(shrink.after.numel != shrink.before.numel),
                    f"{shrink.code}: {shrink.before.numel} → {shrink.after.numel} elements; "
                    f"{grow.code}: {grow.before.numel} → {grow.after.numel}",
                    (of_resize(shrink.op), of_resize(grow.op))),
        SummaryCell(_yes(bool(shrink.lost)),
                    f"{shrink.code}: storage cell {', '.join(map(str, shrink.lost))} is no "
                    f"longer reached by {shrink.after.name}", (of_resize(shrink.op),)),
        SummaryCell("not for a size change",
                    f"{shrink.code} and {grow.code} both ran without error",
                    (of_resize(shrink.op), of_resize(grow.op))),
    )
    lines = [_line(view, view.view_op, 1), _line(reshape, reshape.flat_op, 2),
             _line(resize, grow.op, 3)]
    rows = tuple(SummaryRow(name, cells, span) for name, cells, (_, span) in
                 zip(("view", "reshape", "resize_"), (view_row, reshape_row, resize_row),
                     lines, strict=True))
    return SummaryTrace(
        clip_id=clip_id, kind="summary", title=title,
        source=tuple(code for code, _ in lines),
        columns=COLUMNS, rows=rows, sources=(v, r, z),
    )
