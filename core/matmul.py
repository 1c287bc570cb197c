"""Traces of the shape clips: why torch.mm needs matching sizes, and how torch.matmul broadcasts."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.arithmetic import ACTIVATION_CODE, DotProduct, dot_products
from core.facts import ErrorFacts, StorageRegistry, TensorFacts, attempt, tensor_facts
from core.inputs import check_drawable, make_tensors, refuse, spec_code, torch_accepts
from core.lesson import ClipSpec

__all__ = [
    "DimStep",
    "MatmulCase",
    "MatmulShapesTrace",
    "MmVsMatmulTrace",
    "derive_dims",
    "matmul_case",
    "matmul_shapes_trace",
    "mm_vs_matmul_trace",
]

_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


@dataclass(frozen=True)
class DimStep:
    """One dimension of a product's result shape and where it came from.

    ``role`` is ``batch`` (sizes broadcast: equal, or one of them 1 or missing), ``rows``
    (from the first operand), ``inner`` (must match, then disappears), ``cols`` (from the
    second operand), or ``dropped`` (the 1 that matmul added to a 1-d operand, removed again).
    ``a`` and ``b`` are ``None`` where that operand has no such dimension.
    """

    role: str
    a: int | None
    b: int | None
    result: int | None


@dataclass(frozen=True)
class MatmulCase:
    """One call of ``torch.mm`` or ``torch.matmul``: operands, then the result or the error."""

    label: str
    op: str
    code: str
    a: TensorFacts
    b: TensorFacts
    a_used: tuple[int, ...]
    b_used: tuple[int, ...]
    inner: tuple[int, int]
    dims: tuple[DimStep, ...]
    result: TensorFacts | None
    error: ErrorFacts | None
    dots: tuple[DotProduct, ...]


@dataclass(frozen=True)
class MatmulShapesTrace:
    """``torch.mm(features, weights)`` fails; ``weights.view(5, 1)`` fixes it."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    activation: str
    features: TensorFacts
    weights: TensorFacts
    bias: TensorFacts
    failed: MatmulCase
    column: TensorFacts
    column_shares_storage: bool
    fixed: MatmulCase
    pre_activation: TensorFacts
    output: TensorFacts
    neuron_output: TensorFacts
    same_as_neuron: bool


