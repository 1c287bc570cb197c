"""The trace contract: tensors, operations and their plans as frozen records (no torch, no manim).

A snippet's trace is a list of :class:`OpRecord`, one per torch call, each with the exact span of
source that made it, the tensors it read and wrote (:class:`TensorRef`, versioned), how its result
relates to each input (same storage object, same buffer, buffer moved) and a plan saying which
input elements make each output element. Importing this module imports neither torch nor manim,
so the studio, the scenes and any other reader can load traces without them.

Fields whose values change on every run (memory addresses) carry ``volatile`` metadata; hashing
drops them by reading the model, not a list of names.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "Broadcast",
    "ErrorFacts",
    "Join",
    "Layout",
    "Matmul",
    "MatmulDim",
    "OpKind",
    "OpRecord",
    "Plan",
    "ProgramTrace",
    "Reduce",
    "Relation",
    "Resize",
    "Span",
    "Statement",
    "TensorFacts",
    "TensorRef",
    "Write",
    "logical_indices",
    "shape_text",
    "volatile",
    "volatile_keys",
]

# Bumped whenever a field of a record below changes meaning or shape.
SCHEMA_VERSION = 1


def volatile(**kwargs: Any) -> Any:
    """A dataclass field whose value changes every run (a memory address): never hashed."""
    return field(metadata={"volatile": True}, **kwargs)


def logical_indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every index of a tensor of ``shape`` in row-major order; ``[()]`` for a 0-d tensor."""
    return list(itertools.product(*(range(n) for n in shape)))


def shape_text(shape: Iterable[int]) -> str:
    """``torch.Size`` as torch prints it: ``torch.Size([2, 3])`` (tests compare with torch)."""
    return f"torch.Size([{', '.join(str(n) for n in shape)}])"


