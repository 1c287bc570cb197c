"""Traces of the arithmetic clips: element-wise product, sum, one neuron, a two-layer network.

Each clip is written as code (its ``code`` is what runs); the traces here are small story
builders on top of the op records of that code: they find the ops the story needs with
:func:`core.story.need` and read every fact from the records, their plans and tensor facts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.lesson import ClipSpec, refuse
from core.model import (
    Broadcast,
    Matmul,
    OpKind,
    OpRecord,
    ProgramTrace,
    Reduce,
    TensorFacts,
    logical_indices,
)
from core.program import program_trace
from core.story import need

if TYPE_CHECKING:
    import torch

__all__ = [
    "ACTIVATION_CODE",
    "ActivationCurve",
    "DotProduct",
    "ElementwiseTrace",
    "LayerStage",
    "NeuronTrace",
    "ProductStep",
    "SumTrace",
    "TwoLayerTrace",
    "dot_products",
    "elementwise_trace",
    "neuron_trace",
    "product_steps",
    "sum_trace",
    "two_layer_trace",
]

ACTIVATION_CODE = {"sigmoid": "torch.sigmoid", "tanh": "torch.tanh", "relu": "torch.relu"}


@dataclass(frozen=True)
class ProductStep:
    """One multiplication ``a × b = product`` and the running total after it.

    ``running_total`` is empty when the code sums nothing (a bare element-wise product).
    """

    index: tuple[int, ...]
    a: str
    b: str
    product: str
    running_total: str = ""


@dataclass(frozen=True)
class ElementwiseTrace:
    """``features * weights`` as it ran: each pair ``a × b = c`` and the new tensor they make.

    ``program`` is the clip's code as it ran; ``product_op`` indexes its op record.
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    product_op: int
    a: TensorFacts
    b: TensorFacts
    product: TensorFacts
    steps: tuple[ProductStep, ...]
    new_storage: bool


@dataclass(frozen=True)
class SumTrace:
    """The products of ``features * weights`` summed as ``torch.sum(x)`` and as ``x.sum()``.

    ``product_op`` is the product ``torch.sum`` adds up; ``function_op`` and ``method_op`` are
    the two spellings of the sum. ``steps`` carry torch's running totals; ``rounded`` says the
    printed products do not add up exactly to the printed total.
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    product_op: int
    function_op: int
    method_op: int
    product: TensorFacts
    steps: tuple[ProductStep, ...]
    rounded: bool
    total_function: TensorFacts
    total_method: TensorFacts
    totals_equal: bool


@dataclass(frozen=True)
class ActivationCurve:
    """Points of the activation curve computed by torch, for the plot."""

    name: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    # Axis tick labels for the plot, read off the curve's own range (each parses as its position).
    x_ticks: tuple[str, ...] = ()
    y_ticks: tuple[str, ...] = ()


@dataclass(frozen=True)
class NeuronTrace:
    """``y = σ(Σ xᵢwᵢ + b)`` with every intermediate, read from the op records of its code.

    ``product_op``, ``sum_op``, ``bias_op`` and ``activation_op`` index ``program.ops``;
    ``activation`` is the name of the op the code applied (``sigmoid``, ``tanh``, ``relu``).
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    product_op: int
    sum_op: int
    bias_op: int
    activation_op: int
    activation: str
    features: TensorFacts
    weights: TensorFacts
    bias: TensorFacts
    products: TensorFacts
    steps: tuple[ProductStep, ...]
    total: TensorFacts
    pre_activation: TensorFacts
    output: TensorFacts
    curve: ActivationCurve


@dataclass(frozen=True)
class DotProduct:
    """The dot product behind one output cell of a matrix product."""

    row: int
    col: int
    terms: tuple[ProductStep, ...]
    result: str


@dataclass(frozen=True)
class LayerStage:
    """One intermediate of a forward pass: its code, the tensor torch computed, its op record."""

    code: str
    tensor: TensorFacts
    dots: tuple[DotProduct, ...]
    op: int = -1


