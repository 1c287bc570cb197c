"""A program trace as text: one line per statement and per op, for `torchreel trace --text`."""

from __future__ import annotations

from core.model import (
    Broadcast,
    Join,
    Layout,
    Matmul,
    OpRecord,
    Plan,
    ProgramTrace,
    Reduce,
    Resize,
    TensorRef,
    Write,
)

__all__ = ["op_listing"]


def _ref(ref: TensorRef) -> str:
    return f"{ref.name}#{ref.version}"


def _plan(plan: Plan | None) -> str:
    if isinstance(plan, Broadcast):
        stretched = [f"input {i} along dims {list(d)}" for i, d in enumerate(plan.expanded) if d]
        return "broadcast " + ("; ".join(stretched) if stretched else "(no dim stretched)")
    if isinstance(plan, Reduce):
        rounded = " (printed digits rounded)" if any(plan.rounded) else ""
        return f"reduce dims={plan.dims} keepdim={plan.keepdim}: groups {list(plan.groups)}" \
            + rounded
    if isinstance(plan, Matmul):
        return (f"matmul {plan.a_shape} @ {plan.b_shape} -> {plan.out_shape}, inner "
                f"{plan.inner[0]} vs {plan.inner[1]}, {len(plan.terms)} dot products")
    if isinstance(plan, Layout):
        order = f", written in order {list(plan.write_order)}" if plan.write_order else ""
        return f"element k shows input element {list(plan.sources)}{order}"
    if isinstance(plan, Join):
        return f"join along dim {plan.dim}: (input, element) {list(plan.sources)}"
    if isinstance(plan, Write):
        aliases = ", ".join(f"{_ref(r)} elements {list(e)}" for r, e in plan.aliases)
        return (f"writes cells {list(plan.cells)} = {list(plan.printed)}"
                + (f"; seen by {aliases}" if aliases else ""))
    if isinstance(plan, Resize):
        moved = "buffer moved" if plan.buffer_moved else "buffer kept"
        return (f"resize {plan.old_shape} -> {plan.new_shape}: same storage, {moved}, "
                f"{plan.old_cells} -> {plan.new_cells} cells, lost {list(plan.lost)}, "
                f"uninitialized {list(plan.uninitialized)}")
    return ""


def _op(trace: ProgramTrace, op: OpRecord) -> str:
    head = f"  {op.span.line}:{op.span.col_start}  {op.code}  [{op.op}, {op.kind}]"
    if op.error is not None:
        return f"{head}\n      raised {op.error.type}: {op.error.message.splitlines()[0]}"
    parts = []
    for ref in op.outputs:
        t = trace.tensor(ref)
        parts.append(f"{_ref(ref)} {t.size_text} strides {t.strides} offset {t.storage_offset} "
                     f"storage {t.storage} buffer {t.buffer}")
    rel = ", ".join(f"{r.kind} of {_ref(r.input)}" for r in op.relations if r.kind != "new")
    lines = [head]
    if parts:
        lines.append("      -> " + "; ".join(parts))
    if op.result is not None:
        lines.append(f"      = {op.result}")
    if rel:
        lines.append(f"      {rel}")
    plan = _plan(op.plan)
    if plan:
        lines.append(f"      {plan}")
    return "\n".join(lines)


def op_listing(trace: ProgramTrace) -> str:
    """Every statement with its ops, what they made and how, as torch reported it."""
    out = []
    for statement in trace.statements:
        out.append(f"line {statement.span.line}: {statement.code}")
        out.extend(_op(trace, trace.ops[i]) for i in statement.ops)
        if statement.value is not None:
            out.append(f"  = {statement.value}")
    return "\n".join(out) + "\n"
