"""Traces of the arithmetic clips: element-wise product, sum, one neuron, a two-layer network."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from core.facts import (
    StorageRegistry,
    TensorFacts,
    format_elements,
    logical_indices,
    tensor_facts,
)
from core.inputs import check_drawable, make_tensors, refuse, spec_code, torch_accepts
from core.lesson import ClipSpec

__all__ = [
    "ACTIVATION_CODE",
    "ActivationCurve",
    "DotProduct",
    "ElementwiseTrace",
    "LayerStage",
    "NeuronTrace",
    "ProductStep",
    "TwoLayerTrace",
    "dot_products",
    "elementwise_trace",
    "neuron_trace",
    "product_steps",
    "two_layer_trace",
]

ACTIVATION_CODE = {"sigmoid": "torch.sigmoid", "tanh": "torch.tanh", "relu": "torch.relu"}
_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


@dataclass(frozen=True)
class ProductStep:
    """One multiplication ``a × b = product`` and the running total after it."""

    index: tuple[int, ...]
    a: str
    b: str
    product: str
    running_total: str


@dataclass(frozen=True)
class ElementwiseTrace:
    """``features * weights`` and its sum, both as ``torch.sum(x)`` and ``x.sum()``."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    a: TensorFacts
    b: TensorFacts
    product: TensorFacts
    steps: tuple[ProductStep, ...]
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
    """``y = σ(Σ xᵢwᵢ + b)`` with every intermediate."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
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
    """One intermediate of a forward pass: its code and the tensor torch computed."""

    code: str
    tensor: TensorFacts
    dots: tuple[DotProduct, ...]


@dataclass(frozen=True)
class TwoLayerTrace:
    """``h = σ(features @ W1 + B1)``, ``y = σ(h @ W2 + B2)``, every intermediate with its shape."""

    clip_id: str
    kind: str
    title: str
    code: tuple[str, ...]
    activation: str
    inputs: tuple[TensorFacts, ...]
    stages: tuple[LayerStage, ...]


def product_steps(a: torch.Tensor, b: torch.Tensor) -> tuple[ProductStep, ...]:
    """Per-element products of two same-shaped tensors, with torch's running totals."""
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
    xs = torch.linspace(low, high, 121)
    ys = _ACTIVATIONS[activation](xs)
    # Whole numbers across x, at most 7 of them; the curve's floor, middle and ceiling on y.
    stride = max(1, math.ceil((high - low) / 6))
    x_ticks = tuple(f"{v:g}" for v in range(int(low), int(high) + 1, stride))
    y_low, y_high = math.floor(float(ys.min())), math.ceil(float(ys.max()))
    y_ticks = tuple(f"{v:g}" for v in (y_low, (y_low + y_high) / 2, y_high))
    return ActivationCurve(name=activation, xs=tuple(xs.tolist()), ys=tuple(ys.tolist()),
                           x_ticks=x_ticks, y_ticks=y_ticks)


