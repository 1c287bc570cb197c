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
    "FACTS",
    "FORMAT_VERSION",
    "PROJECT_PACKAGES",
    "ClipInputs",
    "clip_hash",
    "import_closure",
    "memoised_closures",
    "module_path",
    "read_source",
    "source_digest",
    "stable_trace_json",
]

# Bumped when the studio's encodings change, so every clip is rebuilt once.
FORMAT_VERSION = "3"
# Packages whose source a scene's frames can depend on; third-party code is pinned by version.
PROJECT_PACKAGES = ("scenes", "core")
ROOT = Path(__file__).resolve().parent.parent
# In media/: what parsing each source gave, so a no-op build parses nothing.
FACTS = Path(".cache") / "sources.json"


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
    return frozenset(_facts(module, path)[0])


def source_digest(module: str, path: Path) -> str:
    """The hash of a module's syntax tree: what its code does, without comments, docstrings,
    blank lines or line numbers, so an edit that cannot change frames changes no clip."""
    return _facts(module, path)[1]


# Parsing the sources was most of a no-op rebuild: their facts are kept across builds in
# media/.cache (see memoised_closures), keyed by the exact bytes read.
_known: dict[str, tuple[list[str], str]] = {}
_known_changed = False


def _facts(module: str, path: Path) -> tuple[list[str], str]:
    """The modules a source imports and its syntax tree's digest, parsed once per content."""
    global _known_changed
    is_package = path.name == "__init__.py"
    source = read_source(path)
    key = hashlib.sha256(f"{module}\0{is_package}\0".encode() + source).hexdigest()
    found = _known.get(key)
    if found is None:
        tree = ast.parse(source)
        found = (sorted(_parse_imports(module, is_package, tree)), _tree_digest(tree))
        _known[key] = found
        _known_changed = True
    return found


def _tree_digest(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                # A docstring; a body that was only a docstring still needs a statement.
                node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree, annotate_fields=False).encode()).hexdigest()


def _parse_imports(module: str, is_package: bool, tree: ast.Module) -> frozenset[str]:
    """Modules named by the import statements of one source."""
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
def memoised_closures(facts: Path | None = None) -> Iterator[None]:
    """Work each module's import closure out once while planning one build or listing.

    Every clip of a kind shares its scene's closure and every trace key core.trace's, and finding
    one walks hundreds of module files: for a 100-clip lesson, most of `list`'s time. Sources are
    still read afresh for every hash; only the list of modules is reused, and only until the
    pass ends, so the next watch rebuild sees a new import at once.

    ``facts`` is a JSON file of what parsing each source content gave (its imports and tree
    digest), read first and rewritten after a pass that parsed something new; a damaged file
    is a miss.
    """
    global _closures, _known_changed
    outer = _closures
    _closures = {} if outer is None else outer
    if facts is not None:
        _load_facts(facts)
    try:
        yield
        if facts is not None and _known_changed:
            from studio.files import atomic_write_text

            # Content-addressed, so a stale entry is never wrong, only unused: keep it small.
            if len(_known) > 4096:
                _known.clear()
            atomic_write_text(facts, json.dumps(_known, sort_keys=True))
            _known_changed = False
    finally:
        _closures = outer


def _load_facts(path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if (isinstance(value, list) and len(value) == 2 and isinstance(value[0], list)
                and all(isinstance(m, str) for m in value[0]) and isinstance(value[1], str)):
            _known.setdefault(key, (value[0], value[1]))


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
    """SHA-256 over the stable trace, the syntax trees of the scene's import closure, quality,
    theme and versions."""
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
        part(f"module {module}", source_digest(module, path).encode())
    return digest.hexdigest()
