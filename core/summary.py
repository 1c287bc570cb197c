"""The summary table of view / reshape / resize_, every cell backed by another clip's trace."""

from __future__ import annotations

from dataclasses import dataclass

from core.memory import ReshapeTrace, ResizeTrace, ViewTrace

__all__ = ["COLUMNS", "SummaryCell", "SummaryRow", "SummaryTrace", "summary_trace"]

COLUMNS = (
    "shares storage?",
    "may copy?",
    "changes element count?",
    "can lose data?",
    "errors when?",
)


@dataclass(frozen=True)
class SummaryCell:
    """One answer in the table, with the traced fact behind it and the clip that recorded it."""

    answer: str
    evidence: str
    clip_id: str


@dataclass(frozen=True)
class SummaryRow:
    operation: str
    cells: tuple[SummaryCell, ...]


@dataclass(frozen=True)
class SummaryTrace:
    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[SummaryRow, ...]
    sources: tuple[str, ...]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _short(message: str) -> str:
    """The first clause of an error message, to fit a table cell."""
    return message.split(" (")[0].split(". ")[0]


def summary_trace(
    clip_id: str, title: str, view: ViewTrace, reshape: ReshapeTrace, resize: ResizeTrace
) -> SummaryTrace:
    """Fill the table from what the view, reshape and resize traces recorded."""
    v, r, z = view.clip_id, reshape.clip_id, resize.clip_id
    view_row = SummaryRow("view", (
        SummaryCell(_yes(view.shares_storage),
                    f"{view.view.code}: data pointers equal = {view.shares_storage}", v),
        SummaryCell("no" if reshape.view_error is not None else "yes",
                    f"{reshape.view_error.code} raised instead of copying"
                    if reshape.view_error else f"{reshape.flat.code} shared storage", r),
        SummaryCell(_yes(view.view.numel != view.source.numel),
                    f"{view.bad.code}: {view.bad.type}: {view.bad.message}", v),
        SummaryCell(_yes(view.view.numel < view.source.numel),
                    f"v.numel() = {view.view.numel}, weights.numel() = {view.source.numel}", v),
        SummaryCell(
            "other element count" + (" or incompatible strides" if reshape.view_error else ""),
            f"{_short(view.bad.message)}"
            + (f"; {_short(reshape.view_error.message)}" if reshape.view_error else ""),
            v,
        ),
    ))
    reshape_copies = not reshape.flat_shares_storage
    reshape_row = SummaryRow("reshape", (
        SummaryCell("if it can" if reshape.reshaped_shares_storage and reshape_copies
                    else _yes(reshape.reshaped_shares_storage),
                    f"contiguous x: shared = {reshape.reshaped_shares_storage}; "
                    f"x.t(): shared = {reshape.flat_shares_storage}", r),
        SummaryCell(_yes(reshape_copies),
                    f"{reshape.flat.code}: data pointers differ = {reshape_copies}", r),
        SummaryCell(_yes(reshape.flat.numel != reshape.transposed.numel),
                    f"{reshape.bad.code}: {reshape.bad.type}: {reshape.bad.message}", r),
        SummaryCell(_yes(reshape.flat.numel < reshape.transposed.numel),
                    f"f.numel() = {reshape.flat.numel}, x.numel() = {reshape.source.numel}", r),
        SummaryCell("other element count", _short(reshape.bad.message), r),
    ))
    shrink, grow = resize.shrink, resize.grow
    resize_row = SummaryRow("resize_", (
        SummaryCell("same tensor" + ("; storage may move" if not grow.same_storage else ""),
                    f"{shrink.code}: same storage = {shrink.same_storage}; "
                    f"{grow.code}: same storage = {grow.same_storage}", z),
        SummaryCell("when it grows" if not grow.same_storage else "no",
                    f"{grow.code}: storage grew = {grow.storage_grew}, "
                    f"moved = {not grow.same_storage}", z),
        SummaryCell(_yes(shrink.after.numel != shrink.before.numel),
                    f"{shrink.before.numel} → {shrink.after.numel} and "
                    f"{grow.before.numel} → {grow.after.numel} elements", z),
        SummaryCell(_yes(bool(shrink.lost)),
                    f"{shrink.code}: storage cells no longer reached: {list(shrink.lost)}; "
                    f"{grow.code}: uninitialised cells: {list(grow.uninitialized)}", z),
        SummaryCell("not for a size change",
                    f"{shrink.code} and {grow.code} both ran without error", z),
    ))
    return SummaryTrace(
        clip_id=clip_id, kind="summary", title=title,
        code=(view.view.code, reshape.transposed.code, reshape.flat.code, shrink.code, grow.code),
        columns=COLUMNS, rows=(view_row, reshape_row, resize_row), sources=(v, r, z),
    )
