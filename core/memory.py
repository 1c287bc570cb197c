"""Traces of the memory clips: view, reshape, resize_, strides and the NumPy bridge."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.lesson import ClipSpec, refuse
from core.model import (
    ErrorFacts,
    OpKind,
    OpRecord,
    ProgramTrace,
    Resize,
    TensorFacts,
    TensorRef,
    Write,
    logical_indices,
    volatile,
)
from core.program import program_trace
from core.story import need

__all__ = [
    "NumpyBridgeTrace",
    "ReshapeTrace",
    "ResizeStep",
    "ResizeTrace",
    "StrideWalk",
    "StridesTrace",
    "ViewTrace",
    "numpy_bridge_trace",
    "reshape_trace",
    "resize_trace",
    "strides_trace",
    "view_trace",
]


def _dims(shape: tuple[int, ...]) -> str:
    return ", ".join(map(str, shape))


@dataclass(frozen=True)
class ViewTrace:
    """``weights.view(shape)`` shares memory; a change through it shows in ``weights``.

    ``program`` is the clip's code as it ran; ``view_op``, ``change_op`` and ``bad_op`` index
    its op records (their spans say which code to point at).
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    view_op: int
    change_op: int
    bad_op: int
    source: TensorFacts
    view: TensorFacts
    shares_storage: bool
    change_code: str
    change_index: tuple[int, ...]
    source_after: TensorFacts
    view_after: TensorFacts
    bad: ErrorFacts


@dataclass(frozen=True)
class ReshapeTrace:
    """``reshape`` returns a view of a contiguous tensor and a copy of a transposed one.

    ``program`` is the clip's code as it ran; the ``*_op`` fields index its op records. Whether
    each reshape shared or copied is the relation torch reported, never a rule.
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    reshape_op: int
    transpose_op: int
    view_op: int
    flat_op: int
    bad_op: int
    source: TensorFacts
    reshaped: TensorFacts
    reshaped_shares_storage: bool
    transposed: TensorFacts
    transposed_shares_storage: bool
    view_error: ErrorFacts
    flat: TensorFacts
    flat_shares_storage: bool
    bad: ErrorFacts


@dataclass(frozen=True)
class ResizeStep:
    """One ``resize_`` call: the tensor and its storage before and after, as torch reported.

    ``same_storage``: the storage object is the one it was; ``buffer_moved``: torch gave that
    object a new memory block (the old bytes copied over, every alias following). ``aliases``
    are the other tensors over that storage, after the call.
    """

    op: int
    made_by: int
    code: str
    before: TensorFacts
    after: TensorFacts
    same_storage: bool
    buffer_moved: bool
    storage_grew: bool
    lost: tuple[int, ...]
    uninitialized: tuple[int, ...]
    aliases: tuple[TensorFacts, ...]
    alias_ops: tuple[int, ...] = ()  # the op that first bound each alias


@dataclass(frozen=True)
class ResizeTrace:
    """``resize_`` shrinking (a cell no longer reached) and growing (a moved buffer, a new cell)."""

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    source: TensorFacts
    shrink: ResizeStep
    grow: ResizeStep
    view_op: int
    view_error: ErrorFacts


@dataclass(frozen=True)
class StrideWalk:
    """One step along dimension ``dim`` and how far it moves in storage."""

    dim: int
    stride: int
    start: tuple[int, ...]
    end: tuple[int, ...]
    start_cell: int
    end_cell: int


@dataclass(frozen=True)
class StridesTrace:
    """Strides, ``t()`` sharing memory, and ``contiguous()`` copying it into row order.

    ``stride_result`` and ``contiguous_result`` are the Python answers the code printed.
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    stride_op: int
    transpose_op: int
    check_op: int
    contiguous_op: int
    stride_result: str
    contiguous_result: str
    source: TensorFacts
    walks: tuple[StrideWalk, ...]
    transposed: TensorFacts
    transposed_shares_storage: bool
    transposed_walks: tuple[StrideWalk, ...]
    contiguous: TensorFacts
    contiguous_shares_storage: bool


