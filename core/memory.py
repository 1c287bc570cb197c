"""Traces of the memory clips: view, reshape, resize_, strides and the NumPy bridge."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.facts import ErrorFacts, StorageRegistry, TensorFacts, attempt, tensor_facts
from core.inputs import make_array, make_tensors, refuse, spec_code, torch_accepts
from core.lesson import ClipSpec
from core.model import OpKind, ProgramTrace, Write, logical_indices, volatile
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
    "same_storage",
    "strides_trace",
    "view_trace",
]


def same_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two tensors live in one storage, from the data pointers torch reports."""
    return bool(a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())


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
    """``reshape`` returns a view of a contiguous tensor and a copy of a transposed one."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    source: TensorFacts
    reshaped: TensorFacts
    reshaped_shares_storage: bool
    transposed: TensorFacts
    transposed_shares_storage: bool
    view_error: ErrorFacts | None
    flat: TensorFacts
    flat_shares_storage: bool
    bad: ErrorFacts


@dataclass(frozen=True)
class ResizeStep:
    """One ``resize_`` call: the tensor and its storage before and after."""

    code: str
    before: TensorFacts
    after: TensorFacts
    same_storage: bool
    storage_grew: bool
    lost: tuple[int, ...]
    uninitialized: tuple[int, ...]


@dataclass(frozen=True)
class ResizeTrace:
    """``resize_`` shrinking (a cell cut off) and growing (new, uninitialised memory)."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    source: TensorFacts
    shrink: ResizeStep
    grow: ResizeStep
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
    """Strides, ``t()`` sharing memory, and ``contiguous()`` copying it into row order."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    source: TensorFacts
    walks: tuple[StrideWalk, ...]
    transposed: TensorFacts
    transposed_shares_storage: bool
    transposed_walks: tuple[StrideWalk, ...]
    contiguous: TensorFacts
    contiguous_shares_storage: bool
    already_contiguous_shares_storage: bool


@dataclass(frozen=True)
class NumpyBridgeTrace:
    """``torch.from_numpy`` and ``.numpy()`` share one buffer; an in-place change shows in both."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    numpy_dtype: str
    array_repr: str
    array_printed: tuple[str, ...]
    tensor: TensorFacts
    shares_buffer: bool
    back: TensorFacts
    back_shares_buffer: bool
    change_code: str
    array_repr_after: str
    array_printed_after: tuple[str, ...]
    tensor_after: TensorFacts
    # Real addresses, different every run: marked so the clip hash leaves them out.
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