@dataclass(frozen=True)
class TwoLayerTrace:
    """``h = σ(features @ W1 + B1)``, ``y = σ(h @ W2 + B2)``, every intermediate with its shape.

    ``inputs`` are, in this order, the features, W1, W2, B1 and B2 the code used; ``stages``
    the six intermediates (``features @ W1``, ``+ B1``, ``h``, ``h @ W2``, ``+ B2``, ``y``), each
    with the index of its op record in ``program.ops``.
    """

    clip_id: str
    kind: str
    title: str
    program: ProgramTrace
    activation: str
    inputs: tuple[TensorFacts, ...]
    stages: tuple[LayerStage, ...]


def product_steps(a: torch.Tensor, b: torch.Tensor) -> tuple[ProductStep, ...]:
    """Per-element products of two same-shaped tensors, with torch's running totals."""
    import torch

    from core.facts import format_elements

    products = a * b
    running = torch.cumsum(products.flatten(), dim=0)
    a_text = format_elements(a.flatten().tolist(), a)
    b_text = format_elements(b.flatten().tolist(), b)
    p_text = format_elements(products.flatten().tolist(), products)
    r_text = format_elements(running.tolist(), running)
    indices = logical_indices(tuple(a.shape))
    return tuple(
        ProductStep(index=index, a=a_text[k], b=b_text[k], product=p_text[k],
                    running_total=r_text[k])
        for k, index in enumerate(indices)
    )


def dot_products(a: torch.Tensor, b: torch.Tensor, result: torch.Tensor) -> tuple[DotProduct, ...]:
    """Row-times-column for every cell of the 2-d product ``result = a @ b``."""
    from core.facts import format_elements

    result_text = format_elements(result.flatten().tolist(), result)
    dots = []
    for k, (row, col) in enumerate(logical_indices(tuple(result.shape))):
        dots.append(DotProduct(row=row, col=col, terms=product_steps(a[row, :], b[:, col]),
                               result=result_text[k]))
    return tuple(dots)


def _curve(activation: str, pre: float) -> ActivationCurve:
    # Wide enough to show both tails of the curve and to hold the marked pre-activation.
    low = min(-6.0, math.floor(pre) - 1.0)
    high = max(6.0, math.ceil(pre) + 1.0)
    import torch

    xs = torch.linspace(low, high, 121)
    ys = getattr(torch, activation)(xs)
    # Whole numbers across x, at most 7 of them; the curve's floor, middle and ceiling on y.
    stride = max(1, math.ceil((high - low) / 6))
    x_ticks = tuple(f"{v:g}" for v in range(int(low), int(high) + 1, stride))
    y_low, y_high = math.floor(float(ys.min())), math.ceil(float(ys.max()))
    y_ticks = tuple(f"{v:g}" for v in (y_low, (y_low + y_high) / 2, y_high))
    return ActivationCurve(name=activation, xs=tuple(xs.tolist()), ys=tuple(ys.tolist()),
                           x_ticks=x_ticks, y_ticks=y_ticks)


# Story helpers over op records


def _out(program: ProgramTrace, op: OpRecord) -> TensorFacts:
    return program.tensor(op.outputs[0])


def _is_product(op: OpRecord) -> bool:
    """An element-wise product of two tensors of one shape (nothing stretched)."""
    plan = op.plan
    return (op.op == "mul" and op.error is None and len(op.inputs) == 2
            and isinstance(plan, Broadcast) and not any(plan.expanded))


def _reads(op: OpRecord, producer: OpRecord) -> bool:
    """``op`` reads the tensor ``producer`` made."""
    return op.error is None and bool(producer.outputs) and producer.outputs[0] in op.inputs


def _product_steps(program: ProgramTrace, product: OpRecord,
                   running: Reduce | None = None) -> tuple[ProductStep, ...]:
    """``a × b = c`` per output element of an element-wise product, from its Broadcast plan,
    with the running totals of the reduction that sums it, if any."""
    plan = product.plan
    assert isinstance(plan, Broadcast)
    a, b = (program.tensor(ref) for ref in product.inputs)
    out = _out(program, product)
    indices = logical_indices(out.shape)
    order = running.groups[0] if running is not None else tuple(range(out.numel))
    totals = running.partials[0] if running is not None and running.partials else ()
    return tuple(
        ProductStep(index=indices[k], a=a.printed[plan.sources[k][0]] or "",
                    b=b.printed[plan.sources[k][1]] or "", product=out.printed[k] or "",
                    running_total=totals[position] if totals else "")
        for position, k in enumerate(order)
    )