@dataclass(frozen=True)
class MmVsMatmulTrace:
    """The strict ``torch.mm`` against the broadcasting ``torch.matmul``, case by case."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    cases: tuple[MatmulCase, ...]

    def case(self, label: str) -> MatmulCase:
        return next(c for c in self.cases if c.label == label)


def derive_dims(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> tuple[
    tuple[int, ...], tuple[int, ...], tuple[DimStep, ...]
]:
    """Derive ``torch.matmul``'s result shape dimension by dimension.

    A 1-d first operand gains a leading 1, a 1-d second operand a trailing 1; batch dimensions
    are aligned from the right and each pair is broadcast by ``torch.broadcast_shapes``; the
    added 1s are dropped from the result. Returns the operand shapes as used and the steps.
    """
    a_used = (1, *a_shape) if len(a_shape) == 1 else a_shape
    b_used = (*b_shape, 1) if len(b_shape) == 1 else b_shape
    a_batch, b_batch = a_used[:-2], b_used[:-2]
    width = max(len(a_batch), len(b_batch))
    steps: list[DimStep] = []
    for position in range(width):
        ia = position - (width - len(a_batch))
        ib = position - (width - len(b_batch))
        sa = a_batch[ia] if ia >= 0 else None
        sb = b_batch[ib] if ib >= 0 else None
        pair = [(s,) for s in (sa, sb) if s is not None]
        steps.append(DimStep("batch", sa, sb, torch.broadcast_shapes(*pair)[0]))
    if len(a_shape) == 1:
        steps.append(DimStep("dropped", 1, None, None))
    else:
        steps.append(DimStep("rows", a_used[-2], None, a_used[-2]))
    steps.append(DimStep("inner", a_used[-1], b_used[-2], None))
    if len(b_shape) == 1:
        steps.append(DimStep("dropped", None, 1, None))
    else:
        steps.append(DimStep("cols", None, b_used[-1], b_used[-1]))
    return a_used, b_used, tuple(steps)


def matmul_case(
    label: str,
    op: str,
    a: tuple[str, torch.Tensor],
    b: tuple[str, torch.Tensor],
    reg: StorageRegistry,
    *,
    a_code: str | None = None,
    b_code: str | None = None,
) -> MatmulCase:
    """Run ``torch.<op>(a, b)`` and record the operands, the result or the error, and the
    dimension-by-dimension derivation of the result shape (checked against torch's)."""
    (a_name, a_t), (b_name, b_t) = a, b
    code = f"torch.{op}({a_name}, {b_name})"
    function = torch.mm if op == "mm" else torch.matmul
    result, error = attempt(code, lambda: function(a_t, b_t))
    a_shape, b_shape = tuple(a_t.shape), tuple(b_t.shape)
    if op == "mm" or len(a_shape) < 1 or len(b_shape) < 1:
        a_used, b_used = a_shape, b_shape
        dims: tuple[DimStep, ...] = ()
        if len(a_shape) == 2 and len(b_shape) == 2:
            dims = (DimStep("rows", a_shape[0], None, a_shape[0]),
                    DimStep("inner", a_shape[1], b_shape[0], None),
                    DimStep("cols", None, b_shape[1], b_shape[1]))
    else:
        a_used, b_used, dims = derive_dims(a_shape, b_shape)
    inner = (a_used[-1], b_used[-2] if len(b_used) >= 2 else b_used[-1])
    if result is not None and dims:
        derived = tuple(step.result for step in dims if step.result is not None)
        if derived != tuple(result.shape):
            raise AssertionError(f"{code}: derived {derived}, torch gave {tuple(result.shape)}")
    dots: tuple[DotProduct, ...] = ()
    if result is not None and result.dim() == 2 and a_t.dim() == 2 and b_t.dim() == 2:
        dots = dot_products(a_t, b_t, result)
    return MatmulCase(
        label=label, op=op, code=code,
        a=tensor_facts(a_t, a_name, a_code or a_name, reg),
        b=tensor_facts(b_t, b_name, b_code or b_name, reg),
        a_used=a_used, b_used=b_used, inner=inner, dims=dims,
        result=None if result is None else tensor_facts(result, code, code, reg),
        error=error, dots=dots,
    )


def _column(clip: ClipSpec, weights: torch.Tensor) -> tuple[str, torch.Tensor]:
    shape = clip.settings["column_shape"]
    code = f"weights.view({', '.join(map(str, shape))})"
    return code, torch_accepts(clip, "column_shape", code, lambda: weights.view(shape))


def matmul_shapes_trace(clip: ClipSpec) -> MatmulShapesTrace:
    """Trace the failing ``torch.mm(features, weights)`` and its fix with ``view``."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    activation = clip.settings["activation"]
    act_code = ACTIVATION_CODE[activation]
    features, weights, bias = t["features"], t["weights"], t["bias"]
    failed = matmul_case("mismatch", "mm", ("features", features), ("weights", weights), reg)
    if failed.error is None:
        raise refuse(clip, "tensors.weights", "a weights shape that torch.mm refuses, to show "
                     "the error", str(list(weights.shape)))
    column_code, column = _column(clip, weights)
    fixed = matmul_case("fixed", "mm", ("features", features), (column_code, column), reg)
    if fixed.result is None:
        raise refuse(clip, "column_shape", "a shape that makes torch.mm(features, column) work",
                     fixed.error.message if fixed.error else "")
    product = torch.mm(features, column)
    pre = torch_accepts(clip, "tensors.bias", "... + bias", lambda: product + bias)
    y = _ACTIVATIONS[activation](pre)
    neuron_y = _ACTIVATIONS[activation](torch.sum(features * weights) + bias)
    code = (
        f"torch.manual_seed({clip.seed})",
        *(spec_code(spec) for spec in clip.tensors),
        failed.code,
        f"y = {act_code}(torch.mm(features, {column_code}) + bias)",
    )
    output = tensor_facts(y, "y", code[-1], reg)
    neuron_output = tensor_facts(
        neuron_y, "y (neuron)", f"{act_code}(torch.sum(features * weights) + bias)", reg
    )
    return MatmulShapesTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, code=code, activation=activation,
        features=failed.a, weights=failed.b,
        bias=tensor_facts(bias, "bias", spec_code(clip.tensor("bias")), reg),
        failed=failed,
        column=tensor_facts(column, column_code, column_code, reg),
        column_shares_storage=column.untyped_storage().data_ptr()
        == weights.untyped_storage().data_ptr(),
        fixed=fixed,
        pre_activation=tensor_facts(pre, "z", f"torch.mm(features, {column_code}) + bias", reg),
        output=output,
        neuron_output=neuron_output,
        same_as_neuron=output.printed == neuron_output.printed,
    )


def mm_vs_matmul_trace(clip: ClipSpec) -> MmVsMatmulTrace:
    """Trace ``torch.mm`` refusing 1-d and 3-d inputs and ``torch.matmul`` broadcasting them."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    features, weights = t["features"], t["weights"]
    (m_shape, v_shape) = clip.settings["vector_case"]
    (x_shape, y_shape) = clip.settings["batch_case"]
    # Drawn after the lesson's tensors, from the same seeded generator.
    m, v = torch.randn(m_shape), torch.randn(v_shape)
    x, y = torch.randn(x_shape), torch.randn(y_shape)
    column_code, column = _column(clip, weights)

    def dims(shape: tuple[int, ...]) -> str:
        return ", ".join(map(str, shape))

    code_m, code_v = f"M = torch.randn({dims(m_shape)})", f"v = torch.randn({dims(v_shape)})"
    code_x, code_y = f"X = torch.randn({dims(x_shape)})", f"Y = torch.randn({dims(y_shape)})"
    cases = (
        matmul_case("mm-vector", "mm", ("M", m), ("v", v), reg, a_code=code_m, b_code=code_v),
        matmul_case("matmul-vector", "matmul", ("M", m), ("v", v), reg,
                    a_code=code_m, b_code=code_v),
        matmul_case("mm-batch", "mm", ("X", x), ("Y", y), reg, a_code=code_x, b_code=code_y),
        matmul_case("matmul-batch", "matmul", ("X", x), ("Y", y), reg,
                    a_code=code_x, b_code=code_y),
        matmul_case("meant", "matmul", ("features", features), (column_code, column), reg),
        matmul_case("surprise", "matmul", (column_code, column), ("features", features), reg),
    )
    for case, key in zip(cases, ("vector_case", "vector_case", "batch_case", "batch_case",
                                 "column_shape", "column_shape"), strict=True):
        if case.op == "matmul" and case.error is not None:
            raise refuse(clip, key, f"shapes torch.matmul accepts for `{case.code}`",
                         f"{case.error.type}: {case.error.message.splitlines()[0]}")
        if case.result is not None:
            check_drawable(clip, key, torch.empty(case.result.shape))
    code = (
        f"torch.manual_seed({clip.seed})",
        *(spec_code(spec) for spec in clip.tensors),
        code_m, code_v, code_x, code_y,
        *(case.code for case in cases),
    )
    return MmVsMatmulTrace(clip_id=clip.id, kind=clip.kind, title=clip.title, code=code,
                           cases=cases)
