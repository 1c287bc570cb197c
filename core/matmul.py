"""Stories of the shape clips, built on the op records of their code: why torch.mm needs matching
sizes, and how torch.matmul broadcasts where torch.mm would raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.lesson import ClipSpec, refuse
from core.model import (
    ErrorFacts,
    Matmul,
    OpKind,
    OpRecord,
    ProgramTrace,
    Span,
    TensorFacts,
    TensorRef,
)
from core.program import program_trace
from core.story import need

if TYPE_CHECKING:
    import torch

__all__ = [
    "DotTerm",
    "MatmulCase",
    "MatmulShapesTrace",
    "MmVsMatmulTrace",
    "matmul_shapes_trace",
    "mm_vs_matmul_trace",
    "old_mismatch_message",
]


@dataclass(frozen=True)
class MatmulCase:
    """One ``torch.mm`` / ``torch.matmul`` op of the clip's code: operands, plan, result or error.

    ``op_index`` indexes the program's op records; ``span`` is the code that made it. ``plan`` is
    the engine's Matmul plan: its dims table (roles batch/rows/inner/cols/dropped, right-aligned)
    is there even when torch raised.
    """

    label: str
    op_index: int
    span: Span
    op: str
    code: str
    a: TensorFacts
    b: TensorFacts
    plan: Matmul
    result: TensorFacts | None
    error: ErrorFacts | None

    @property
    def inner(self) -> tuple[int | None, int | None]:
        return self.plan.inner


@dataclass(frozen=True)
class DotTerm:
    """One term of a row-times-column dot product, as torch printed each number."""

    a: str
    b: str
    product: str
    running: str  # the running total after this term, as torch computed it


@dataclass(frozen=True)
class MatmulShapesTrace:
    """``torch.mm(features, weights)`` fails; ``weights.view(5, 1)`` fixes it.

    ``program`` is the clip's code as it ran; ``column_op``, ``bias_op`` and ``activation_op``
    index its op records. ``dot`` is the fixed product's one dot product, term by term, read
    from the Matmul plan; ``dot_rounded`` says the printed products do not add up exactly to the
    printed running totals (torch adds the unrounded values).
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    features: TensorFacts
    weights: TensorFacts
    bias: TensorFacts
    failed: MatmulCase
    old_message: str
    column_op: int
    column: TensorFacts
    column_shares_storage: bool
    fixed: MatmulCase
    dot: tuple[DotTerm, ...]
    dot_rounded: bool
    bias_op: int
    pre_activation: TensorFacts
    activation_op: int
    activation: str
    output: TensorFacts
    neuron_output: TensorFacts
    same_as_neuron: bool


@dataclass(frozen=True)
class MmVsMatmulTrace:
    """The strict ``torch.mm`` against the broadcasting ``torch.matmul``, case by case.

    Cases by label: ``mm-vector`` (mm refuses a 1-d operand), ``matmul-vector`` (matmul takes
    it and drops the added 1), ``column`` (mm on the same values as a column: the shape meant),
    ``mm-batch`` / ``matmul-batch`` (batch dimensions), ``mm-stray`` / ``matmul-stray`` (one
    operand with a stray batch dimension, broadcast silently by matmul).
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    cases: tuple[MatmulCase, ...]

    def case(self, label: str) -> MatmulCase:
        return next(c for c in self.cases if c.label == label)


def old_mismatch_message(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """How PyTorch before 1.7 (its TH backend) worded mm's size error, the lecture's wording."""
    return f"size mismatch, m1: [{a[0]} x {a[1]}], m2: [{b[0]} x {b[1]}]"


def _case(program: ProgramTrace, index: int, label: str) -> MatmulCase:
    op = program.ops[index]
    assert isinstance(op.plan, Matmul), f"{op.code}: no Matmul plan"
    a, b = (program.tensor(ref) for ref in op.inputs)
    return MatmulCase(
        label=label, op_index=index, span=op.span, op=op.op, code=op.code, a=a, b=b, plan=op.plan,
        result=program.tensor(op.outputs[0]) if op.outputs else None, error=op.error,
    )


def _shapes(program: ProgramTrace, op: OpRecord) -> list[tuple[int, ...]]:
    return [program.tensor(ref).shape for ref in op.inputs]


def _is(name: str, works: bool) -> Callable[[OpRecord], bool]:
    return lambda op: op.kind == OpKind.MATMUL and op.op == name and (op.error is None) == works


def _rebuilt(facts: TensorFacts) -> torch.Tensor:
    """A tensor with a trace's exact values (floats round-trip float32 exactly)."""
    import torch

    values = [float(v) for v in facts.values if v is not None]
    return torch.tensor(values, dtype=getattr(torch, facts.dtype.removeprefix("torch."))
                        ).reshape(facts.shape)