@dataclass(frozen=True)
class NumpyBridgeTrace:
    """``torch.from_numpy`` and ``.numpy()`` share one buffer; an in-place change shows in both.

    The NumPy array and the tensor are two storage objects over one memory block: the relations
    torch reported say ``same_buffer`` and not ``same_storage``, and the scene says exactly that.
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    array_op: int
    from_numpy_op: int
    back_op: int
    change_op: int
    numpy_dtype: str
    array: TensorFacts
    array_repr: str
    array_printed: tuple[str, ...]
    tensor: TensorFacts
    shares_buffer: bool
    shares_storage: bool
    back: TensorFacts
    back_shares_buffer: bool
    back_shares_storage: bool
    change_code: str
    array_after: TensorFacts
    array_repr_after: str
    array_printed_after: tuple[str, ...]
    tensor_after: TensorFacts
    # Addresses change every run: marked volatile, so the clip's hash leaves them out.
    array_address: int = volatile(default=0)
    tensor_address: int = volatile(default=0)
    back_address: int = volatile(default=0)


def view_trace(clip: ClipSpec) -> ViewTrace:
    """Trace the clip's code: a view that works, a write through it, a view torch refuses."""
    program = program_trace(clip)
    ops = program.ops
    view_op = need(clip, program, "a view that works, e.g. v = weights.view(5, 1)",
                   lambda op: op.op == "view" and op.error is None)
    change_op = need(clip, program, "a write through the view, e.g. v[2, 0] = 0.0",
                     lambda op: op.kind == OpKind.WRITE and op.inputs[0] == ops[view_op].outputs[0],
                     after=view_op)
    bad_op = need(clip, program, "a view torch refuses, e.g. weights.view(2, 3)",
                  lambda op: op.op == "view" and op.error is not None)
    view_record, change = ops[view_op], ops[change_op]
    write = change.plan
    assert isinstance(write, Write)
    seen = dict(write.aliases)
    source_ref = view_record.inputs[0]
    after = next((ref for ref in seen if ref.name == source_ref.name), None)
    if after is None:
        raise refuse(clip, "code", f"a write that {source_ref.name} sees through the view",
                     change.code)
    view_facts = program.tensor(view_record.outputs[0])
    bad = ops[bad_op].error
    assert bad is not None
    statement = next(s for s in program.statements if change_op in s.ops)
    return ViewTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        view_op=view_op, change_op=change_op, bad_op=bad_op,
        source=program.tensor(source_ref), view=view_facts,
        shares_storage=view_record.relations[0].same_storage,
        change_code=statement.code,
        change_index=logical_indices(view_facts.shape)[write.elements[0]],
        source_after=program.tensor(after), view_after=program.tensor(write.writer),
        bad=bad,
    )


def _made(program: ProgramTrace, ref: TensorRef) -> int:
    """The op that produced a tensor version."""
    return next(i for i, op in enumerate(program.ops) if ref in op.outputs)


def reshape_trace(clip: ClipSpec) -> ReshapeTrace:
    """Trace the clip's code: reshape of a contiguous tensor, its transpose, view and reshape."""
    program = program_trace(clip)
    ops = program.ops
    transpose_op = need(clip, program, "a transpose, e.g. xt = x.t()",
                        lambda op: op.op in ("t", "transpose") and op.error is None)
    xt_ref = ops[transpose_op].outputs[0]
    x_ref = ops[transpose_op].inputs[0]
    reshape_op = need(clip, program, "a reshape of the tensor before it is transposed, e.g. "
                                     "r = x.reshape(3, 2)",
                      lambda op: op.op == "reshape" and op.error is None
                      and op.inputs[0] == x_ref)
    view_op = need(clip, program, "a view of the transpose that torch refuses, e.g. xt.view(6)",
                   lambda op: op.op == "view" and op.error is not None
                   and op.inputs[0] == xt_ref)
    flat_op = need(clip, program, "a reshape of the transpose, e.g. f = xt.reshape(6)",
                   lambda op: op.op == "reshape" and op.error is None and op.inputs[0] == xt_ref)
    bad_op = need(clip, program, "a reshape torch refuses, e.g. x.reshape(4)",
                  lambda op: op.op == "reshape" and op.error is not None)
    view_error, bad = ops[view_op].error, ops[bad_op].error
    assert view_error is not None and bad is not None
    return ReshapeTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        reshape_op=reshape_op, transpose_op=transpose_op, view_op=view_op, flat_op=flat_op,
        bad_op=bad_op,
        source=program.tensor(x_ref),
        reshaped=program.tensor(ops[reshape_op].outputs[0]),
        reshaped_shares_storage=ops[reshape_op].relations[0].same_storage,
        transposed=program.tensor(xt_ref),
        transposed_shares_storage=ops[transpose_op].relations[0].same_storage,
        view_error=view_error,
        flat=program.tensor(ops[flat_op].outputs[0]),
        flat_shares_storage=ops[flat_op].relations[0].same_storage,
        bad=bad,
    )