@dataclass(frozen=True)
class TensorFacts:
    """Everything a scene needs to draw one tensor: values as torch prints them and its layout.

    Element-wise tuples (``printed``, ``values``, ``storage_index``) run over the tensor's
    logical indices in row-major order (see :func:`logical_indices`). Storage tuples
    (``storage_printed``, ``storage_values``) run over every element-sized cell of the storage.
    ``None`` marks memory torch allocated but never initialised: its bytes are whatever was
    there before, so they are never shown as a number.

    ``storage`` names the storage *object* torch keeps (``S0``, ``S1`` ...): ``resize_`` may give
    that object a new buffer, and every alias follows. ``buffer`` names the memory block itself
    (``B0`` ...): a NumPy array and the tensor ``torch.from_numpy`` made from it are two storage
    objects over one buffer.
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
    data_ptr: int = volatile()
    storage: str = ""
    storage_data_ptr: int = volatile(default=0)
    storage_nbytes: int = 0
    storage_elements: int = 0
    storage_index: tuple[int, ...] = ()
    printed: tuple[str | None, ...] = ()
    values: tuple[float | None, ...] = ()
    repr: str | None = None
    storage_printed: tuple[str | None, ...] = ()
    storage_values: tuple[float | None, ...] = ()
    uninitialized: tuple[int, ...] = ()
    unreachable: tuple[int, ...] = ()
    # Byte offset of every storage cell from the storage's start, read from torch's addresses.
    storage_byte_offsets: tuple[int, ...] = ()
    version: int = 0
    buffer: str = ""
    library: str = "torch"  # "numpy" for an ndarray (its facts read through a zero-copy tensor)

    @property
    def size_text(self) -> str:
        """The shape the way torch prints it, e.g. ``torch.Size([1, 5])``."""
        return shape_text(self.shape)

    @property
    def ref(self) -> TensorRef:
        return TensorRef(self.name, self.version)

    def printed_at(self, index: tuple[int, ...]) -> str | None:
        """The printed value of the element at a logical index."""
        return self.printed[logical_indices(self.shape).index(index)]


@dataclass(frozen=True)
class ErrorFacts:
    """An exception exactly as torch raised it, with the code that raised it."""

    code: str
    type: str
    message: str


@dataclass(frozen=True, order=True)
class TensorRef:
    """A tensor by name and version: a name bound again, or changed in place, is a new version.

    Values no statement named (``x @ w`` inside ``x @ w + b``) are named by their source text.
    """

    name: str
    version: int = 0


@dataclass(frozen=True)
class Span:
    """Where in the snippet an operation is written: 1-based lines, 0-based columns (``ast``)."""

    line: int
    col_start: int
    end_line: int
    col_end: int

    def text(self, source: tuple[str, ...]) -> str:
        """The source text this span covers."""
        if self.line == self.end_line:
            return source[self.line - 1][self.col_start:self.col_end]
        parts = [source[self.line - 1][self.col_start:]]
        parts += list(source[self.line:self.end_line - 1])
        parts.append(source[self.end_line - 1][:self.col_end])
        return "\n".join(parts)


class OpKind(StrEnum):
    """Which visual plays an operation; decided from what torch did, not only its name."""

    CREATE = "create"  # a new tensor from numbers or a seeded generator
    ELEMENTWISE = "elementwise"  # + - * / ** comparisons, exp, sigmoid ... with broadcasting
    REDUCE = "reduce"  # sum, mean, max, argmax, softmax along dims
    MATMUL = "matmul"  # mm, matmul, @, bmm, dot, outer
    LAYOUT = "layout"  # a view: new shape/strides/offset over the same storage
    COPY = "copy"  # a layout op or clone that torch answered with a new storage
    JOIN = "join"  # cat, stack
    WRITE = "write"  # an in-place change of values (x[...] = v, add_, mul_, zero_, fill_)
    RESIZE = "resize"  # resize_: a new shape, perhaps a new buffer, same storage object
    BRIDGE = "bridge"  # from_numpy / .numpy(): two libraries over one buffer
    QUERY = "query"  # a Python answer: stride(), is_contiguous(), shape ...


@dataclass(frozen=True)
class Relation:
    """How an operation's output relates to one input, from what torch reports.

    ``kind``: ``view`` (same storage object), ``copy`` (a new storage), ``inplace`` (the input
    itself changed) or ``shared-buffer`` (another storage object over the same memory, as NumPy
    and torch share). ``buffer_moved``: the storage's memory block moved during the operation.
    """

    input: TensorRef
    kind: str
    same_storage: bool
    same_buffer: bool
    buffer_moved: bool = False


@dataclass(frozen=True)
class Broadcast:
    """Element-wise: each output element reads one element of every tensor input.

    ``sources[k][i]`` is the flat (row-major) index into tensor input ``i`` that output element
    ``k`` reads, found by broadcasting index tensors with torch. ``expanded[i]`` lists the output
    dims along which input ``i`` is repeated without a copy (stride 0 in
    ``torch.broadcast_to``), and ``strides[i]`` are those broadcast strides.
    """

    shapes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]
    expanded: tuple[tuple[int, ...], ...]
    strides: tuple[tuple[int, ...], ...]
    sources: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Reduce:
    """A reduction: ``groups[k]`` are the input elements that make output element ``k``.

    Groups come from torch itself (a NaN placed in one input element shows which outputs it
    reaches). ``partials[k]`` is the running total over the group as torch computes it, printed,
    for sums and means; ``rounded[k]`` says some printed ``previous + x = new`` does not hold
    in the digits shown (torch adds the unrounded values).
    """

    dims: tuple[int, ...] | None
    keepdim: bool
    groups: tuple[tuple[int, ...], ...]
    partials: tuple[tuple[str, ...], ...] = ()
    rounded: tuple[bool, ...] = ()


@dataclass(frozen=True)
class MatmulDim:
    """One row of the dims table: sizes right-aligned as broadcasting aligns them."""

    role: str  # "batch", "rows", "inner", "cols"
    a: int | None
    b: int | None
    out: int | None


@dataclass(frozen=True)
class Matmul:
    """Matrix products: the dims table and, per output element, the dot product's terms.

    ``terms[k]`` pairs (element of a, element of b) in the order of the inner dimension; the
    pairs are found by torch (a NaN in one element shows which outputs it reaches).
    ``products[k]`` and ``partials[k]`` are the printed products and running totals torch
    computes for those terms; ``rounded[k]`` says some printed ``previous + product = total``
    does not hold in the digits shown (torch adds the unrounded values).
    """

    a_shape: tuple[int, ...]
    b_shape: tuple[int, ...]
    out_shape: tuple[int, ...] | None
    dims: tuple[MatmulDim, ...]
    inner: tuple[int | None, int | None]
    terms: tuple[tuple[tuple[int, int], ...], ...] = ()
    products: tuple[tuple[str, ...], ...] = ()
    partials: tuple[tuple[str, ...], ...] = ()
    rounded: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Layout:
    """A view or a copy: ``sources[k]`` is the input element that output element ``k`` shows.

    Found by running the same operation on a tensor of element indices. For a copy,
    ``write_order`` lists output elements in the order torch wrote them (storage order).
    """

    sources: tuple[int, ...]
    write_order: tuple[int, ...] = ()


@dataclass(frozen=True)
class Join:
    """cat / stack: ``sources[k]`` is (input position, element) for output element ``k``."""

    dim: int
    sources: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Write:
    """An in-place change: which cells of the writer's storage changed, and who sees them.

    ``cells`` are storage indices written through ``writer``, ``elements`` the writer's own
    elements that changed, ``printed`` the new values as torch prints them. ``aliases`` are the
    other tensors (and NumPy arrays over the same buffer) that reach those cells, in causal order,
    each with the elements of its own that changed.
    """

    writer: TensorRef
    cells: tuple[int, ...]
    elements: tuple[int, ...]
    printed: tuple[str, ...]
    aliases: tuple[tuple[TensorRef, tuple[int, ...]], ...]


@dataclass(frozen=True)
class Resize:
    """``resize_``: the same storage object; its buffer may move and grow.

    ``lost`` are cells the tensor no longer reaches; ``uninitialized`` cells torch allocated
    without writing (whatever bytes were there; never shown as numbers). ``aliases`` follow the
    storage to its new buffer.
    """

    old_shape: tuple[int, ...]
    new_shape: tuple[int, ...]
    old_cells: int
    new_cells: int
    same_storage: bool
    buffer_moved: bool
    lost: tuple[int, ...]
    uninitialized: tuple[int, ...]
    aliases: tuple[TensorRef, ...]


Plan = Broadcast | Reduce | Matmul | Layout | Join | Write | Resize


@dataclass(frozen=True)
class OpRecord:
    """One torch call of the snippet, as torch ran it."""

    span: Span
    code: str
    op: str
    kind: OpKind
    inputs: tuple[TensorRef, ...]
    outputs: tuple[TensorRef, ...]
    relations: tuple[Relation, ...]
    error: ErrorFacts | None = None
    plan: Plan | None = None
    result: str | None = None  # a Python answer (a query) as Python prints it
    args: str = ""  # the non-tensor arguments as written, e.g. "dim=0, keepdim=True"
    # How the code spelled the call: "function" (torch.sum(x)), "method" (x.sum()),
    # "operator" (x @ w), "attribute" (x.T), "subscript" (x[0]) or "assignment" (x[0] = 1).
    form: str = ""


@dataclass(frozen=True)
class Statement:
    """One line of the snippet: its span, what the author wants said, the ops it ran."""

    span: Span
    code: str
    ops: tuple[int, ...]
    binds: TensorRef | None = None
    say: str | None = None
    error: ErrorFacts | None = None
    # A Python answer the statement produced (``s = x.shape[0]`` gives ``2``), as Python prints it.
    value: str | None = None


@dataclass(frozen=True)
class ProgramTrace:
    """A snippet run op by op: its source, every tensor version it made, every op it ran."""

    schema: int
    clip_id: str
    title: str
    seed: int
    source: tuple[str, ...]
    statements: tuple[Statement, ...]
    ops: tuple[OpRecord, ...]
    tensors: tuple[TensorFacts, ...]
    kind: str = "code"
    takeaway: str = ""  # the author's line for the closing frame ("" : made from the ops)
    # Each tensor name's colour slot for the whole lesson (core.lesson.name_slots); empty for
    # a snippet traced on its own.
    palette: tuple[tuple[str, int], ...] = ()

    def tensor(self, ref: TensorRef | str, version: int | None = None) -> TensorFacts:
        """A tensor by ref, or by name (its last version unless ``version`` is given)."""
        name, wanted = (ref.name, ref.version) if isinstance(ref, TensorRef) else (ref, version)
        found = [t for t in self.tensors if t.name == name]
        if wanted is not None:
            found = [t for t in found if t.version == wanted]
        if not found:
            raise KeyError(f"no tensor {name!r} (version {wanted}) in trace {self.clip_id!r}")
        return found[-1]

    def ops_on_line(self, line: int) -> Iterator[OpRecord]:
        return (op for op in self.ops if op.span.line == line)

    def find(self, code: str) -> OpRecord:
        """The first op whose source text is ``code`` (scenes point at code by what it says)."""
        for op in self.ops:
            if op.code == code:
                return op
        raise KeyError(f"no op {code!r} in trace {self.clip_id!r}")


def volatile_keys(*classes: type) -> frozenset[str]:
    """Names of fields marked volatile in the given dataclasses (all of this module's if none)."""
    pool = classes or (TensorFacts,)
    return frozenset(
        f.name for cls in pool for f in dataclasses.fields(cls) if f.metadata.get("volatile")
    )
