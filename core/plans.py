"""Plans: which input elements make each output element, found by asking torch.

Nothing here encodes an operation's rule. Layout and joining ops run again on tensors whose
values are element indices; broadcasting is torch's own ``broadcast_tensors`` on such tensors;
reductions and matrix products put a NaN in one input element at a time and read which output
elements it reaches (NaN survives every sum, product, max and softmax).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import torch

from core.facts import format_elements
from core.model import Broadcast, Join, Layout, Matmul, MatmulDim, Reduce

__all__ = [
    "broadcast_plan",
    "join_plan",
    "layout_plan",
    "matmul_dims",
    "matmul_plan",
    "reaches",
    "reduce_plan",
]


def _index_tensor(shape: Sequence[int], offset: int = 0) -> torch.Tensor:
    """A tensor of ``shape`` whose values are its own row-major element indices."""
    return (torch.arange(math.prod(shape), dtype=torch.int64) + offset).reshape(tuple(shape))


def broadcast_plan(inputs: Sequence[torch.Tensor], out_shape: tuple[int, ...]) -> Broadcast:
    """Element-wise provenance through torch's own broadcasting of index tensors."""
    indices = [_index_tensor(t.shape) for t in inputs]
    spread = torch.broadcast_tensors(*indices) if indices else ()
    sources = tuple(zip(*(tuple(b.reshape(-1).tolist()) for b in spread), strict=True))
    expanded, strides = [], []
    for t, index in zip(inputs, indices, strict=True):
        stretched = torch.broadcast_to(index, out_shape).stride()
        expanded.append(tuple(d for d, s in enumerate(stretched)
                              if s == 0 and out_shape[d] > 1))
        strides.append(tuple(torch.broadcast_to(t, out_shape).stride()))
    return Broadcast(
        shapes=tuple(tuple(t.shape) for t in inputs), out_shape=out_shape,
        expanded=tuple(expanded), strides=tuple(strides), sources=sources,
    )


def layout_plan(
    run: Callable[[torch.Tensor], Any], source: torch.Tensor, storage_index: Sequence[int],
    copied: bool,
) -> Layout:
    """Run the same layout op on an index tensor: each output element names its source."""
    out = run(_index_tensor(source.shape))
    sources = tuple(int(v) for v in torch.as_tensor(out).reshape(-1).tolist())
    order: tuple[int, ...] = ()
    if copied:
        order = tuple(sorted(range(len(storage_index)), key=lambda k: storage_index[k]))
    return Layout(sources=sources, write_order=order)


