"""Frozen trace dataclasses to and from JSON, driven by their type hints."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

__all__ = ["from_dict", "from_json", "to_dict", "to_json"]

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """Convert a (nested) frozen dataclass into plain JSON-ready data.

    Every dataclass gains a ``"_type"`` entry naming its class, so a reader of the JSON can tell
    the trace kinds apart without the Python classes.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"_type": type(obj).__name__}
        fields = dataclasses.fields(obj)
        for field in fields:
            out[field.name] = to_dict(getattr(obj, field.name))
        # Fields whose values change every run (addresses) name themselves, so a hash of the
        # JSON can leave them out without a list of names kept by hand (core.model.volatile).
        changing = [f.name for f in fields if f.metadata.get("volatile")]
        if changing:
            out["_volatile"] = changing
        return out
    if isinstance(obj, tuple | list):
        return [to_dict(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): to_dict(value) for key, value in obj.items()}
    return obj


def to_json(obj: Any) -> str:
    """Serialise a trace to indented JSON with a stable key order."""
    return json.dumps(to_dict(obj), indent=2, ensure_ascii=False, allow_nan=True)


def _build(hint: Any, data: Any) -> Any:
    origin = get_origin(hint)
    if hint is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        options = get_args(hint)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _build(option, data)
            except (TypeError, ValueError, KeyError) as exc:
                errors.append(exc)
        raise TypeError(f"{data!r} matches none of {hint}: {errors}")
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(data, list | tuple):
            raise TypeError(f"expected a list for {hint}, found {data!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], item) for item in data)
        if len(args) != len(data):
            raise TypeError(f"expected {len(args)} items for {hint}, found {len(data)}")
        return tuple(_build(arg, item) for arg, item in zip(args, data, strict=True))
    if origin is dict:
        key_type, value_type = get_args(hint)
        if not isinstance(data, dict):
            raise TypeError(f"expected an object for {hint}, found {data!r}")
        return {key_type(k): _build(value_type, v) for k, v in data.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_dict(hint, data)
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise TypeError(f"expected a number, found {data!r}")
        return float(data)
    if hint in (int, str, bool):
        if not isinstance(data, hint) or (hint is int and isinstance(data, bool)):
            raise TypeError(f"expected {hint.__name__}, found {data!r}")
        return data
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(data)
    if origin is typing.Literal:
        if data not in get_args(hint):
            raise ValueError(f"expected one of {get_args(hint)}, found {data!r}")
        return data
    raise TypeError(f"cannot load type {hint}")


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild a dataclass of type ``cls`` from :func:`to_dict` output."""
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {cls.__name__}, found {data!r}")
    if "_type" in data and data["_type"] != cls.__name__:
        raise TypeError(f"expected a {cls.__name__}, found a {data['_type']}")
    hints = get_type_hints(cls)
    kwargs = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name not in data:
            raise KeyError(f"{cls.__name__} lacks {field.name!r}")
        kwargs[field.name] = _build(hints[field.name], data[field.name])
    return cls(**kwargs)


def from_json(cls: type[T], text: str) -> T:
    """Rebuild a dataclass of type ``cls`` from :func:`to_json` output."""
    return from_dict(cls, json.loads(text))
