"""Content hashes of clips: everything a clip's frames depend on, and nothing else."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT_VERSION",
    "PROJECT_PACKAGES",
    "ClipInputs",
    "clip_hash",
    "import_closure",
    "memoised_closures",
    "module_path",
    "read_source",
    "stable_trace_json",
]

# Bumped when the studio's encodings change, so every clip is rebuilt once.
FORMAT_VERSION = "2"
# Packages whose source a scene's frames can depend on; third-party code is pinned by version.
PROJECT_PACKAGES = ("scenes", "core")
ROOT = Path(__file__).resolve().parent.parent


def read_source(path: Path) -> bytes:
    """The bytes of a source file as hashed (tests replace this to simulate an edit)."""
    return path.read_bytes()


def _strip(data: Any) -> Any:
    """Drop the fields each record declares volatile (memory addresses; see core.model)."""
    if isinstance(data, dict):
        changing = set(data.get("_volatile", ())) | {"_volatile"}
        return {k: _strip(v) for k, v in data.items() if k not in changing}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def stable_trace_json(trace_json: str) -> str:
    """A trace's JSON without its volatile fields, with sorted keys: equal runs, equal text."""
    return json.dumps(_strip(json.loads(trace_json)), sort_keys=True, ensure_ascii=False)


def module_path(module: str, root: Path = ROOT) -> Path | None:
    """The file of a project module (``scenes.base``), or None outside the project packages."""
    parts = module.split(".")
    if parts[0] not in PROJECT_PACKAGES:
        return None
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(module: str, path: Path) -> frozenset[str]:
    return _parse_imports(module, path.name == "__init__.py", read_source(path))


@cache
def _parse_imports(module: str, is_package: bool, source: bytes) -> frozenset[str]:
    """Modules named by the import statements of one source (memoised by its exact bytes)."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            found.add(base)
            # `from scenes.components import tensor_grid` imports a module, not a name.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


_closures: dict[tuple[str, Path], list[str]] | None = None


@contextlib.contextmanager
def memoised_closures() -> Iterator[None]:
    """Work each module's import closure out once while planning one build or listing.

    Every clip of a kind shares its scene's closure and every trace key core.trace's, and finding
    one walks hundreds of module files: for a 100-clip lesson, most of `list`'s time. Sources are
    still read afresh for every hash; only the list of modules is reused, and only until the
    pass ends, so the next watch rebuild sees a new import at once.
    """
    global _closures
    outer = _closures
    _closures = {} if outer is None else outer
    try:
        yield
    finally:
        _closures = outer


def import_closure(module: str, root: Path = ROOT) -> list[str]:
    """Every project module ``module`` imports, directly or not, with their packages' __init__."""
    if _closures is not None and (module, root) in _closures:
        return list(_closures[(module, root)])
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_path(name, root)
        if path is None:
            continue
        seen.add(name)
        parts = name.split(".")
        # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        todo.extend(_imported_modules(name, path))
    if _closures is not None:
        _closures[(module, root)] = sorted(seen)
    return sorted(seen)


@cache
def _versions() -> tuple[str, str]:
    return metadata.version("manim"), metadata.version("torch")


@dataclass(frozen=True)
class ClipInputs:
    """What goes into one clip's hash (kept for `list` and for tests)."""

    clip_id: str
    scene: str  # "module:Class"
    modules: tuple[str, ...]
    trace_json: str
    quality: str
    theme: str


def clip_hash(inputs: ClipInputs, root: Path = ROOT) -> str:
    """SHA-256 over the stable trace, the scene's import closure, quality, theme and versions."""
    digest = hashlib.sha256()

    def part(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    manim_version, torch_version = _versions()
    part("format", FORMAT_VERSION.encode())
    part("manim", manim_version.encode())
    part("torch", torch_version.encode())
    part("quality", inputs.quality.encode())
    part("theme", inputs.theme.encode())
    part("scene", inputs.scene.encode())
    part("trace", stable_trace_json(inputs.trace_json).encode())
    for module in inputs.modules:
        path = module_path(module, root)
        assert path is not None
        part(f"module {module}", read_source(path))
    return digest.hexdigest()