def _dots(program: ProgramTrace, op: OpRecord) -> tuple[DotProduct, ...]:
    """Every output cell of a 2-d matrix product as its dot product, from the Matmul plan."""
    plan = op.plan
    assert isinstance(plan, Matmul)
    a, b = (program.tensor(ref) for ref in op.inputs)
    out = _out(program, op)
    dots = []
    for k, (row, col) in enumerate(logical_indices(out.shape)):
        terms = tuple(
            ProductStep(index=(j,), a=a.printed[ia] or "", b=b.printed[ib] or "",
                        product=plan.products[k][j], running_total=plan.partials[k][j])
            for j, (ia, ib) in enumerate(plan.terms[k]))
        dots.append(DotProduct(row=row, col=col, terms=terms, result=out.printed[k] or ""))
    return tuple(dots)


def _activation_of(clip: ClipSpec, program: ProgramTrace, producer: int, expected: str) -> int:
    """The activation (sigmoid, tanh or relu) the code applies to what ``producer`` made."""
    made = program.ops[producer]
    return need(clip, program, expected,
                lambda op: op.op in ACTIVATION_CODE and _reads(op, made), after=producer)


def _bias_add(clip: ClipSpec, program: ProgramTrace, producer: int, expected: str) -> int:
    """The addition of a bias to what ``producer`` made."""
    made = program.ops[producer]
    return need(clip, program, expected,
                lambda op: op.op == "add" and len(op.inputs) == 2 and _reads(op, made),
                after=producer)


def _other_input(op: OpRecord, known: OpRecord) -> int:
    """Which input of ``op`` is not the tensor ``known`` made."""
    return 1 if op.inputs[0] == known.outputs[0] else 0


# Builders


def elementwise_trace(clip: ClipSpec) -> ElementwiseTrace:
    """Trace the clip's code and find its element-wise product, ``features * weights``."""
    program = program_trace(clip)
    product_op = need(clip, program, "an element-wise product of two tensors of one shape, "
                                     "e.g. features * weights", _is_product)
    op = program.ops[product_op]
    return ElementwiseTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        product_op=product_op, a=program.tensor(op.inputs[0]), b=program.tensor(op.inputs[1]),
        product=_out(program, op), steps=_product_steps(program, op),
        new_storage=not any(r.same_storage for r in op.relations),
    )


def sum_trace(clip: ClipSpec) -> SumTrace:
    """Trace ``torch.sum(features * weights)`` and ``(features * weights).sum()``."""
    program = program_trace(clip)
    ops = program.ops

    def whole_sum(op: OpRecord) -> bool:
        # A sum of every element of a product, as the running total adds it up.
        plan = op.plan
        return (op.op == "sum" and op.error is None and isinstance(plan, Reduce)
                and len(plan.groups) == 1 and bool(plan.partials)
                and any(_is_product(p) and _reads(op, p) for p in ops))

    function_op = need(clip, program, "a sum of a product as a function, e.g. "
                                      "torch.sum(features * weights)",
                       lambda op: whole_sum(op) and op.form == "function")
    method_op = need(clip, program, "the same sum as a method, e.g. (features * weights).sum()",
                     lambda op: whole_sum(op) and op.form == "method")
    function = ops[function_op]
    product_op = next(k for k, p in enumerate(ops) if _is_product(p) and _reads(function, p))
    plan = function.plan
    assert isinstance(plan, Reduce)
    total_function, total_method = _out(program, function), _out(program, ops[method_op])
    return SumTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        product_op=product_op, function_op=function_op, method_op=method_op,
        product=_out(program, ops[product_op]),
        steps=_product_steps(program, ops[product_op], plan), rounded=plan.rounded[0],
        total_function=total_function, total_method=total_method,
        totals_equal=total_function.values == total_method.values,
    )