def elementwise_trace(clip: ClipSpec) -> ElementwiseTrace:
    """Trace ``features * weights`` and both ways of summing it."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    a, b = t["features"], t["weights"]
    if a.shape != b.shape:
        raise refuse(clip, "tensors.weights", f"the shape of features, {list(a.shape)}",
                     str(list(b.shape)))
    product = a * b
    total_function = torch.sum(a * b)
    total_method = (a * b).sum()
    code = (
        f"torch.manual_seed({clip.seed})",
        spec_code(clip.tensor("features")),
        spec_code(clip.tensor("weights")),
        "features * weights",
        "torch.sum(features * weights)",
        "(features * weights).sum()",
    )
    return ElementwiseTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, code=code,
        a=tensor_facts(a, "features", code[1], reg),
        b=tensor_facts(b, "weights", code[2], reg),
        product=tensor_facts(product, "features * weights", code[3], reg),
        steps=product_steps(a, b),
        total_function=tensor_facts(total_function, "torch.sum(features * weights)", code[4], reg),
        total_method=tensor_facts(total_method, "(features * weights).sum()", code[5], reg),
        totals_equal=bool(torch.equal(total_function, total_method)),
    )


def neuron_trace(clip: ClipSpec) -> NeuronTrace:
    """Trace one neuron, ``y = activation(torch.sum(features * weights) + bias)``."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    activation = clip.settings["activation"]
    act = ACTIVATION_CODE[activation]
    features, weights, bias = t["features"], t["weights"], t["bias"]
    if features.shape != weights.shape or bias.numel() != 1:
        raise refuse(clip, "tensors", "weights shaped like features and a one-element bias",
                     f"{list(features.shape)}, {list(weights.shape)}, {list(bias.shape)}")
    products = features * weights
    total = torch.sum(products)
    pre = total + bias
    y = _ACTIVATIONS[activation](pre)
    code = (
        f"torch.manual_seed({clip.seed})",
        spec_code(clip.tensor("features")),
        spec_code(clip.tensor("weights")),
        spec_code(clip.tensor("bias")),
        f"y = {act}(torch.sum(features * weights) + bias)",
    )
    return NeuronTrace(
        clip_id=clip.id, kind=clip.kind, title=clip.title, code=code, activation=activation,
        features=tensor_facts(features, "features", code[1], reg),
        weights=tensor_facts(weights, "weights", code[2], reg),
        bias=tensor_facts(bias, "bias", code[3], reg),
        products=tensor_facts(products, "features * weights", "features * weights", reg),
        steps=product_steps(features, weights),
        total=tensor_facts(total, "Σ xᵢwᵢ", "torch.sum(features * weights)", reg),
        pre_activation=tensor_facts(pre, "z", "torch.sum(features * weights) + bias", reg),
        output=tensor_facts(y, "y", code[4], reg),
        curve=_curve(activation, float(pre.flatten()[0])),
    )


def two_layer_trace(clip: ClipSpec) -> TwoLayerTrace:
    """Trace the forward pass of a two-layer network."""
    t = make_tensors(clip)
    reg = StorageRegistry()
    activation = clip.settings["activation"]
    act_code = ACTIVATION_CODE[activation]
    act = _ACTIVATIONS[activation]
    features, w1, w2, b1, b2 = (t[n] for n in ("features", "W1", "W2", "B1", "B2"))
    code = (
        f"torch.manual_seed({clip.seed})",
        *(spec_code(spec) for spec in clip.tensors),
        f"h = {act_code}(features @ W1 + B1)",
        f"y = {act_code}(h @ W2 + B2)",
    )
    inputs = tuple(tensor_facts(t[spec.name], spec.name, spec_code(spec), reg)
                   for spec in clip.tensors)
    z1 = torch_accepts(clip, "tensors.W1", "features @ W1", lambda: features @ w1)
    check_drawable(clip, "tensors.W1", z1)
    a1 = torch_accepts(clip, "tensors.B1", "features @ W1 + B1", lambda: z1 + b1)
    h = act(a1)
    z2 = torch_accepts(clip, "tensors.W2", "h @ W2", lambda: h @ w2)
    check_drawable(clip, "tensors.W2", z2)
    a2 = torch_accepts(clip, "tensors.B2", "h @ W2 + B2", lambda: z2 + b2)
    y = act(a2)
    stages = (
        LayerStage("features @ W1", tensor_facts(z1, "features @ W1", "features @ W1", reg),
                   dot_products(features, w1, z1)),
        LayerStage("features @ W1 + B1", tensor_facts(a1, "z1", "features @ W1 + B1", reg), ()),
        LayerStage(code[-2], tensor_facts(h, "h", code[-2], reg), ()),
        LayerStage("h @ W2", tensor_facts(z2, "h @ W2", "h @ W2", reg), dot_products(h, w2, z2)),
        LayerStage("h @ W2 + B2", tensor_facts(a2, "z2", "h @ W2 + B2", reg), ()),
        LayerStage(code[-1], tensor_facts(y, "y", code[-1], reg), ()),
    )
    return TwoLayerTrace(clip_id=clip.id, kind=clip.kind, title=clip.title, code=code,
                         activation=activation, inputs=inputs, stages=stages)