def _resize_step(program: ProgramTrace, index: int) -> ResizeStep:
    op = program.ops[index]
    plan = op.plan
    assert isinstance(plan, Resize)
    before, after = program.tensor(op.inputs[0]), program.tensor(op.outputs[0])
    return ResizeStep(
        op=index, made_by=_made(program, op.inputs[0]), code=op.code,
        before=before, after=after,
        # The storage label is kept per storage object (its _cdata), so equal labels say the
        # object stayed; the plan's own flag is not measured by the tracer.
        same_storage=before.storage == after.storage,
        buffer_moved=plan.buffer_moved,
        storage_grew=plan.new_cells > plan.old_cells,
        lost=plan.lost, uninitialized=plan.uninitialized,
        aliases=tuple(program.tensor(ref) for ref in plan.aliases),
        alias_ops=tuple(next(i for i, o in enumerate(program.ops)
                             if any(out.name == ref.name for out in o.outputs))
                        for ref in plan.aliases),
    )


def resize_trace(clip: ClipSpec) -> ResizeTrace:
    """Trace the clip's code: resize_ shrinking one copy and growing another, and a view."""
    program = program_trace(clip)
    ops = program.ops

    def resize(op: OpRecord, grows: bool) -> bool:
        plan = op.plan
        return isinstance(plan, Resize) and op.error is None and \
            (math.prod(plan.new_shape) > math.prod(plan.old_shape)) is grows and \
            math.prod(plan.new_shape) != math.prod(plan.old_shape)

    shrink_op = need(clip, program, "a resize_ to fewer elements, e.g. s.resize_(2, 2)",
                     lambda op: resize(op, False))
    grow_op = need(clip, program, "a resize_ to more elements, e.g. g.resize_(2, 3)",
                   lambda op: resize(op, True))
    view_op = need(clip, program, "a view torch refuses, e.g. weights.view(2, 2)",
                   lambda op: op.op == "view" and op.error is not None)
    shrink, grow = _resize_step(program, shrink_op), _resize_step(program, grow_op)
    source = ops[shrink.made_by].inputs
    if not source:
        raise refuse(clip, "code", "a copy of a tensor to shrink, e.g. s = weights.clone()",
                     ops[shrink.made_by].code)
    view_error = ops[view_op].error
    assert view_error is not None
    return ResizeTrace(clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
                       source=program.tensor(source[0]), shrink=shrink, grow=grow,
                       view_op=view_op, view_error=view_error)


def _walks(facts: TensorFacts) -> tuple[StrideWalk, ...]:
    walks = []
    start = (0,) * len(facts.shape)
    for dim, size in enumerate(facts.shape):
        if size < 2:
            continue
        end = tuple(1 if d == dim else 0 for d in range(len(facts.shape)))
        walks.append(StrideWalk(
            dim=dim, stride=facts.strides[dim], start=start, end=end,
            start_cell=facts.storage_index[0],
            end_cell=facts.storage_index[_flat_position(facts.shape, end)],
        ))
    return tuple(walks)


def _flat_position(shape: tuple[int, ...], index: tuple[int, ...]) -> int:
    position = 0
    for size, i in zip(shape, index, strict=True):
        position = position * size + i
    return position