def matmul_shapes_trace(clip: ClipSpec) -> MatmulShapesTrace:
    """Trace the clip's code: a torch.mm that fails, a view that fixes it, bias and activation."""
    import torch

    from core.facts import StorageRegistry, tensor_facts

    program = program_trace(clip)
    ops = program.ops

    def mismatch(op: OpRecord) -> bool:
        return _is("mm", False)(op) and len(op.inputs) == 2 and all(
            len(s) == 2 for s in _shapes(program, op))

    failed_op = need(clip, program, "a torch.mm whose inner sizes differ, e.g. "
                     "torch.mm(features, weights)", mismatch)
    failed = _case(program, failed_op, "mismatch")
    features_ref, weights_ref = ops[failed_op].inputs
    column_op = need(clip, program, "a view of the second operand, e.g. "
                     "column = weights.view(5, 1)",
                     lambda op: op.op == "view" and op.error is None
                     and op.inputs[0] == weights_ref, after=failed_op)
    column_ref = ops[column_op].outputs[0]
    fixed_op = need(clip, program, "torch.mm with the view, e.g. torch.mm(features, column)",
                    lambda op: _is("mm", True)(op) and op.inputs == (features_ref, column_ref),
                    after=column_op)
    product_ref = ops[fixed_op].outputs[0]
    bias_op = need(clip, program, "a bias added to the product, e.g. torch.mm(...) + bias",
                   lambda op: op.op == "add" and op.error is None and product_ref in op.inputs,
                   after=fixed_op)
    pre_ref = ops[bias_op].outputs[0]
    activation_op = need(clip, program, "an activation of the sum, e.g. torch.sigmoid(...)",
                         lambda op: op.kind == OpKind.ELEMENTWISE and op.inputs == (pre_ref,)
                         and op.op in ("sigmoid", "tanh", "relu"), after=bias_op)
    fixed = _case(program, fixed_op, "fixed")
    bias_ref = next(ref for ref in ops[bias_op].inputs if ref != product_ref)
    plan = fixed.plan
    if len(plan.terms) != 1:
        raise refuse(clip, "code", "a product with one output (one row times one column)",
                     f"{len(plan.terms)} outputs")
    column = program.tensor(column_ref)
    features, weights, bias = (program.tensor(r) for r in (features_ref, weights_ref, bias_ref))
    dot = tuple(DotTerm(a=features.printed[i] or "", b=column.printed[j] or "",
                        product=product, running=running)
                for (i, j), product, running in zip(plan.terms[0], plan.products[0],
                                                    plan.partials[0], strict=True))
    rounded = plan.rounded[0]
    activation = ops[activation_op].op
    output = program.tensor(ops[activation_op].outputs[0])
    # The neuron clip's formula on the same values: σ(Σ features·weights + bias).
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    f, w, b = (_rebuilt(t) for t in (features, weights, bias))
    neuron = tensor_facts(act(torch.sum(f * w) + b), "y (neuron)",
                          f"torch.{activation}(torch.sum(features * weights) + bias)",
                          StorageRegistry())
    return MatmulShapesTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        features=features, weights=weights, bias=bias, failed=failed,
        old_message=old_mismatch_message(failed.a.shape, failed.b.shape),
        column_op=column_op, column=column,
        column_shares_storage=ops[column_op].relations[0].same_storage,
        fixed=fixed, dot=dot, dot_rounded=rounded,
        bias_op=bias_op, pre_activation=program.tensor(pre_ref),
        activation_op=activation_op, activation=activation, output=output,
        neuron_output=neuron, same_as_neuron=output.printed == neuron.printed,
    )


def mm_vs_matmul_trace(clip: ClipSpec) -> MmVsMatmulTrace:
    """Trace the clip's code: mm refusing 1-d and batched operands, matmul taking them."""
    program = program_trace(clip)
    ops = program.ops

    def dims(op: OpRecord) -> list[int]:
        return [len(s) for s in _shapes(program, op)]

    def same_operands(index: int) -> Callable[[OpRecord], bool]:
        return lambda op: _is("matmul", True)(op) and op.inputs == ops[index].inputs

    def column_of(vector: TensorRef) -> Callable[[OpRecord], bool]:
        def test(op: OpRecord) -> bool:
            if not _is("mm", True)(op):
                return False
            made = [o for o in ops if o.outputs and o.outputs[0] == op.inputs[1]]
            return bool(made) and made[0].op == "view" and made[0].inputs[0] == vector
        return test

    found: dict[str, int] = {}
    found["mm-vector"] = need(clip, program, "torch.mm given a 1-d tensor, e.g. "
                              "torch.mm(features, weights) with weights = torch.randn(5)",
                              lambda op: _is("mm", False)(op) and 1 in dims(op))
    found["matmul-vector"] = need(clip, program, "torch.matmul on the same operands, e.g. "
                                  "y = torch.matmul(features, weights)",
                                  same_operands(found["mm-vector"]), after=found["mm-vector"])
    vector = next(ref for ref in ops[found["mm-vector"]].inputs
                  if len(program.tensor(ref).shape) == 1)
    found["column"] = need(clip, program, "torch.mm on that vector viewed as a column, e.g. "
                           "torch.mm(features, weights.view(5, 1))", column_of(vector),
                           after=found["matmul-vector"])
    found["mm-batch"] = need(clip, program, "torch.mm given two batched tensors, e.g. "
                             "torch.mm(X, Y) with X of shape (2, 1, 3, 4), Y (5, 4, 2)",
                             lambda op: _is("mm", False)(op) and min(dims(op)) > 2)
    found["matmul-batch"] = need(clip, program, "torch.matmul on the same operands, e.g. "
                                 "Z = torch.matmul(X, Y)", same_operands(found["mm-batch"]),
                                 after=found["mm-batch"])
    found["mm-stray"] = need(clip, program, "torch.mm given a 2-d and a batched tensor, e.g. "
                             "torch.mm(features, W) with W of shape (3, 5, 1)",
                             lambda op: _is("mm", False)(op) and sorted(dims(op))[0] == 2
                             and max(dims(op)) > 2, after=found["matmul-batch"])
    found["matmul-stray"] = need(clip, program, "torch.matmul on the same operands, e.g. "
                                 "s = torch.matmul(features, W)", same_operands(found["mm-stray"]),
                                 after=found["mm-stray"])
    return MmVsMatmulTrace(clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
                           cases=tuple(_case(program, index, label)
                                       for label, index in found.items()))