def neuron_trace(clip: ClipSpec) -> NeuronTrace:
    """Trace one neuron, ``y = activation(torch.sum(features * weights) + bias)``."""
    program = program_trace(clip)
    ops = program.ops
    product_op = need(clip, program, "features * weights, two tensors of one shape",
                      _is_product)
    sum_op = need(clip, program, "a sum of every product, e.g. torch.sum(features * weights)",
                  lambda op: op.op == "sum" and _reads(op, ops[product_op])
                  and isinstance(op.plan, Reduce) and len(op.plan.groups) == 1,
                  after=product_op)
    bias_op = _bias_add(clip, program, sum_op, "a bias added to the sum, e.g. ... + bias")
    activation_op = _activation_of(clip, program, bias_op,
                                   "an activation of the sum plus bias, e.g. torch.sigmoid(...)")
    product, total, add = ops[product_op], ops[sum_op], ops[bias_op]
    bias = program.tensor(add.inputs[_other_input(add, total)])
    if bias.numel != 1:
        raise refuse(clip, "code", "a one-element bias", f"{bias.name} of {bias.size_text}")
    plan = total.plan
    assert isinstance(plan, Reduce)
    pre = _out(program, add)
    activation = ops[activation_op].op
    return NeuronTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
        product_op=product_op, sum_op=sum_op, bias_op=bias_op, activation_op=activation_op,
        activation=activation,
        features=program.tensor(product.inputs[0]), weights=program.tensor(product.inputs[1]),
        bias=bias, products=_out(program, product),
        steps=_product_steps(program, product, plan),
        total=_out(program, total), pre_activation=pre,
        output=_out(program, ops[activation_op]),
        curve=_curve(activation, float(pre.values[0] or 0.0)),
    )


def two_layer_trace(clip: ClipSpec) -> TwoLayerTrace:
    """Trace the forward pass of a two-layer network from the op records of its code."""
    program = program_trace(clip)
    ops = program.ops

    def product_2d(op: OpRecord) -> bool:
        plan = op.plan
        return (op.kind == OpKind.MATMUL and op.error is None and isinstance(plan, Matmul)
                and len(plan.a_shape) == 2 and len(plan.b_shape) == 2)

    mm1 = need(clip, program, "a first layer's matrix product, e.g. features @ W1", product_2d)
    add1 = _bias_add(clip, program, mm1, "a bias added to it, e.g. features @ W1 + B1")
    act1 = _activation_of(clip, program, add1, "an activation of the first layer, e.g. "
                                               "h = torch.sigmoid(features @ W1 + B1)")
    mm2 = need(clip, program, "a second layer's matrix product of the first layer's output, "
                              "e.g. h @ W2",
               lambda op: product_2d(op) and op.inputs[0] == ops[act1].outputs[0], after=act1)
    add2 = _bias_add(clip, program, mm2, "a bias added to it, e.g. h @ W2 + B2")
    act2 = _activation_of(clip, program, add2, "an activation of the second layer, e.g. "
                                               "y = torch.sigmoid(h @ W2 + B2)")
    if ops[act2].op != ops[act1].op:
        raise refuse(clip, "code", f"the same activation in both layers ({ops[act1].op})",
                     ops[act2].op)
    b1 = ops[add1].inputs[_other_input(ops[add1], ops[mm1])]
    b2 = ops[add2].inputs[_other_input(ops[add2], ops[mm2])]
    refs = (*ops[mm1].inputs, ops[mm2].inputs[1], b1, b2)
    stages = tuple(
        LayerStage(ops[k].code, _out(program, ops[k]),
                   _dots(program, ops[k]) if k in (mm1, mm2) else (), op=k)
        for k in (mm1, add1, act1, mm2, add2, act2)
    )
    return TwoLayerTrace(clip_id=clip.id, kind=clip.kind, title=clip.title, program=program,
                         activation=ops[act1].op,
                         inputs=tuple(program.tensor(ref) for ref in refs), stages=stages)