def reshape_trace(clip: ClipSpec) -> ReshapeTrace:
    """Trace ``reshape`` on a contiguous tensor and on its transpose."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    x = t["x"]
    if x.dim() != 2:
        raise refuse(clip, "tensors.x", "a 2-d tensor (the clip transposes it with t())",
                     f"{x.dim()}-d")
    shape, flat_shape = clip.settings["reshape_shape"], clip.settings["flat_shape"]
    bad_shape = clip.settings["bad_shape"]
    reshape_code = f"r = x.reshape({_dims(shape)})"
    reshaped = torch_accepts(clip, "reshape_shape", reshape_code, lambda: x.reshape(shape))
    xt = x.t()
    view_code = f"x.t().view({_dims(flat_shape)})"
    _, view_error = attempt(view_code, lambda: xt.view(flat_shape))
    flat_code = f"f = x.t().reshape({_dims(flat_shape)})"
    flat = torch_accepts(clip, "flat_shape", flat_code, lambda: xt.reshape(flat_shape))
    bad_code = f"x.reshape({_dims(bad_shape)})"
    _, bad = attempt(bad_code, lambda: x.reshape(bad_shape))
    if bad is None:
        raise refuse(clip, "bad_shape", "a shape torch refuses to reshape x into",
                     str(list(bad_shape)))
    code = (
        f"torch.manual_seed({clip.seed})",
        *(spec_code(spec) for spec in clip.tensors),
        reshape_code, "xt = x.t()", view_code, flat_code, bad_code,
    )
    return ReshapeTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, code=code,
        source=tensor_facts(x, "x", code[1], reg),
        reshaped=tensor_facts(reshaped, "r", reshape_code, reg),
        reshaped_shares_storage=same_storage(x, reshaped),
        transposed=tensor_facts(xt, "x.t()", "xt = x.t()", reg),
        transposed_shares_storage=same_storage(x, xt),
        view_error=view_error,
        flat=tensor_facts(flat, "f", flat_code, reg),
        flat_shares_storage=same_storage(xt, flat),
        bad=bad,
    )


def _resize(clip: ClipSpec, key: str, source: torch.Tensor, reg: StorageRegistry) -> ResizeStep:
    shape = clip.settings[key]
    tensor = source.clone()
    name = "s" if key == "shrink_shape" else "g"
    code = f"{name}.resize_({_dims(shape)})"
    before = tensor_facts(tensor, name, f"{name} = weights.clone()", reg)
    old_ptr = tensor.untyped_storage().data_ptr()
    old_cells = tensor.untyped_storage().nbytes() // tensor.element_size()
    torch_accepts(clip, key, code, lambda: tensor.resize_(shape))
    new_cells = tensor.untyped_storage().nbytes() // tensor.element_size()
    # resize_ copies the old bytes into a grown storage and leaves the rest as it found it.
    blank = tuple(range(old_cells, new_cells))
    after = tensor_facts(tensor, name, code, reg, uninitialized=blank)
    return ResizeStep(
        code=code, before=before, after=after,
        same_storage=tensor.untyped_storage().data_ptr() == old_ptr,
        storage_grew=new_cells > old_cells,
        lost=after.unreachable,
        uninitialized=blank,
    )


def resize_trace(clip: ClipSpec) -> ResizeTrace:
    """Trace ``resize_`` shrinking and growing copies of ``weights``, against ``view``."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    weights = t["weights"]
    shrink_n = int(torch.Size(clip.settings["shrink_shape"]).numel())
    grow_n = int(torch.Size(clip.settings["grow_shape"]).numel())
    if shrink_n >= weights.numel():
        raise refuse(clip, "shrink_shape", f"fewer than {weights.numel()} elements",
                     str(list(clip.settings["shrink_shape"])))
    if grow_n <= weights.numel():
        raise refuse(clip, "grow_shape", f"more than {weights.numel()} elements",
                     str(list(clip.settings["grow_shape"])))
    source = tensor_facts(weights, "weights", spec_code(clip.tensor("weights")), reg)
    shrink = _resize(clip, "shrink_shape", weights, reg)
    grow = _resize(clip, "grow_shape", weights, reg)
    view_code = f"weights.view({_dims(clip.settings['shrink_shape'])})"
    _, view_error = attempt(view_code, lambda: weights.view(clip.settings["shrink_shape"]))
    assert view_error is not None, "view accepted a different element count"
    code = (
        f"torch.manual_seed({clip.seed})",
        *(spec_code(spec) for spec in clip.tensors),
        "s = weights.clone()", shrink.code, "g = weights.clone()", grow.code, view_code,
    )
    return ResizeTrace(clip_id=clip.id, kind=clip.kind, title=clip.title, code=code,
                       source=source, shrink=shrink, grow=grow, view_error=view_error)


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
    """Trace strides of ``x``, of ``x.t()``, and the copy ``x.t().contiguous()`` makes."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    x = t["x"]
    if x.dim() != 2:
        raise refuse(clip, "tensors.x", "a 2-d tensor (the clip transposes it with t())",
                     f"{x.dim()}-d")
    xt = x.t()
    xc = xt.contiguous()
    code = (
        f"torch.manual_seed({clip.seed})",
        *(spec_code(spec) for spec in clip.tensors),
        "x.stride()", "xt = x.t()", "xt.is_contiguous()", "c = xt.contiguous()",
    )
    source = tensor_facts(x, "x", code[1], reg)
    transposed = tensor_facts(xt, "xt", "xt = x.t()", reg)
    return StridesTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, code=code,
        source=source, walks=_walks(source),
        transposed=transposed, transposed_shares_storage=same_storage(x, xt),
        transposed_walks=_walks(transposed),
        contiguous=tensor_facts(xc, "c", "c = xt.contiguous()", reg),
        contiguous_shares_storage=same_storage(xt, xc),
        already_contiguous_shares_storage=same_storage(x, x.contiguous()),
    )


def _numpy_elements(array: np.ndarray) -> tuple[str, ...]:
    """Each element as NumPy prints it inside its array."""
    text = np.array2string(array.ravel(), separator=" ", max_line_width=10**6)
    return tuple(text.strip("[]").split())


def numpy_bridge_trace(clip: ClipSpec) -> NumpyBridgeTrace:
    """Trace ``torch.from_numpy(a)``, ``b.numpy()`` and ``b.mul_(factor)``."""
    spec = clip.tensor("a")
    reg = StorageRegistry()
    a = make_array(clip, spec)
    b = torch.from_numpy(a)
    back = b.numpy()
    back_view = torch.from_numpy(back)
    factor = clip.settings["factor"]
    factor_text = f"{factor:g}"
    change_code = f"b.mul_({factor_text})"
    code = (
        "import numpy as np",
        spec_code(spec, module="np"),
        "b = torch.from_numpy(a)",
        "c = b.numpy()",
        change_code,
    )
    array_repr, array_printed = repr(a), _numpy_elements(a)
    tensor = tensor_facts(b, "b", code[2], reg)
    back_facts = tensor_facts(back_view, "c", code[3], reg)
    b.mul_(factor)
    return NumpyBridgeTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, code=code,
        numpy_dtype=str(a.dtype),
        array_repr=array_repr, array_printed=array_printed,
        array_address=int(a.__array_interface__["data"][0]),
        tensor=tensor, tensor_address=b.data_ptr(),
        shares_buffer=int(a.__array_interface__["data"][0]) == b.data_ptr(),
        back=back_facts, back_address=int(back.__array_interface__["data"][0]),
        back_shares_buffer=int(back.__array_interface__["data"][0]) == b.data_ptr(),
        change_code=change_code,
        array_repr_after=repr(a), array_printed_after=_numpy_elements(a),
        tensor_after=tensor_facts(b, "b", change_code, reg),
    )
