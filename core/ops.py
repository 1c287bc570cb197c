"""The one table from what a snippet may call to torch's function, its op kind and its arguments.

A snippet names functions (``torch.mm``), tensor methods (``x.view``) and operators (``@``); each
allowed name maps here to a static reference to the torch (or NumPy) callable, so the interpreter
never looks anything up by a user's string. A name missing from these tables is refused.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from core.model import OpKind

__all__ = [
    "ATTRIBUTES",
    "BINARY",
    "COMPARE",
    "DTYPES",
    "FUNCTIONS",
    "GENERATOR_METHODS",
    "METHODS",
    "NDARRAY_METHODS",
    "NP_DTYPES",
    "NP_FUNCTIONS",
    "UNARY",
    "OpSpec",
    "allowed_summary",
]

# Arguments every reduction accepts; layout and creation ops take positionals mostly.
_REDUCE_KW = frozenset({"dim", "keepdim"})
_CREATE_KW = frozenset({"dtype"})


@dataclass(frozen=True)
class OpSpec:
    """One allowed callable: the name torch knows it by, its kind and keyword arguments."""

    op: str
    kind: OpKind
    call: Callable[..., Any]
    kwargs: frozenset[str] = frozenset()
    # "shape": size arguments fix the result's shape (checked before torch allocates);
    # "data": a nested list of numbers; "like": the shape of the first argument; "arange",
    # "linspace", "eye": their own arithmetic. None: the result is checked after the call.
    sizes: str | None = None


def _spec(op: str, kind: OpKind, call: Callable[..., Any], kwargs: frozenset[str] = frozenset(),
          sizes: str | None = None) -> OpSpec:
    return OpSpec(op=op, kind=kind, call=call, kwargs=kwargs, sizes=sizes)


E, R, M = OpKind.ELEMENTWISE, OpKind.REDUCE, OpKind.MATMUL
L, C, J, W = OpKind.LAYOUT, OpKind.CREATE, OpKind.JOIN, OpKind.WRITE
Q, B = OpKind.QUERY, OpKind.BRIDGE

# torch.<name>(...)
FUNCTIONS: dict[str, OpSpec] = {
    "tensor": _spec("tensor", C, torch.tensor, _CREATE_KW, "data"),
    "arange": _spec("arange", C, torch.arange, _CREATE_KW, "arange"),
    "zeros": _spec("zeros", C, torch.zeros, _CREATE_KW, "shape"),
    "ones": _spec("ones", C, torch.ones, _CREATE_KW, "shape"),
    "empty": _spec("empty", C, torch.empty, _CREATE_KW, "shape"),
    "full": _spec("full", C, torch.full, _CREATE_KW, "full"),
    "randn": _spec("randn", C, torch.randn, _CREATE_KW, "shape"),
    "rand": _spec("rand", C, torch.rand, _CREATE_KW, "shape"),
    "randn_like": _spec("randn_like", C, torch.randn_like, _CREATE_KW, "like"),
    "rand_like": _spec("rand_like", C, torch.rand_like, _CREATE_KW, "like"),
    "zeros_like": _spec("zeros_like", C, torch.zeros_like, _CREATE_KW, "like"),
    "ones_like": _spec("ones_like", C, torch.ones_like, _CREATE_KW, "like"),
    "linspace": _spec("linspace", C, torch.linspace, frozenset({"steps", "dtype"}), "linspace"),
    "eye": _spec("eye", C, torch.eye, _CREATE_KW, "eye"),
    "from_numpy": _spec("from_numpy", B, torch.from_numpy),
    "clone": _spec("clone", OpKind.COPY, torch.clone),
    "add": _spec("add", E, torch.add, frozenset({"alpha"})),
    "sub": _spec("sub", E, torch.sub, frozenset({"alpha"})),
    "mul": _spec("mul", E, torch.mul),
    "div": _spec("div", E, torch.div),
    "pow": _spec("pow", E, torch.pow),
    "where": _spec("where", E, torch.where),
    "maximum": _spec("maximum", E, torch.maximum),
    "minimum": _spec("minimum", E, torch.minimum),
    "exp": _spec("exp", E, torch.exp),
    "abs": _spec("abs", E, torch.abs),
    "sqrt": _spec("sqrt", E, torch.sqrt),
    "sigmoid": _spec("sigmoid", E, torch.sigmoid),
    "relu": _spec("relu", E, torch.relu),
    "tanh": _spec("tanh", E, torch.tanh),
    "sum": _spec("sum", R, torch.sum, _REDUCE_KW),
    "mean": _spec("mean", R, torch.mean, _REDUCE_KW),
    "max": _spec("max", R, torch.max, _REDUCE_KW),
    "min": _spec("min", R, torch.min, _REDUCE_KW),
    "argmax": _spec("argmax", R, torch.argmax, _REDUCE_KW),
    "softmax": _spec("softmax", R, torch.softmax, frozenset({"dim"})),
    "mm": _spec("mm", M, torch.mm),
    "matmul": _spec("matmul", M, torch.matmul),
    "bmm": _spec("bmm", M, torch.bmm),
    "dot": _spec("dot", M, torch.dot),
    "outer": _spec("outer", M, torch.outer),
    "reshape": _spec("reshape", L, torch.reshape),
    "t": _spec("t", L, torch.t),
    "transpose": _spec("transpose", L, torch.transpose),
    "permute": _spec("permute", L, torch.permute),
    "unsqueeze": _spec("unsqueeze", L, torch.unsqueeze),
    "squeeze": _spec("squeeze", L, torch.squeeze),
    "flatten": _spec("flatten", L, torch.flatten),
    "narrow": _spec("narrow", L, torch.narrow),
    "cat": _spec("cat", J, torch.cat, frozenset({"dim"})),
    "stack": _spec("stack", J, torch.stack, frozenset({"dim"})),
    "is_contiguous": _spec("is_contiguous", Q, torch.Tensor.is_contiguous),
    "numel": _spec("numel", Q, torch.numel),
}

# x.<name>(...)
METHODS: dict[str, OpSpec] = {
    "view": _spec("view", L, torch.Tensor.view),
    "reshape": _spec("reshape", L, torch.Tensor.reshape),
    "view_as": _spec("view_as", L, torch.Tensor.view_as),
    "reshape_as": _spec("reshape_as", L, torch.Tensor.reshape_as),
    "t": _spec("t", L, torch.Tensor.t),
    "transpose": _spec("transpose", L, torch.Tensor.transpose),
    "permute": _spec("permute", L, torch.Tensor.permute),
    "unsqueeze": _spec("unsqueeze", L, torch.Tensor.unsqueeze),
    "squeeze": _spec("squeeze", L, torch.Tensor.squeeze),
    "expand": _spec("expand", L, torch.Tensor.expand),
    "expand_as": _spec("expand_as", L, torch.Tensor.expand_as),
    "flatten": _spec("flatten", L, torch.Tensor.flatten),
    "narrow": _spec("narrow", L, torch.Tensor.narrow),
    "contiguous": _spec("contiguous", L, torch.Tensor.contiguous),
    "clone": _spec("clone", OpKind.COPY, torch.Tensor.clone),
    "float": _spec("float", OpKind.COPY, torch.Tensor.float),
    "double": _spec("double", OpKind.COPY, torch.Tensor.double),
    "long": _spec("long", OpKind.COPY, torch.Tensor.long),
    "numpy": _spec("numpy", B, torch.Tensor.numpy),
    "add": _spec("add", E, torch.Tensor.add, frozenset({"alpha"})),
    "sub": _spec("sub", E, torch.Tensor.sub, frozenset({"alpha"})),
    "mul": _spec("mul", E, torch.Tensor.mul),
    "div": _spec("div", E, torch.Tensor.div),
    "pow": _spec("pow", E, torch.Tensor.pow),
    "exp": _spec("exp", E, torch.Tensor.exp),
    "abs": _spec("abs", E, torch.Tensor.abs),
    "sqrt": _spec("sqrt", E, torch.Tensor.sqrt),
    "sigmoid": _spec("sigmoid", E, torch.Tensor.sigmoid),
    "relu": _spec("relu", E, torch.Tensor.relu),
    "tanh": _spec("tanh", E, torch.Tensor.tanh),
    "sum": _spec("sum", R, torch.Tensor.sum, _REDUCE_KW),
    "mean": _spec("mean", R, torch.Tensor.mean, _REDUCE_KW),
    "max": _spec("max", R, torch.Tensor.max, _REDUCE_KW),
    "min": _spec("min", R, torch.Tensor.min, _REDUCE_KW),
    "argmax": _spec("argmax", R, torch.Tensor.argmax, _REDUCE_KW),
    "softmax": _spec("softmax", R, torch.Tensor.softmax, frozenset({"dim"})),
    "mm": _spec("mm", M, torch.Tensor.mm),
    "matmul": _spec("matmul", M, torch.Tensor.matmul),
    "bmm": _spec("bmm", M, torch.Tensor.bmm),
    "dot": _spec("dot", M, torch.Tensor.dot),
    "outer": _spec("outer", M, torch.Tensor.outer),
    "add_": _spec("add_", W, torch.Tensor.add_, frozenset({"alpha"})),
    "sub_": _spec("sub_", W, torch.Tensor.sub_, frozenset({"alpha"})),
    "mul_": _spec("mul_", W, torch.Tensor.mul_),
    "div_": _spec("div_", W, torch.Tensor.div_),
    "zero_": _spec("zero_", W, torch.Tensor.zero_),
    "fill_": _spec("fill_", W, torch.Tensor.fill_),
    "resize_": _spec("resize_", OpKind.RESIZE, torch.Tensor.resize_, frozenset(), "shape"),
    "is_contiguous": _spec("is_contiguous", Q, torch.Tensor.is_contiguous),
    "stride": _spec("stride", Q, torch.Tensor.stride),
    "storage_offset": _spec("storage_offset", Q, torch.Tensor.storage_offset),
    "size": _spec("size", Q, torch.Tensor.size),
    "dim": _spec("dim", Q, torch.Tensor.dim),
    "numel": _spec("numel", Q, torch.Tensor.numel),
    "item": _spec("item", Q, torch.Tensor.item),
}

# np.<name>(...): just enough to make an array for the NumPy bridge.
NP_FUNCTIONS: dict[str, OpSpec] = {
    "array": _spec("np.array", C, np.array, _CREATE_KW, "data"),
    "arange": _spec("np.arange", C, np.arange, _CREATE_KW, "arange"),
    "zeros": _spec("np.zeros", C, np.zeros, _CREATE_KW, "shape"),
    "ones": _spec("np.ones", C, np.ones, _CREATE_KW, "shape"),
    "shares_memory": _spec("np.shares_memory", Q, np.shares_memory),
}
# np.random.default_rng(seed) and the one generator method that draws numbers from it.
DEFAULT_RNG = _spec("np.random.default_rng", Q, np.random.default_rng)
GENERATOR_METHODS: dict[str, OpSpec] = {
    "standard_normal": _spec("standard_normal", C, np.random.Generator.standard_normal,
                             _CREATE_KW, "shape"),
}
NDARRAY_METHODS: dict[str, OpSpec] = {
    "reshape": _spec("ndarray.reshape", L, np.ndarray.reshape),
}

# Attribute reads allowed on a tensor or array.
ATTRIBUTES: dict[str, Callable[[Any], Any]] = {
    "shape": operator.attrgetter("shape"),
    "T": operator.attrgetter("T"),
    "mT": operator.attrgetter("mT"),
    "dtype": operator.attrgetter("dtype"),
    "ndim": operator.attrgetter("ndim"),
}
LAYOUT_ATTRIBUTES = frozenset({"T", "mT"})

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64,
    "double": torch.float64, "float16": torch.float16, "int64": torch.int64,
    "long": torch.int64, "int32": torch.int32, "int": torch.int32, "bool": torch.bool,
}
NP_DTYPES: dict[str, type] = {"float32": np.float32, "float64": np.float64, "int64": np.int64}

# Operators: (torch's op name, function).
BINARY: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("add", operator.add), ast.Sub: ("sub", operator.sub),
    ast.Mult: ("mul", operator.mul), ast.Div: ("div", operator.truediv),
    ast.Pow: ("pow", operator.pow), ast.MatMult: ("matmul", operator.matmul),
    ast.FloorDiv: ("floor_divide", operator.floordiv), ast.Mod: ("remainder", operator.mod),
}
UNARY: dict[type[ast.unaryop], tuple[str, Callable[[Any], Any]]] = {
    ast.USub: ("neg", operator.neg), ast.UAdd: ("positive", operator.pos),
}
COMPARE: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Lt: ("lt", operator.lt), ast.LtE: ("le", operator.le), ast.Gt: ("gt", operator.gt),
    ast.GtE: ("ge", operator.ge), ast.Eq: ("eq", operator.eq), ast.NotEq: ("ne", operator.ne),
}


def allowed_summary() -> str:
    """The allowlist in one line, for refusals."""
    return (f"torch.{{{', '.join(sorted(FUNCTIONS))}}}; tensor methods "
            f".{{{', '.join(sorted(METHODS))}}}; np.{{{', '.join(sorted(NP_FUNCTIONS))}}}")