def strides_trace(clip: ClipSpec) -> StridesTrace:
    """Trace the clip's code: x.stride(), xt = x.t(), xt.is_contiguous(), xt.contiguous()."""
    program = program_trace(clip)
    ops = program.ops
    transpose_op = need(clip, program, "a transpose, e.g. xt = x.t()",
                        lambda op: op.op in ("t", "transpose") and op.error is None)
    x_ref, xt_ref = ops[transpose_op].inputs[0], ops[transpose_op].outputs[0]
    stride_op = need(clip, program, "the strides of the tensor transposed, e.g. x.stride()",
                     lambda op: op.op == "stride" and op.inputs[0].name == x_ref.name)
    check_op = need(clip, program, "xt.is_contiguous() on the transpose",
                    lambda op: op.op == "is_contiguous" and op.inputs[0] == xt_ref)
    contiguous_op = need(clip, program, "a contiguous copy of the transpose, e.g. "
                                        "c = xt.contiguous()",
                         lambda op: op.op == "contiguous" and op.inputs[0] == xt_ref)
    source, transposed = program.tensor(x_ref), program.tensor(xt_ref)
    assert ops[stride_op].result is not None and ops[check_op].result is not None
    return StridesTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        stride_op=stride_op, transpose_op=transpose_op, check_op=check_op,
        contiguous_op=contiguous_op,
        stride_result=ops[stride_op].result or "", contiguous_result=ops[check_op].result or "",
        source=source, walks=_walks(source),
        transposed=transposed,
        transposed_shares_storage=ops[transpose_op].relations[0].same_storage,
        transposed_walks=_walks(transposed),
        contiguous=program.tensor(ops[contiguous_op].outputs[0]),
        contiguous_shares_storage=ops[contiguous_op].relations[0].same_storage,
    )


def numpy_bridge_trace(clip: ClipSpec) -> NumpyBridgeTrace:
    """Trace the clip's code: a NumPy array, torch.from_numpy, .numpy() and an in-place change."""
    program = program_trace(clip)
    ops = program.ops
    from_numpy_op = need(clip, program, "b = torch.from_numpy(a)",
                         lambda op: op.op == "from_numpy" and op.error is None)
    a_ref, b_ref = ops[from_numpy_op].inputs[0], ops[from_numpy_op].outputs[0]
    back_op = need(clip, program, "c = b.numpy()",
                   lambda op: op.op == "numpy" and op.error is None and op.inputs[0] == b_ref)
    change_op = need(clip, program, "an in-place change of b, e.g. b.mul_(2)",
                     lambda op: op.kind == OpKind.WRITE and op.inputs[0] == b_ref)
    write = ops[change_op].plan
    assert isinstance(write, Write)
    array_after = next((ref for ref, _ in write.aliases if ref.name == a_ref.name), None)
    if array_after is None:
        raise refuse(clip, "code", f"a change of b that the array {a_ref.name} sees",
                     ops[change_op].code)
    array, back = program.tensor(a_ref), program.tensor(ops[back_op].outputs[0])
    tensor, after = program.tensor(b_ref), program.tensor(array_after)
    made, there, back_rel = ops[_made(program, a_ref)], ops[from_numpy_op].relations[0], \
        ops[back_op].relations[0]
    assert array.repr is not None and after.repr is not None
    statement = next(s for s in program.statements if change_op in s.ops)
    return NumpyBridgeTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        array_op=program.ops.index(made), from_numpy_op=from_numpy_op, back_op=back_op,
        change_op=change_op,
        # NumPy's dtype name: the array's dtype as torch names it, without the module.
        numpy_dtype=array.dtype,
        array=array, array_repr=array.repr,
        array_printed=tuple(p or "" for p in array.printed),
        array_address=array.data_ptr,
        tensor=tensor, tensor_address=tensor.data_ptr,
        shares_buffer=there.same_buffer, shares_storage=there.same_storage,
        back=back, back_address=back.data_ptr,
        back_shares_buffer=back_rel.same_buffer, back_shares_storage=back_rel.same_storage,
        change_code=statement.code,
        array_after=after, array_repr_after=after.repr,
        array_printed_after=tuple(p or "" for p in after.printed),
        tensor_after=program.tensor(write.writer),
    )
