"""Input tensors of a clip, made with torch from the lesson's seed, shapes and values."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import torch

from core.lesson import MAX_DIM, MAX_ELEMENTS, ClipSpec, TensorSpec, refuse

__all__ = [
    "check_drawable",
    "make_array",
    "make_tensors",
    "spec_code",
    "torch_accepts",
]

R = TypeVar("R")

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _one(spec: TensorSpec, made: dict[str, torch.Tensor]) -> torch.Tensor:
    dtype = DTYPES[spec.dtype]
    if spec.like is not None:
        return torch.randn_like(made[spec.like], dtype=dtype)
    if spec.fill == "values":
        assert spec.values is not None
        return torch.tensor(spec.values, dtype=dtype).reshape(spec.shape)
    if spec.fill == "arange":
        return torch.arange(math.prod(spec.shape), dtype=dtype).reshape(spec.shape)
    if spec.fill == "ones":
        return torch.ones(spec.shape, dtype=dtype)
    if spec.fill == "zeros":
        return torch.zeros(spec.shape, dtype=dtype)
    return torch.randn(spec.shape, dtype=dtype)


def make_tensors(clip: ClipSpec) -> dict[str, torch.Tensor]:
    """Seed torch, then make the clip's tensors in the order the lesson lists them.

    Drawing in order after ``torch.manual_seed`` reproduces the notebook: ``torch.randn_like(x)``
    draws exactly what ``torch.randn(x.shape)`` draws, and ``like`` uses it for real.
    """
    torch.manual_seed(clip.seed)
    made: dict[str, torch.Tensor] = {}
    for spec in clip.tensors:
        made[spec.name] = _one(spec, made)
    return made


def make_array(clip: ClipSpec, spec: TensorSpec) -> np.ndarray:
    """A NumPy array for the NumPy-bridge clip, made with NumPy's own seeded generator."""
    dtype = np.float64 if spec.dtype == "float64" else np.float32
    if spec.fill == "values":
        assert spec.values is not None
        return np.array(spec.values, dtype=dtype).reshape(spec.shape)
    if spec.fill == "arange":
        return np.arange(math.prod(spec.shape), dtype=dtype).reshape(spec.shape)
    if spec.fill == "ones":
        return np.ones(spec.shape, dtype=dtype)
    if spec.fill == "zeros":
        return np.zeros(spec.shape, dtype=dtype)
    return np.random.default_rng(clip.seed).standard_normal(spec.shape).astype(dtype)


def spec_code(spec: TensorSpec, module: str = "torch") -> str:
    """The line of code that makes an input, for the clip's code panel."""
    dims = ", ".join(str(n) for n in spec.shape)
    plain = spec.dtype == "float32" and module == "torch"
    dtype = "" if plain else f", dtype={module}.{spec.dtype}"
    if spec.fill == "values":
        return f"{spec.name} = {module}.tensor(...{dtype})"
    if spec.fill == "arange":
        return f"{spec.name} = {module}.arange({math.prod(spec.shape)}.{dtype}).reshape({dims})"
    if spec.fill in ("ones", "zeros"):
        return f"{spec.name} = {module}.{spec.fill}(({dims}){dtype})"
    if spec.like is not None:
        return f"{spec.name} = {module}.randn_like({spec.like})"
    if module == "np":
        return f"{spec.name} = np.random.default_rng(seed).standard_normal(({dims}))"
    return f"{spec.name} = torch.randn(({dims}){dtype})"


def check_drawable(clip: ClipSpec, key: str, tensor: torch.Tensor) -> None:
    """Refuse a computed tensor too large to draw, naming the setting that made it."""
    shape = tuple(tensor.shape)
    if len(shape) > 4 or any(n > MAX_DIM for n in shape) or math.prod(shape) > MAX_ELEMENTS:
        raise refuse(clip, key, f"a result small enough to draw legibly (at most {MAX_DIM} per "
                     f"dimension and {MAX_ELEMENTS} elements)", f"torch.Size({list(shape)})")


def torch_accepts(clip: ClipSpec, key: str, code: str, operation: Callable[[], R]) -> R:
    """Run an operation the clip needs to succeed; if torch refuses, blame the lesson key."""
    try:
        return operation()
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        message = str(exc).splitlines()[0]
        raise refuse(clip, key, f"inputs torch accepts for `{code}`",
                     f"{type(exc).__name__}: {message}") from None
