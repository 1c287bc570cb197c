"""Run a checked snippet in real torch, one node at a time, recording an OpRecord per torch call.

The interpreter walks the tree :mod:`core.snippet` checked; it never hands source to Python's
``exec``/``eval``/``compile`` and never looks a callable up by a user's string: every call goes
through the static tables of :mod:`core.ops`. A torch error is a result (recorded exactly as torch
raised it); a later statement that needs the name the failed one would have bound is refused.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from numpy.lib.array_utils import byte_bounds

from core.facts import StorageRegistry, tensor_facts
from core.lesson import MAX_DIM, MAX_ELEMENTS, MAX_NDIM
from core.model import (
    SCHEMA_VERSION,
    Broadcast,
    ErrorFacts,
    Join,
    Layout,
    Matmul,
    OpKind,
    OpRecord,
    Plan,
    ProgramTrace,
    Reduce,
    Relation,
    Resize,
    Span,
    Statement,
    TensorFacts,
    TensorRef,
    Write,
    logical_indices,
)
from core.ops import (
    ATTRIBUTES,
    BINARY,
    COMPARE,
    DEFAULT_RNG,
    DTYPES,
    FUNCTIONS,
    GENERATOR_METHODS,
    LAYOUT_ATTRIBUTES,
    METHODS,
    NDARRAY_METHODS,
    NP_DTYPES,
    NP_FUNCTIONS,
    UNARY,
    OpSpec,
)
from core.plans import broadcast_plan, join_plan, layout_plan, matmul_plan, reduce_plan
from core.snippet import Snippet, SnippetError

__all__ = ["run_snippet"]

_ADDRESS = re.compile(r" at 0x[0-9A-Fa-f]+")
TORCH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError, OverflowError,
                NotImplementedError)
MAX_INT = 2**62
_LIMIT = (f"a tensor small enough to draw legibly (at most {MAX_NDIM} dimensions, {MAX_DIM} per "
          f"dimension and {MAX_ELEMENTS} elements)")


class _Module:
    """Stands for ``torch`` or ``np`` in the environment; never a value a snippet can use."""

    def __init__(self, name: str) -> None:
        self.name = name


@dataclass
class _Failed:
    """A name whose statement raised: reading it is refused, naming the line that raised."""

    line: int
    error: ErrorFacts


def _is_array(value: Any) -> bool:
    return isinstance(value, torch.Tensor | np.ndarray)


def _as_tensor(value: Any) -> torch.Tensor:
    """A tensor over the same memory (an ndarray is read through a zero-copy tensor)."""
    if isinstance(value, np.ndarray):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # read-only arrays warn; we only read
            return torch.from_numpy(value)
    return value.detach()


def _addresses(value: Any) -> list[int]:
    t = _as_tensor(value)
    return [t[index].data_ptr() for index in logical_indices(tuple(t.shape))]


def _byte_range(value: Any) -> tuple[int, int]:
    if isinstance(value, np.ndarray):
        low, high = byte_bounds(value)
        return int(low), int(high)
    storage = value.untyped_storage()
    return storage.data_ptr(), storage.data_ptr() + storage.nbytes()


# Digits NumPy is asked to print: torch's own default, so both sides of a shared buffer read
# alike (NumPy's default of 8 makes cells too wide to read at 480p).
NUMPY_PRECISION = 4


def _numpy_printed(array: np.ndarray) -> tuple[str, ...]:
    """Each element as NumPy prints it inside its array, at ``precision=4``."""
    text = np.array2string(array.ravel(), separator=" ", max_line_width=10**6,
                           precision=NUMPY_PRECISION)
    return tuple(text.strip("[]").split())


def _python_text(value: Any) -> str:
    """A Python value as Python prints it, never with a memory address (they change every run,
    and a trace must be the same for the same code)."""
    if isinstance(value, torch.dtype | torch.Size):
        return str(value)
    if isinstance(value, np.random.Generator):
        return f"Generator({type(value.bit_generator).__name__})"
    return _ADDRESS.sub("", repr(value))


@dataclass
class _Tracer:
    snippet: Snippet
    registry: StorageRegistry = field(default_factory=StorageRegistry)
    env: dict[str, Any] = field(default_factory=dict)
    refs: dict[int, TensorRef] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    tensors: list[TensorFacts] = field(default_factory=list)
    ops: list[OpRecord] = field(default_factory=list)
    keep: list[Any] = field(default_factory=list)
    # Storage object -> cells torch allocated without writing (after resize_ grew it).
    blank: dict[int, set[int]] = field(default_factory=dict)
    statement_code: str = ""
    line: int = 0
    # Addresses the pending in-place op writes, when it writes less than its whole receiver.
    written: list[int] = field(default_factory=list)
    # id of a tensor -> the name the snippet last read it by.
    read_as: dict[int, str] = field(default_factory=dict)

    # Errors and limits

    def refuse(self, node: ast.AST, what: str, allowed: str) -> SnippetError:
        return SnippetError(f"{self.snippet.where}: line {getattr(node, 'lineno', self.line)}:"
                            f"{getattr(node, 'col_offset', 0)}: {what} is not allowed "
                            f"({allowed})")

    def limit(self, node: ast.AST, shape: tuple[int, ...]) -> None:
        if len(shape) > MAX_NDIM or any(n > MAX_DIM for n in shape) \
                or math.prod(shape) > MAX_ELEMENTS:
            span = _span(node)
            raise SnippetError(
                f"{self.snippet.where}: line {span.line}:{span.col_start}: expected {_LIMIT}, "
                f"found a result of shape {list(shape)} from `{self.snippet.segment(node)}`")

    # Names, versions and facts

    def new_ref(self, name: str) -> TensorRef:
        version = self.versions.get(name, -1) + 1
        self.versions[name] = version
        return TensorRef(name, version)

    def record(self, value: Any, ref: TensorRef) -> TensorFacts:
        """Read the facts of a tensor or array now and remember them under ``ref``."""
        self.keep.append(value)
        self.refs[id(value)] = ref
        t = _as_tensor(value)
        if isinstance(value, np.ndarray):
            facts = tensor_facts(t, ref.name, self.statement_code, self.registry,
                                 version=ref.version, storage_label="ndarray")
            facts = replace(facts, library="numpy", printed=_numpy_printed(value),
                            repr=repr(value), dtype=str(value.dtype))
        else:
            blank = self.blank.get(int(t.untyped_storage()._cdata), set())
            facts = tensor_facts(t, ref.name, self.statement_code, self.registry,
                                 uninitialized=sorted(blank), version=ref.version)
        self.tensors.append(facts)
        return facts

    def ref_of(self, value: Any) -> TensorRef:
        # One object may be bound to two names (x.contiguous() of a contiguous x is x itself):
        # the name the code just read it by is the one it means.
        name = self.read_as.get(id(value))
        if name is not None and self.env.get(name) is value:
            return TensorRef(name, self.versions[name])
        ref = self.refs.get(id(value))
        if ref is None:  # e.g. an element of a tuple a reduction returned
            ref = self.new_ref("value")
            self.record(value, ref)
        return ref

    def bound_arrays(self) -> list[tuple[str, Any]]:
        return [(n, v) for n, v in self.env.items() if _is_array(v)]

    # Statements

    def run(self) -> ProgramTrace:
        for name in self.snippet.inputs:
            self.record(self.env[name], self.new_ref(name))
        statements = []
        for node in self.snippet.statements:
            statements.append(self.statement(node))
        return ProgramTrace(
            schema=SCHEMA_VERSION, clip_id="", title="", seed=0, source=self.snippet.source,
            statements=tuple(statements), ops=tuple(self.ops), tensors=tuple(self.tensors),
        )

    def statement(self, node: ast.stmt) -> Statement:
        self.statement_code = self.snippet.segment(node)
        self.line = node.lineno
        first = len(self.ops)
        binds: TensorRef | None = None
        error: ErrorFacts | None = None
        value: Any = None
        try:
            if isinstance(node, ast.Assign):
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    value = self.expr(node.value, bind=target.id)
                    binds = self.bind(target.id, value)
                else:
                    assert isinstance(target, ast.Subscript)
                    self.setitem(node, target, node.value)
            elif isinstance(node, ast.AugAssign):
                binds = self.augassign(node)
            else:
                assert isinstance(node, ast.Expr)
                value = self.expr(node.value)
        except _Raised as raised:
            error = raised.error
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id not in self.env:
                self.env[node.targets[0].id] = _Failed(node.lineno, error)
        shown = None
        if error is None and value is not None and not _is_array(value) \
                and not isinstance(value, _Module | np.random.Generator):
            shown = _python_text(value)
        return Statement(span=_span(node), code=self.statement_code,
                         ops=tuple(range(first, len(self.ops))), binds=binds, error=error,
                         value=shown)

    def bind(self, name: str, value: Any) -> TensorRef | None:
        self.env[name] = value
        if not _is_array(value):
            return None
        ref = self.refs.get(id(value))
        if ref is not None and ref.name == name and self.versions.get(name) == ref.version:
            return ref  # the op already named its output after this binding
        ref = self.new_ref(name)
        self.record(value, ref)
        return ref

    # Expressions

    def expr(self, node: ast.expr, bind: str | None = None) -> Any:
        if isinstance(node, ast.Name):
            value = self.env.get(node.id)
            if isinstance(value, _Failed):
                message = value.error.message.splitlines()[0] if value.error.message else ""
                raise self.refuse(node, f"reading {node.id!r}",
                                  f"line {value.line} raised {value.error.type}: {message}; so "
                                  f"{node.id!r} was never bound")
            if node.id not in self.env:
                raise self.refuse(node, f"the name {node.id!r} before it is defined",
                                  "names bound by an earlier statement or the clip's tensors")
            if _is_array(value):
                self.read_as[id(value)] = node.id
            return value
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Tuple):
            return tuple(self.expr(item) for item in node.elts)
        if isinstance(node, ast.List):
            return [self.expr(item) for item in node.elts]
        if isinstance(node, ast.UnaryOp):
            name, unary = UNARY[type(node.op)]
            operand = self.expr(node.operand)
            if _is_array(operand):
                return self.call(node, _spec(name, OpKind.ELEMENTWISE, unary), [operand], {},
                                 bind)
            return self.number(node, unary(self.plain_number(node, operand)))
        if isinstance(node, ast.BinOp):
            name, fn = BINARY[type(node.op)]
            left, right = self.expr(node.left), self.expr(node.right)
            if _is_array(left) or _is_array(right):
                if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
                    raise self.refuse(node, "arithmetic on a NumPy array",
                                      "torch.from_numpy(a) first; the trace follows torch")
                kind = OpKind.MATMUL if name == "matmul" else OpKind.ELEMENTWISE
                return self.call(node, _spec(name, kind, fn), [left, right], {}, bind)
            return self.arithmetic(node, type(node.op), left, right)
        if isinstance(node, ast.Compare):
            name, fn = COMPARE[type(node.ops[0])]
            left, right = self.expr(node.left), self.expr(node.comparators[0])
            if _is_array(left) or _is_array(right):
                return self.call(node, _spec(name, OpKind.ELEMENTWISE, fn), [left, right], {},
                                 bind)
            return fn(self.plain_number(node, left), self.plain_number(node, right))
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value)
            key = self.key(node.slice)
            if _is_array(base):
                op = "getitem" if isinstance(base, torch.Tensor) else "ndarray.getitem"
                return self.call(node, _spec(op, OpKind.LAYOUT, operator.getitem), [base, key],
                                 {}, bind)
            if isinstance(base, tuple | list | torch.Size):
                try:
                    return base[key]
                except (IndexError, TypeError) as exc:
                    raise self.refuse(node, f"the index {key!r} ({exc})",
                                      f"an index into a sequence of {len(base)}") from None
            raise self.refuse(node, f"indexing a {type(base).__name__}",
                              "indexing tensors, arrays, shapes and tuples")
        if isinstance(node, ast.Attribute):
            return self.attribute(node, bind)
        if isinstance(node, ast.Call):
            return self.call_node(node, bind)
        raise self.refuse(node, type(node).__name__, "the snippet language")

    def plain_number(self, node: ast.AST, value: Any) -> Any:
        if isinstance(value, bool | int | float):
            return value
        raise self.refuse(node, f"an operator on a {type(value).__name__}",
                          "operators on tensors and numbers")

    def number(self, node: ast.AST, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise self.refuse(node, "an integer this large", "integers up to 2**62")
        return value

    def arithmetic(self, node: ast.BinOp, op: type[ast.operator], left: Any, right: Any) -> Any:
        if isinstance(left, list | tuple) or isinstance(right, list | tuple):
            if op is ast.Add and type(left) is type(right) and len(left) + len(right) <= 64:
                return left + right
            raise self.refuse(node, "this operator on a list or tuple",
                              "+ joining two short lists or tuples")
        a, b = self.plain_number(node, left), self.plain_number(node, right)
        if op is ast.Pow and isinstance(a, int) and isinstance(b, int) and (
                abs(b) > 64 or (b > 0 and abs(a) > 1 and b * math.log2(abs(a)) > 62)):
            raise self.refuse(node, "an integer power this large", "results up to 2**62")
        try:
            return self.number(node, BINARY[op][1](a, b))
        except (ZeroDivisionError, OverflowError) as exc:
            raise self.refuse(node, f"this arithmetic ({exc})", "arithmetic on finite numbers") \
                from None

    def key(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.index_part(p)
                     for p in (node.lower, node.upper, node.step)]
            return slice(*parts)
        if isinstance(node, ast.Tuple):
            return tuple(self.key(item) for item in node.elts)
        if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
            return node.value
        return self.index_part(node)

    def index_part(self, node: ast.expr) -> int:
        value = self.expr(node)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.refuse(node, f"an index that is a {type(value).__name__}",
                              "ints, slices, None and ...")
        return value

    def attribute(self, node: ast.Attribute, bind: str | None) -> Any:
        base = node.value
        if isinstance(base, ast.Name) and base.id == "torch":
            return DTYPES[node.attr]
        if isinstance(base, ast.Name) and base.id == "np":
            return NP_DTYPES[node.attr]
        value = self.expr(base)
        if not _is_array(value):
            raise self.refuse(node, f".{node.attr} of a {type(value).__name__}",
                              "attributes of tensors and arrays")
        read = ATTRIBUTES[node.attr]
        kind = OpKind.LAYOUT if node.attr in LAYOUT_ATTRIBUTES else OpKind.QUERY
        return self.call(node, _spec(node.attr, kind, read), [value], {}, bind)

    def call_node(self, node: ast.Call, bind: str | None) -> Any:
        func = node.func
        assert isinstance(func, ast.Attribute)
        base = func.value
        args = [self.expr(arg) for arg in node.args]
        kwargs = {kw.arg: self.expr(kw.value) for kw in node.keywords if kw.arg is not None}
        if isinstance(base, ast.Name) and base.id == "torch":
            return self.call(node, FUNCTIONS[func.attr], args, kwargs, bind)
        if isinstance(base, ast.Name) and base.id == "np":
            return self.call(node, NP_FUNCTIONS[func.attr], args, kwargs, bind)
        if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) \
                and base.value.id == "np":
            return self.call(node, DEFAULT_RNG, args, kwargs, bind)
        receiver = self.expr(base)
        if isinstance(receiver, torch.Tensor):
            table, what = METHODS, "tensor"
        elif isinstance(receiver, np.ndarray):
            table, what = NDARRAY_METHODS, "NumPy array"
        elif isinstance(receiver, np.random.Generator):
            table, what = GENERATOR_METHODS, "NumPy generator"
        else:
            raise self.refuse(func, f".{func.attr}() on a {type(receiver).__name__}",
                              "methods of tensors and arrays")
        spec = table.get(func.attr)
        if spec is None:
            raise self.refuse(func, f"the method .{func.attr}() of a {what}",
                              f"{what} methods .{{{', '.join(sorted(table))}}}")
        return self.call(node, spec, [receiver, *args], kwargs, bind)

    # Calls: the one place torch runs

    def call(self, node: ast.expr | ast.stmt, spec: OpSpec, args: list[Any], kwargs: dict[str, Any],
             bind: str | None) -> Any:
        self.check_sizes(node, spec, args, kwargs)
        if spec.kind == OpKind.CREATE:
            self.check_data(node, spec, args)
        inputs = _array_inputs(args)
        # An ndarray has no torch storage object: -1, never equal to a real one (a temporary
        # from_numpy storage could be freed and its address reused by the call's own).
        before = [(-1 if isinstance(v, np.ndarray) else int(v.untyped_storage()._cdata),
                   _byte_range(v)) for v in inputs]
        moved_from = [_as_tensor(v).untyped_storage().data_ptr() for v in inputs]
        code = self.snippet.segment(node)
        span = _span(node)
        input_refs = tuple(self.ref_of(v) for v in inputs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = spec.call(*args, **kwargs)
        except TORCH_ERRORS as exc:
            error = ErrorFacts(code=code, type=type(exc).__name__, message=str(exc))
            plan = self.failed_plan(spec, inputs)
            self.ops.append(OpRecord(span=span, code=code, op=spec.op, kind=spec.kind,
                                     inputs=input_refs, outputs=(), relations=(), error=error,
                                     plan=plan, args=_args_text(args, kwargs), form=_form(node)))
            raise _Raised(error) from None
        if spec.kind in (OpKind.WRITE, OpKind.RESIZE):
            return self.inplace(node, spec, inputs[0], input_refs, before[0], moved_from[0],
                                args, kwargs)
        outputs = self.outputs(node, result)
        kind = self.decide_kind(spec, inputs, outputs)
        out_refs = []
        for position, value in enumerate(outputs):
            name = bind if bind is not None else code
            if len(outputs) > 1:
                name = f"{name}[{position}]"
            ref = self.new_ref(name)
            self.record(value, ref)
            out_refs.append(ref)
        relations = tuple(self.relation(ref, before_v, outputs[0] if outputs else None, kind)
                          for ref, before_v in zip(input_refs, before, strict=True))
        plan = self.plan(node, spec, kind, args, kwargs, inputs, outputs, result)
        if outputs and not any(r.same_storage for r in relations):
            self.carry_undefined(plan, input_refs, outputs[0], out_refs[0])
        text = None if outputs else _python_text(result)
        self.ops.append(OpRecord(span=span, code=code, op=spec.op, kind=kind, inputs=input_refs,
                                 outputs=tuple(out_refs), relations=relations, plan=plan,
                                 result=text, args=_args_text(args[len(inputs[:1]):], kwargs)
                                 if spec.kind != OpKind.CREATE else _args_text(args, kwargs),
                                 form=_form(node)))
        return result

    def facts_of(self, ref: TensorRef) -> TensorFacts:
        return next(t for t in reversed(self.tensors) if t.ref == ref)

    def carry_undefined(self, plan: Plan | None, inputs: tuple[TensorRef, ...], out: Any,
                        out_ref: TensorRef) -> None:
        """Elements computed from uninitialised memory are uninitialised too (not numbers)."""
        unknown = [{k for k, v in enumerate(self.facts_of(r).values) if v is None}
                   for r in inputs]
        if not any(unknown) or isinstance(out, np.ndarray):
            return
        hit: set[int] = set()
        if isinstance(plan, Layout):
            hit = {k for k, src in enumerate(plan.sources) if src in unknown[0]}
        elif isinstance(plan, Join):
            hit = {k for k, (p, e) in enumerate(plan.sources) if e in unknown[p]}
        elif isinstance(plan, Broadcast):
            hit = {k for k, srcs in enumerate(plan.sources)
                   if any(e in unknown[i] for i, e in enumerate(srcs))}
        elif isinstance(plan, Reduce):
            hit = {k for k, group in enumerate(plan.groups) if set(group) & unknown[0]}
        elif isinstance(plan, Matmul):
            hit = {k for k, terms in enumerate(plan.terms)
                   if any(i in unknown[0] or j in unknown[1] for i, j in terms)}
        else:
            hit = set(range(_as_tensor(out).numel()))  # no plan: assume the worst
        if not hit:
            return
        facts = self.facts_of(out_ref)
        blank = self.blank.setdefault(int(out.untyped_storage()._cdata), set())
        blank |= {facts.storage_index[k] for k in hit}
        self.tensors.remove(facts)
        self.record(out, out_ref)

    def outputs(self, node: ast.AST, result: Any) -> list[Any]:
        if _is_array(result):
            values = [result]
        elif isinstance(result, tuple) and result and all(_is_array(v) for v in result):
            values = list(result)  # max(dim=...) answers (values, indices)
        else:
            return []
        for value in values:
            self.limit(node, tuple(value.shape))
        return values

    def decide_kind(self, spec: OpSpec, inputs: list[Any], outputs: list[Any]) -> OpKind:
        """A layout op or copy is a view when torch kept the storage, a copy when it did not."""
        if spec.kind not in (OpKind.LAYOUT, OpKind.COPY) or not inputs or not outputs:
            return spec.kind
        src, out = inputs[0], outputs[0]
        if isinstance(src, np.ndarray) or isinstance(out, np.ndarray):
            shared = bool(np.shares_memory(src, out)) if isinstance(src, np.ndarray) and \
                isinstance(out, np.ndarray) else False
        else:
            shared = src.untyped_storage()._cdata == out.untyped_storage()._cdata
        return OpKind.LAYOUT if shared else OpKind.COPY

    def relation(self, ref: TensorRef, before: tuple[int, tuple[int, int]], out: Any,
                 kind: OpKind) -> Relation:
        if out is None:
            return Relation(ref, "new", same_storage=False, same_buffer=False)
        cdata, (low, high) = before
        out_low, out_high = _byte_range(out)
        same_buffer = low < out_high and out_low < high
        same_storage = not isinstance(out, np.ndarray) and \
            int(out.untyped_storage()._cdata) == cdata
        if same_storage:
            name = "view"
        elif same_buffer:
            name = "shared-buffer"
        else:
            name = "copy" if kind in (OpKind.COPY, OpKind.LAYOUT) else "new"
        return Relation(ref, name, same_storage=same_storage, same_buffer=same_buffer)

    # Plans

    def plan(self, node: ast.AST, spec: OpSpec, kind: OpKind, args: list[Any],
             kwargs: dict[str, Any], inputs: list[Any], outputs: list[Any],
             result: Any) -> Plan | None:
        if not outputs:
            return None
        out = outputs[0]
        if kind == OpKind.ELEMENTWISE:
            tensors = [v for v in args if isinstance(v, torch.Tensor)]
            return broadcast_plan(tensors, tuple(out.shape))
        if kind == OpKind.REDUCE:
            source = inputs[0]
            reduce_kwargs = _reduce_kwargs(spec.op, args[1:], kwargs)
            dim = reduce_kwargs.get("dim")
            dims = None if dim is None else tuple(
                d % max(1, source.dim()) for d in (dim if isinstance(dim, tuple | list)
                                                   else (dim,)))
            return reduce_plan(spec.op, source, out, reduce_kwargs, dims)
        if kind == OpKind.MATMUL:
            a, b = inputs[0], inputs[1]
            return matmul_plan(spec.op, lambda vs: spec.call(*vs), a, b, out)
        if kind in (OpKind.LAYOUT, OpKind.COPY) and inputs:
            rest = args[1:]
            if isinstance(inputs[0], np.ndarray):
                def run(index: torch.Tensor) -> Any:
                    return spec.call(index.numpy(), *rest, **kwargs)
            else:
                def run(index: torch.Tensor) -> Any:
                    return spec.call(index, *rest, **kwargs)
            storage_index = self.tensors[-1].storage_index
            return layout_plan(run, _as_tensor(inputs[0]), storage_index,
                               copied=kind == OpKind.COPY)
        if kind == OpKind.JOIN:
            dim = kwargs.get("dim", args[1] if len(args) > 1 else 0)
            return join_plan(lambda ts: spec.call(ts, dim), inputs, dim)
        return None

    def failed_plan(self, spec: OpSpec, inputs: list[Any]) -> Plan | None:
        """What failed, drawn: the dims table of a matmul whose inner sizes differ."""
        if spec.kind == OpKind.MATMUL and len(inputs) == 2:
            return matmul_plan(spec.op, lambda vs: spec.call(*vs), inputs[0], inputs[1], None)
        return None

    # In-place writes

    def setitem(self, node: ast.Assign, target: ast.Subscript, value_node: ast.expr) -> None:
        container = self.expr(target.value)
        if not _is_array(container):
            raise self.refuse(target, f"assigning into a {type(container).__name__}",
                              "assigning into tensors and arrays")
        key = self.key(target.slice)
        value = self.expr(value_node)
        if isinstance(value, np.ndarray):
            raise self.refuse(value_node, "a NumPy array as the value", "a number or a tensor")

        def write(t: Any, k: Any, v: Any) -> Any:
            t[k] = v
            return t

        try:
            region = container[key]
        except TORCH_ERRORS:
            region = None  # the write below raises the same error, and it is recorded there
        spec = _spec("setitem", OpKind.WRITE, write)
        self.written = _addresses(region) if _is_array(region) else []
        self.call(node, spec, [container, key, value], {}, None)

    def augassign(self, node: ast.AugAssign) -> TensorRef | None:
        name, _fn = BINARY[type(node.op)]
        assert isinstance(node.target, ast.Name)  # the checker refused every other target
        current = self.expr(ast.Name(id=node.target.id, ctx=ast.Load(), lineno=node.lineno,
                                     col_offset=node.col_offset))
        value = self.expr(node.value)
        if isinstance(current, torch.Tensor):
            inplace = _AUGMENTED.get(name)
            if inplace is None:
                raise self.refuse(node, f"{type(node.op).__name__}= on a tensor",
                                  "+= -= *= /= (torch changes the tensor in place)")
            self.written = _addresses(current)
            self.call(node, _spec(f"{name}_", OpKind.WRITE, inplace), [current, value], {}, None)
            return self.refs.get(id(current))
        if isinstance(current, np.ndarray):
            raise self.refuse(node, "augmented assignment on a NumPy array",
                              "torch.from_numpy(a) and an in-place tensor method")
        return self.bind(node.target.id, self.arithmetic(node.value, type(node.op), current,  # type: ignore[arg-type]
                                                         value))

    def inplace(self, node: ast.AST, spec: OpSpec, writer: Any, refs: tuple[TensorRef, ...],
                before: tuple[int, tuple[int, int]], old_ptr: int, args: list[Any],
                kwargs: dict[str, Any]) -> Any:
        code = self.snippet.segment(node)
        span = _span(node)
        writer_t = _as_tensor(writer)
        cdata = -1 if isinstance(writer, np.ndarray) else int(writer_t.untyped_storage()._cdata)
        if spec.kind == OpKind.RESIZE:
            return self.resized(node, spec, writer, refs, before, old_ptr, args, kwargs)
        # setitem and += name the cells they write; a method like mul_ writes all of writer.
        written = self.written or _addresses(writer)
        self.written = []
        written_set = set(written)
        base = writer_t.untyped_storage().data_ptr()
        size = writer_t.element_size()
        cells = tuple(sorted({(a - base) // size for a in written_set}))
        # Writing a value makes a cell defined; mul_/add_ of uninitialised bytes leave it as
        # undefined as before (garbage times 3 is still garbage, and differs run to run).
        if cdata in self.blank and spec.op in _DEFINING_WRITES:
            self.blank[cdata] -= set(cells)
        writer_addresses = _addresses(writer)
        elements = tuple(k for k, a in enumerate(writer_addresses) if a in written_set)
        new_writer = self.new_ref(refs[0].name)
        facts = self.record(writer, new_writer)
        aliases = []
        for name, value in self.bound_arrays():
            if name == refs[0].name:
                continue
            reached = tuple(k for k, a in enumerate(_addresses(value)) if a in written_set)
            if reached:
                ref = self.new_ref(name)
                self.record(value, ref)
                aliases.append((ref, reached))
        plan = Write(writer=new_writer, cells=cells, elements=elements,
                     printed=tuple(facts.printed[k] or "" for k in elements),
                     aliases=tuple(aliases))
        # Measured, not assumed: the writer's storage object and memory after the write.
        after_low, after_high = _byte_range(writer)
        low, high = before[1]
        relation = Relation(refs[0], "inplace", same_storage=cdata == before[0],
                            same_buffer=low < after_high and after_low < high)
        self.ops.append(OpRecord(span=span, code=code, op=spec.op, kind=OpKind.WRITE,
                                 inputs=refs, outputs=(new_writer, *(r for r, _ in aliases)),
                                 relations=(relation,), plan=plan,
                                 args=_args_text(args[1:], kwargs), form=_form(node)))
        return writer

    def resized(self, node: ast.AST, spec: OpSpec, writer: Any, refs: tuple[TensorRef, ...],
                before: tuple[int, tuple[int, int]], old_ptr: int, args: list[Any],
                kwargs: dict[str, Any]) -> Any:
        code = self.snippet.segment(node)
        old_facts = self.tensors[[t.ref for t in self.tensors].index(refs[0])]
        storage = writer.untyped_storage()
        cdata = int(storage._cdata)
        old_cells = old_facts.storage_elements
        new_cells = storage.nbytes() // writer.element_size()
        moved = storage.data_ptr() != old_ptr
        if moved:
            self.registry.retire_buffer(old_ptr)
        # resize_ copies the old bytes into a grown buffer and leaves the rest as it found it.
        blank = self.blank.setdefault(cdata, set())
        blank |= set(range(old_cells, new_cells))
        new_writer = self.new_ref(refs[0].name)
        facts = self.record(writer, new_writer)
        aliases = []
        for name, value in self.bound_arrays():
            if name == refs[0].name or isinstance(value, np.ndarray):
                continue
            if int(value.untyped_storage()._cdata) == cdata:
                ref = self.new_ref(name)
                self.record(value, ref)
                aliases.append(ref)
        plan = Resize(old_shape=old_facts.shape, new_shape=facts.shape, old_cells=old_cells,
                      new_cells=new_cells, same_storage=cdata == before[0], buffer_moved=moved,
                      lost=facts.unreachable, uninitialized=tuple(sorted(blank)),
                      aliases=tuple(aliases))
        relation = Relation(refs[0], "inplace", same_storage=cdata == before[0],
                            same_buffer=not moved,
                            buffer_moved=moved)
        self.ops.append(OpRecord(span=_span(node), code=code, op=spec.op, kind=OpKind.RESIZE,
                                 inputs=refs, outputs=(new_writer, *aliases),
                                 relations=(relation,), plan=plan,
                                 args=_args_text(args[1:], kwargs), form=_form(node)))
        return writer

    # Size checks before torch allocates

    def check_sizes(self, node: ast.AST, spec: OpSpec, args: list[Any],
                    kwargs: dict[str, Any]) -> None:
        if spec.sizes is None:
            return
        shape: tuple[int, ...] | None = None
        rest = args[1:] if spec.kind == OpKind.RESIZE or spec.op == "standard_normal" else args
        if spec.sizes == "shape" or spec.sizes == "full":
            dims = rest[0] if rest and isinstance(rest[0], tuple | list | torch.Size) else (
                rest if spec.sizes == "shape" else [])
            shape = self.int_shape(node, dims)
        elif spec.sizes == "arange":
            numbers = [self.plain_number(node, a) for a in args[:3]]
            start, end, step = (0, numbers[0], 1) if len(numbers) == 1 else (
                numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else 1)
            if step != 0 and all(math.isfinite(v) for v in (start, end, step)):
                shape = (max(0, math.ceil((end - start) / step)),)
        elif spec.sizes == "linspace":
            steps = kwargs.get("steps", args[2] if len(args) > 2 else None)
            if isinstance(steps, int):
                shape = (steps,)
        elif spec.sizes == "eye":
            sizes = [a for a in args[:2] if isinstance(a, int)]
            shape = tuple(sizes) if len(sizes) == 2 else (sizes[0], sizes[0]) if sizes else None
        if shape is not None:
            self.limit(node, shape)

    def int_shape(self, node: ast.AST, dims: Any) -> tuple[int, ...]:
        if not isinstance(dims, tuple | list | torch.Size) or not all(
                isinstance(n, int) and not isinstance(n, bool) for n in dims):
            raise self.refuse(node, f"the size {dims!r}", "whole numbers, e.g. (2, 3)")
        return tuple(max(0, n) for n in dims)

    def check_data(self, node: ast.AST, spec: OpSpec, args: list[Any]) -> None:
        if spec.sizes != "data" or not args:
            return
        count = 0

        def walk(value: Any, depth: int) -> None:
            nonlocal count
            if depth > MAX_NDIM:
                raise self.refuse(node, "data nested this deeply", f"at most {MAX_NDIM} levels")
            if isinstance(value, list | tuple):
                for item in value:
                    walk(item, depth + 1)
            elif isinstance(value, bool | int | float):
                count += 1
            else:
                raise self.refuse(node, f"a {type(value).__name__} inside the data",
                                  "nested lists of numbers")
            if count > MAX_ELEMENTS:
                raise self.refuse(node, f"more than {MAX_ELEMENTS} numbers", _LIMIT)

        walk(args[0], 0)


# x += v on a tensor changes x in place, as Python's operator protocol makes torch do.
_AUGMENTED: dict[str, Callable[..., Any]] = {
    "add": torch.Tensor.add_, "sub": torch.Tensor.sub_, "mul": torch.Tensor.mul_,
    "div": torch.Tensor.div_,
}


# In-place ops whose new values do not depend on the old ones.
_DEFINING_WRITES = frozenset({"setitem", "zero_", "fill_"})


class _Raised(Exception):
    def __init__(self, error: ErrorFacts) -> None:
        super().__init__(error.message)
        self.error = error


def _spec(op: str, kind: OpKind, call: Callable[..., Any]) -> OpSpec:
    return OpSpec(op=op, kind=kind, call=call)


def _form(node: ast.AST) -> str:
    """How the code spelled an op (see OpRecord.form)."""
    if isinstance(node, ast.Call):
        func = node.func
        base = func.value if isinstance(func, ast.Attribute) else None
        if isinstance(base, ast.Attribute):  # np.random.default_rng
            base = base.value
        return "function" if isinstance(base, ast.Name) and base.id in ("torch", "np") \
            else "method"
    if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Compare):
        return "operator"
    if isinstance(node, ast.Attribute):
        return "attribute"
    if isinstance(node, ast.Subscript):
        return "subscript"
    return "assignment"


def _span(node: ast.AST) -> Span:
    line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
    return Span(line=line, col_start=col, end_line=getattr(node, "end_lineno", None) or line,
                col_end=getattr(node, "end_col_offset", None) or col)


def _array_inputs(args: list[Any]) -> list[Any]:
    found: list[Any] = []
    for value in args:
        if _is_array(value):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if _is_array(v))
    return found


def _args_text(args: list[Any], kwargs: dict[str, Any]) -> str:
    parts = [_python_text(a) for a in args if not _is_array(a) and not (
        isinstance(a, list | tuple) and any(_is_array(v) for v in a))]
    parts += [f"{k}={_python_text(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _reduce_kwargs(op: str, positional: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    names = ("dim",) if op == "softmax" else ("dim", "keepdim")
    found = dict(zip(names, positional, strict=False))
    found.update({k: v for k, v in kwargs.items() if k in names})
    return found


def run_snippet(snippet: Snippet, values: dict[str, Any], seed: int, *,
                reseed: bool = True) -> ProgramTrace:
    """Trace a checked snippet after ``torch.manual_seed(seed)``; ``values`` are its inputs.

    ``reseed=False`` when the inputs were just drawn after that seed and the snippet continues
    the same random stream.
    """
    if reseed:
        torch.manual_seed(seed)
    tracer = _Tracer(snippet)
    tracer.env.update({"torch": _Module("torch"), "np": _Module("np")})
    tracer.env.update(values)
    return replace(tracer.run(), seed=seed)



def trace_code(code: str, where: str, seed: int = 0, *, clip_id: str = "snippet",
               title: str = "", say: dict[int, str] | None = None) -> ProgramTrace:
    """Check and trace a snippet in one call; the entry point of ``torchreel trace --code``."""
    from core.snippet import parse_snippet

    snippet = parse_snippet(code, where)
    trace = run_snippet(snippet, {}, seed)
    said = say or {}
    statements = tuple(replace(s, say=said.get(s.span.line)) for s in trace.statements)
    return replace(trace, clip_id=clip_id, title=title, statements=statements)