def join_plan(run: Callable[[list[torch.Tensor]], torch.Tensor], inputs: Sequence[torch.Tensor],
              dim: int) -> Join:
    """cat/stack on index tensors offset per input, decoded back to (input, element)."""
    base = max(1, max(t.numel() for t in inputs))
    out = run([_index_tensor(t.shape, offset=i * base) for i, t in enumerate(inputs)])
    flat = out.reshape(-1).tolist()
    return Join(dim=dim, sources=tuple((int(v) // base, int(v) % base) for v in flat))


def reaches(run: Callable[[list[torch.Tensor]], Any], inputs: Sequence[torch.Tensor],
            which: int) -> list[list[int]]:
    """For each element of input ``which``, the output elements a NaN placed there reaches."""
    # Contiguous float64 copies: one logical element is one cell, whatever the real strides.
    floats = [t.detach().to(torch.float64).clone(memory_format=torch.contiguous_format)
              for t in inputs]

    def nan_mask(values: list[torch.Tensor]) -> torch.Tensor:
        out = run(values)
        out = out[0] if isinstance(out, tuple) else out
        return torch.isnan(torch.as_tensor(out, dtype=torch.float64)).reshape(-1)

    baseline = nan_mask(floats)
    reached = []
    for element in range(inputs[which].numel()):
        probe = list(floats)
        poisoned = floats[which].clone()
        poisoned.view(-1)[element] = float("nan")
        probe[which] = poisoned
        hit = nan_mask(probe) & ~baseline
        reached.append([int(k) for k in torch.nonzero(hit).reshape(-1).tolist()])
    return reached


def _groups(reached: list[list[int]], outputs: int) -> tuple[tuple[int, ...], ...]:
    groups: list[list[int]] = [[] for _ in range(outputs)]
    for element, hits in enumerate(reached):
        for k in hits:
            groups[k].append(element)
    return tuple(tuple(g) for g in groups)


def _adds_up(addends: Sequence[str], partials: Sequence[str]) -> bool:
    """Whether each printed ``previous + addend = partial`` holds exactly in decimal digits."""
    try:
        previous = Decimal(0)
        for addend, partial in zip(addends, partials, strict=True):
            if previous + Decimal(addend) != Decimal(partial):
                return False
            previous = Decimal(partial)
    except InvalidOperation:
        return False
    return True


def reduce_plan(
    op: str, source: torch.Tensor, output: torch.Tensor,
    kwargs: dict[str, Any], dims: tuple[int, ...] | None,
) -> Reduce:
    """Groups of a reduction from torch, with running totals for sums and means."""
    if op == "softmax":
        def run(values: list[torch.Tensor]) -> Any:
            return torch.softmax(values[0], **kwargs)
    else:
        # Every reduction groups its input as torch.sum with the same dim/keepdim does; argmax
        # and max answer with an index or a choice, so the sum is what shows the groups.
        def run(values: list[torch.Tensor]) -> Any:
            return torch.sum(values[0], **kwargs)
    groups = _groups(reaches(run, [source], 0), output.numel())
    partials: list[tuple[str, ...]] = []
    rounded: list[bool] = []
    if op in ("sum", "mean") and source.dtype.is_floating_point:
        flat = source.detach().reshape(-1)
        source_printed = format_elements(flat.tolist(), source)
        for group in groups:
            running = torch.cumsum(flat[list(group)], dim=0)
            partials.append(tuple(format_elements(running.tolist(), running)))
            rounded.append(not _adds_up([source_printed[i] for i in group], partials[-1]))
    return Reduce(dims=dims, keepdim=bool(kwargs.get("keepdim", False)), groups=groups,
                  partials=tuple(partials), rounded=tuple(rounded))


def matmul_dims(a_shape: tuple[int, ...], b_shape: tuple[int, ...], strict: bool) -> tuple[
    tuple[MatmulDim, ...], tuple[int | None, int | None]
]:
    """The dims table: batch dims right-aligned and broadcast by torch, rows, inner, cols.

    A 1-d first operand gains a leading 1 and a 1-d second a trailing 1, dropped from the result
    (``torch.matmul``'s documented rule); sizes that cannot broadcast have ``out`` None.
    """
    if not a_shape or not b_shape or (strict and (len(a_shape) != 2 or len(b_shape) != 2)):
        return (), (a_shape[-1] if a_shape else None, None)
    a_used = (1, *a_shape) if len(a_shape) == 1 else a_shape
    b_used = (*b_shape, 1) if len(b_shape) == 1 else b_shape
    rows: list[MatmulDim] = []
    if not strict:
        a_batch, b_batch = a_used[:-2], b_used[:-2]
        width = max(len(a_batch), len(b_batch))
        for position in range(width):
            ia = position - (width - len(a_batch))
            ib = position - (width - len(b_batch))
            sa = a_batch[ia] if ia >= 0 else None
            sb = b_batch[ib] if ib >= 0 else None
            try:
                out: int | None = torch.broadcast_shapes(
                    *[(s,) for s in (sa, sb) if s is not None])[0]
            except RuntimeError:
                out = None
            rows.append(MatmulDim("batch", sa, sb, out))
    if len(a_shape) == 1:
        rows.append(MatmulDim("dropped", 1, None, None))
    else:
        rows.append(MatmulDim("rows", a_used[-2], None, a_used[-2]))
    inner = (a_used[-1], b_used[-2] if len(b_used) >= 2 else None)
    rows.append(MatmulDim("inner", inner[0], inner[1], None))
    if len(b_shape) == 1:
        rows.append(MatmulDim("dropped", None, 1, None))
    else:
        rows.append(MatmulDim("cols", None, b_used[-1], b_used[-1]))
    return tuple(rows), inner


def matmul_plan(
    op: str, run: Callable[[list[torch.Tensor]], Any], a: torch.Tensor, b: torch.Tensor,
    result: torch.Tensor | None,
) -> Matmul:
    """Dims table, and each output's dot-product terms paired in inner-dimension order."""
    strict = op == "mm"
    if op == "outer":
        dims: tuple[MatmulDim, ...] = (
            MatmulDim("rows", a.shape[0] if a.dim() == 1 else None, None,
                      a.shape[0] if a.dim() == 1 else None),
            MatmulDim("cols", None, b.shape[0] if b.dim() == 1 else None,
                      b.shape[0] if b.dim() == 1 else None),
        )
        inner: tuple[int | None, int | None] = (1, 1)
    else:
        dims, inner = matmul_dims(tuple(a.shape), tuple(b.shape), strict)
    if result is None:
        return Matmul(a_shape=tuple(a.shape), b_shape=tuple(b.shape), out_shape=None,
                      dims=dims, inner=inner)
    derived = tuple(d.out for d in dims if d.out is not None)
    if op != "outer" and derived != tuple(result.shape):
        raise AssertionError(f"{op}: dims table gives {derived}, torch gave "
                             f"{tuple(result.shape)}")
    n_out = result.numel()
    from_a = _groups(reaches(run, [a, b], 0), n_out)
    from_b = _groups(reaches(run, [a, b], 1), n_out)
    terms = tuple(tuple(zip(ga, gb, strict=True)) for ga, gb in zip(from_a, from_b, strict=True))
    flat_a, flat_b = a.detach().reshape(-1), b.detach().reshape(-1)
    products, partials, rounded = [], [], []
    for pairs in terms:
        prod = flat_a[[i for i, _ in pairs]] * flat_b[[j for _, j in pairs]]
        running = torch.cumsum(prod, dim=0)
        products.append(tuple(format_elements(prod.tolist(), prod)))
        partials.append(tuple(format_elements(running.tolist(), running)))
        rounded.append(not _adds_up(products[-1], partials[-1]))
    return Matmul(a_shape=tuple(a.shape), b_shape=tuple(b.shape), out_shape=tuple(result.shape),
                  dims=dims, inner=inner, terms=terms, products=tuple(products),
                  partials=tuple(partials), rounded=tuple(rounded))
