"""Layout and value facts read off real torch tensors, as frozen JSON-ready records."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from torch._tensor_str import _Formatter

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


@dataclass(frozen=True)
class TensorFacts:
    """Everything a scene needs to draw one tensor: values as torch prints them and its layout.

    Element-wise tuples (``printed``, ``values``, ``storage_index``) run over the tensor's
    logical indices in row-major order (see :func:`logical_indices`). Storage tuples
    (``storage_printed``, ``storage_values``) run over every element-sized cell of the storage.
    ``None`` marks memory torch allocated but never initialised: it is never shown as a number.
    """

    name: str
    code: str
    dtype: str
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    storage_offset: int
    numel: int
    element_size: int
    is_contiguous: bool
    data_ptr: int
    storage: str
    storage_data_ptr: int
    storage_nbytes: int
    storage_elements: int
    storage_index: tuple[int, ...]
    printed: tuple[str | None, ...]
    values: tuple[float | None, ...]
    repr: str | None
    storage_printed: tuple[str | None, ...]
    storage_values: tuple[float | None, ...]
    uninitialized: tuple[int, ...]
    unreachable: tuple[int, ...]
    # Byte offset of every storage cell from the storage's start, read from torch's addresses.
    storage_byte_offsets: tuple[int, ...] = ()

    @property
    def size_text(self) -> str:
        """The shape the way torch prints it, e.g. ``torch.Size([1, 5])``."""
        return shape_text(self.shape)

    def printed_at(self, index: tuple[int, ...]) -> str | None:
        """The printed value of the element at a logical index."""
        return self.printed[logical_indices(self.shape).index(index)]


@dataclass(frozen=True)
class ErrorFacts:
    """An exception exactly as torch raised it, with the code that raised it."""

    code: str
    type: str
    message: str


def shape_text(shape: Iterable[int]) -> str:
    """``torch.Size`` as torch prints it: ``torch.Size([2, 3])``."""
    return str(torch.Size(tuple(shape)))


def logical_indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every index of a tensor of ``shape`` in row-major order; ``[()]`` for a 0-d tensor."""
    return list(itertools.product(*(range(n) for n in shape)))


def format_elements(values: list[Any], reference: torch.Tensor) -> list[str]:
    """Format values with torch's own tensor formatter, fitted to ``reference`` as torch would.

    Torch pads every element to a common width when it prints a tensor; the padding is layout,
    not value, so it is stripped here.
    """
    formatter = _Formatter(reference)
    return [formatter.format(value).strip() for value in values]


class StorageRegistry:
    """Names storages by first appearance (``S0``, ``S1`` ...) within one trace.

    It keeps every tensor it has seen alive, so a freed storage's address can never be reused
    by a later allocation and mistaken for the same memory.
    """

    def __init__(self) -> None:
        self._labels: dict[int, str] = {}
        self._keep: list[torch.Tensor] = []

    def label(self, tensor: torch.Tensor) -> str:
        self._keep.append(tensor)
        ptr = tensor.untyped_storage().data_ptr()
        if ptr not in self._labels:
            self._labels[ptr] = f"S{len(self._labels)}"
        return self._labels[ptr]


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
        storage=registry.label(tensor),
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
