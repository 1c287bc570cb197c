"""Layout and value facts read off real torch tensors, as frozen JSON-ready records."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import torch
from torch._tensor_str import _Formatter

from core.model import ErrorFacts, TensorFacts, logical_indices, shape_text

__all__ = [
    "ErrorFacts",
    "StorageRegistry",
    "TensorFacts",
    "attempt",
    "format_elements",
    "logical_indices",
    "shape_text",
    "tensor_facts",
]

R = TypeVar("R")


def format_elements(values: list[Any], reference: torch.Tensor) -> list[str]:
    """Format values with torch's own tensor formatter, fitted to ``reference`` as torch would.

    Torch pads every element to a common width when it prints a tensor; the padding is layout,
    not value, so it is stripped here.
    """
    formatter = _Formatter(reference)
    return [formatter.format(value).strip() for value in values]


class StorageRegistry:
    """Names storage objects (``S0``, ``S1`` ...) and memory buffers (``B0`` ...) in one trace.

    A storage is the object torch keeps (``untyped_storage()._cdata``): ``resize_`` can give it a
    new buffer and it stays the same storage. A buffer is the memory block (its data pointer):
    NumPy and ``torch.from_numpy`` share a buffer through two storage objects.

    It keeps every tensor it has seen alive, so a freed storage's or buffer's address can never
    be reused by a later allocation and mistaken for the same memory.
    """

    def __init__(self) -> None:
        self._labels: dict[int, str] = {}
        self._buffers: dict[int, str] = {}
        self._next_buffer = 0
        self._keep: list[object] = []

    def label(self, tensor: torch.Tensor) -> str:
        """The label of the storage object ``tensor`` lives in."""
        storage = tensor.untyped_storage()
        self._keep.append(tensor)
        key = int(storage._cdata)
        if key not in self._labels:
            self._labels[key] = f"S{len(self._labels)}"
        return self._labels[key]

    def buffer(self, tensor: torch.Tensor) -> str:
        """The label of the memory block under ``tensor``'s storage, now."""
        self._keep.append(tensor)
        ptr = tensor.untyped_storage().data_ptr()
        if ptr not in self._buffers:
            self._buffers[ptr] = f"B{self._next_buffer}"
            self._next_buffer += 1
        return self._buffers[ptr]

    def retire_buffer(self, ptr: int) -> None:
        """Forget a freed block (``resize_`` moved away from it): its address may come back."""
        self._buffers.pop(ptr, None)


def _storage_cells(tensor: torch.Tensor) -> torch.Tensor:
    """A flat 1-d tensor over every element-sized cell of ``tensor``'s storage."""
    storage = tensor.untyped_storage()
    count = storage.nbytes() // tensor.element_size()
    flat = torch.empty(0, dtype=tensor.dtype)
    flat.set_(storage, 0, (count,), (1,))
    return flat


def tensor_facts(
    tensor: torch.Tensor,
    name: str,
    code: str,
    registry: StorageRegistry,
    uninitialized: Iterable[int] = (),
    *,
    version: int = 0,
    storage_label: str | None = None,
) -> TensorFacts:
    """Read every fact of ``tensor`` from torch.

    ``uninitialized`` lists storage cells torch allocated without writing (after ``resize_``
    grows a storage); their bytes are never read into the trace.
    """
    tensor = tensor.detach()
    indices = logical_indices(tuple(tensor.shape))
    storage = tensor.untyped_storage()
    base = storage.data_ptr()
    size = tensor.element_size()
    # Each element's storage cell comes from the address torch reports for that element.
    storage_index = tuple((tensor[index].data_ptr() - base) // size for index in indices)
    blank = frozenset(uninitialized)

    cells = _storage_cells(tensor)
    cell_list = cells.tolist()
    known_cells = [i for i in range(len(cell_list)) if i not in blank]
    if known_cells:
        cell_text = format_elements(
            [cell_list[i] for i in known_cells], cells[torch.tensor(known_cells)]
        )
    else:
        cell_text = []
    cell_printed: list[str | None] = [None] * len(cell_list)
    cell_values: list[float | None] = [None] * len(cell_list)
    for i, text in zip(known_cells, cell_text, strict=True):
        cell_printed[i] = text
        cell_values[i] = float(cell_list[i])

    flat_values = [tensor[index].item() for index in indices]
    known = [k for k, cell in enumerate(storage_index) if cell not in blank]
    if len(known) == len(indices):
        printed: list[str | None] = list(format_elements(flat_values, tensor))
        text_repr: str | None = str(tensor)
    else:
        printed = [None] * len(indices)
        reference = torch.tensor([flat_values[k] for k in known], dtype=tensor.dtype)
        for k, text in zip(known, format_elements([flat_values[k] for k in known], reference),
                           strict=True):
            printed[k] = text
        text_repr = None  # torch would print the uninitialised bytes as if they were numbers
    values = [float(flat_values[k]) if k in known else None for k in range(len(indices))]

    reached = set(storage_index)
    return TensorFacts(
        name=name,
        code=code,
        dtype=str(tensor.dtype),
        shape=tuple(tensor.shape),
        strides=tuple(tensor.stride()),
        storage_offset=int(tensor.storage_offset()),
        numel=tensor.numel(),
        element_size=size,
        is_contiguous=tensor.is_contiguous(),
        data_ptr=tensor.data_ptr(),
        storage=storage_label if storage_label is not None else registry.label(tensor),
        buffer=registry.buffer(tensor),
        version=version,
        storage_data_ptr=base,
        storage_nbytes=storage.nbytes(),
        storage_elements=len(cell_list),
        storage_index=storage_index,
        printed=tuple(printed),
        values=tuple(values),
        repr=text_repr,
        storage_printed=tuple(cell_printed),
        storage_values=tuple(cell_values),
        uninitialized=tuple(sorted(blank)),
        unreachable=tuple(i for i in range(len(cell_list)) if i not in reached),
        storage_byte_offsets=tuple(cells[i].data_ptr() - base for i in range(len(cell_list))),
    )


def attempt(code: str, operation: Callable[[], R]) -> tuple[R | None, ErrorFacts | None]:
    """Run ``operation``; return its result, or the exception exactly as torch raised it."""
    try:
        return operation(), None
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        return None, ErrorFacts(code=code, type=type(exc).__name__, message=str(exc))
