"""Snippets: a short PyTorch program parsed with ``ast`` and checked against an allowlist.

Nothing here runs the author's code. :func:`parse_snippet` refuses every construct outside the
small language below with one line naming the place (file, clip, line:col), the construct and
what is allowed; :mod:`core.tracer` then interprets the checked tree itself, one node at a time,
calling only the callables listed in :mod:`core.ops`.

Statements: assignment to a name or a subscript, augmented assignment, bare expressions.
Expressions: names bound earlier, int/float/bool/None literals, tuples, lists, unary and binary
operators (``@`` too), one comparison, subscripts with ints, slices, None and ``...``, calls of
``torch.*``/``np.*`` functions and tensor methods from the tables, keyword arguments those calls
accept, dtypes (``torch.float32``) and the attribute reads ``shape``, ``T``, ``mT``, ``dtype``,
``ndim``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from core.lesson import LessonError
from core.ops import (
    ATTRIBUTES,
    BINARY,
    COMPARE,
    DTYPES,
    FUNCTIONS,
    GENERATOR_METHODS,
    METHODS,
    NDARRAY_METHODS,
    NP_DTYPES,
    NP_FUNCTIONS,
    UNARY,
)

__all__ = [
    "MAX_SOURCE_CHARS",
    "MAX_STATEMENTS",
    "MODULES",
    "Snippet",
    "SnippetError",
    "parse_snippet",
]

MAX_STATEMENTS = 16
MAX_SOURCE_CHARS = 2000
MAX_LIST_ITEMS = 64
MODULES = ("torch", "np")

_ALLOWED = ("a snippet is assignments and expressions built from names, numbers, tuples, lists, "
            "operators, subscripts and allowlisted torch/np calls")

# Constructs refused by name, so the one-line message says what the author wrote.
_REFUSED: dict[type[ast.AST], str] = {
    ast.Import: "import", ast.ImportFrom: "import", ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "async def", ast.ClassDef: "class", ast.For: "a for loop",
    ast.AsyncFor: "a for loop", ast.While: "a while loop", ast.If: "an if statement",
    ast.With: "with", ast.AsyncWith: "with", ast.Try: "try", ast.Return: "return",
    ast.Delete: "del", ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Assert: "assert",
    ast.Raise: "raise", ast.Pass: "pass", ast.Break: "break", ast.Continue: "continue",
    ast.AnnAssign: "an annotated assignment", ast.Match: "match",
    ast.Lambda: "lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.NamedExpr: "the walrus operator :=",
    ast.BoolOp: "and/or", ast.IfExp: "a conditional expression", ast.Dict: "a dict",
    ast.Set: "a set", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.Starred: "* unpacking",
}


class SnippetError(LessonError):
    """A snippet outside the language; ``str()`` is one line with the place and the construct."""


@dataclass(frozen=True)
class Snippet:
    """A checked snippet: its source lines and statements, ready for the tracer."""

    where: str
    source: tuple[str, ...]
    statements: tuple[ast.stmt, ...]
    inputs: tuple[str, ...]

    def segment(self, node: ast.AST) -> str:
        """The exact source text of a node."""
        text = ast.get_source_segment("\n".join(self.source), node)
        return text if text is not None else ""


def _method_names() -> set[str]:
    return set(METHODS) | set(NDARRAY_METHODS) | set(GENERATOR_METHODS)


class _Checker(ast.NodeVisitor):
    def __init__(self, where: str, names: set[str]) -> None:
        self.where = where
        self.names = names

    def refuse(self, node: ast.AST, construct: str, allowed: str = _ALLOWED) -> SnippetError:
        line = getattr(node, "lineno", 0)
        col = getattr(node, "col_offset", 0)
        return SnippetError(f"{self.where}: line {line}:{col}: {construct} is not allowed "
                            f"({allowed})")

    # Statements

    def statement(self, node: ast.stmt) -> list[str]:
        """Check one statement; return the names it binds."""
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                raise self.refuse(node, "chained assignment a = b = ...",
                                  "assign one name or one subscript per statement")
            self.expr(node.value)
            return self.target(node.targets[0])
        if isinstance(node, ast.AugAssign):
            self.operator(node, node.op)
            self.expr(node.value)
            if isinstance(node.target, ast.Name):
                self.name(node.target)
                return [node.target.id]
            if isinstance(node.target, ast.Subscript):
                raise self.refuse(node, "augmented assignment into a subscript",
                                  "x[i] = x[i] + v, or an in-place method such as x[i].add_(v)")
            self.target(node.target)
            return []
        if isinstance(node, ast.Expr):
            self.expr(node.value)
            return []
        raise self.refuse(node, _REFUSED.get(type(node), type(node).__name__))

    def target(self, node: ast.expr) -> list[str]:
        if isinstance(node, ast.Name):
            self.plain_name(node, node.id)
            if node.id in MODULES:
                raise self.refuse(node, f"rebinding {node.id!r}", "pick another name")
            return [node.id]
        if isinstance(node, ast.Subscript):
            self.expr(node.value)
            self.index(node.slice)
            return []
        if isinstance(node, ast.Tuple | ast.List):
            raise self.refuse(node, "unpacking into several names",
                              "assign one name per statement, e.g. m = x.max(dim=0)")
        if isinstance(node, ast.Attribute):
            raise self.refuse(node, f"assignment to the attribute .{node.attr}",
                              "assign a name or a subscript")
        raise self.refuse(node, _REFUSED.get(type(node), type(node).__name__))

    # Expressions

    def plain_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("__") or name.endswith("__"):
            raise self.refuse(node, f"the dunder name {name!r}", "plain names only")

    def name(self, node: ast.Name) -> None:
        self.plain_name(node, node.id)
        if node.id in MODULES:
            raise self.refuse(node, f"the module {node.id!r} as a value",
                              f"call its functions, e.g. {node.id}.tensor(...)"
                              if node.id == "torch" else "call its functions, e.g. np.arange(6.)")
        if node.id not in self.names:
            raise self.refuse(node, f"the name {node.id!r} before it is defined",
                              "names bound by an earlier statement or the clip's tensors")

    def operator(self, node: ast.AST, op: ast.operator) -> None:
        if type(op) not in BINARY:
            raise self.refuse(node, f"the operator {type(op).__name__}",
                              "+ - * / ** @ // % and comparisons")

    def expr(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            self.name(node)
        elif isinstance(node, ast.Constant):
            self.constant(node)
        elif isinstance(node, ast.Tuple | ast.List):
            if len(node.elts) > MAX_LIST_ITEMS:
                raise self.refuse(node, f"a list of {len(node.elts)} items",
                                  f"at most {MAX_LIST_ITEMS}")
            for item in node.elts:
                self.expr(item)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in UNARY:
                raise self.refuse(node, f"the operator {type(node.op).__name__}", "- and +")
            self.expr(node.operand)
        elif isinstance(node, ast.BinOp):
            self.operator(node, node.op)
            self.expr(node.left)
            self.expr(node.right)
        elif isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise self.refuse(node, "a chained comparison", "one comparison, e.g. x > 0")
            if type(node.ops[0]) not in COMPARE:
                raise self.refuse(node, f"the comparison {type(node.ops[0]).__name__}",
                                  "< <= > >= == !=")
            self.expr(node.left)
            self.expr(node.comparators[0])
        elif isinstance(node, ast.Subscript):
            self.expr(node.value)
            self.index(node.slice)
        elif isinstance(node, ast.Call):
            self.call(node)
        elif isinstance(node, ast.Attribute):
            self.attribute(node)
        else:
            raise self.refuse(node, _REFUSED.get(type(node), type(node).__name__))

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str | bytes):
            raise self.refuse(node, "a string", "numbers, True, False and None")
        if isinstance(value, complex):
            raise self.refuse(node, "a complex number", "int and float numbers")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            raise self.refuse(node, f"the integer {str(value)[:20]}...",
                              "integers that fit in 64 bits")

    def index(self, node: ast.expr) -> None:
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.expr(part)
        elif isinstance(node, ast.Tuple):
            for item in node.elts:
                self.index(item)
        elif isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
            return
        elif isinstance(node, ast.List):
            raise self.refuse(node, "indexing with a list", "ints, slices, None and ...")
        else:
            self.expr(node)

    def attribute(self, node: ast.Attribute) -> None:
        self.plain_name(node, node.attr)
        base = node.value
        if not (isinstance(base, ast.Name) and base.id in MODULES):
            self.expr(base)  # left to right: torch.hub in torch.hub.load is what is named
        if isinstance(base, ast.Name) and base.id == "torch":
            if node.attr not in DTYPES:
                raise self.refuse(node, f"torch.{node.attr} as a value",
                                  f"dtypes torch.{{{', '.join(DTYPES)}}} or calls")
            return
        if isinstance(base, ast.Name) and base.id == "np":
            if node.attr not in NP_DTYPES:
                raise self.refuse(node, f"np.{node.attr} as a value",
                                  f"dtypes np.{{{', '.join(NP_DTYPES)}}} or calls")
            return
        if node.attr not in ATTRIBUTES:
            raise self.refuse(node, f"the attribute .{node.attr}",
                              f"reads of .{', .'.join(ATTRIBUTES)} and method calls")

    def call(self, node: ast.Call) -> None:
        func = node.func
        allowed_kwargs: frozenset[str] | None = None
        if isinstance(func, ast.Attribute):
            self.plain_name(func, func.attr)
            base = func.value
            if isinstance(base, ast.Name) and base.id == "torch":
                spec = FUNCTIONS.get(func.attr)
                if spec is None:
                    raise self.refuse(func, f"torch.{func.attr}",
                                      f"torch.{{{', '.join(sorted(FUNCTIONS))}}}")
                allowed_kwargs = spec.kwargs
            elif isinstance(base, ast.Name) and base.id == "np":
                np_spec = NP_FUNCTIONS.get(func.attr)
                if np_spec is None:
                    raise self.refuse(func, f"np.{func.attr}",
                                      f"np.{{{', '.join(sorted(NP_FUNCTIONS))}}} and "
                                      "np.random.default_rng")
                allowed_kwargs = np_spec.kwargs
            elif (isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)
                  and base.value.id == "np" and base.attr == "random"):
                if func.attr != "default_rng":
                    raise self.refuse(func, f"np.random.{func.attr}", "np.random.default_rng")
                allowed_kwargs = frozenset()
            else:
                self.expr(base)
                if func.attr not in _method_names():
                    raise self.refuse(func, f"the method .{func.attr}()",
                                      f"methods .{{{', '.join(sorted(METHODS))}}}")
                kwargs: set[str] = set()
                for table in (METHODS, NDARRAY_METHODS, GENERATOR_METHODS):
                    if func.attr in table:
                        kwargs |= table[func.attr].kwargs
                allowed_kwargs = frozenset(kwargs)
        elif isinstance(func, ast.Name):
            raise self.refuse(func, f"a call of {func.id!r}",
                              "torch.<function>(...), np.<function>(...) and tensor methods")
        else:
            raise self.refuse(func, "calling the result of an expression",
                              "torch.<function>(...), np.<function>(...) and tensor methods")
        for arg in node.args:
            self.expr(arg)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.refuse(keyword, "** unpacking", "keyword=value")
            if keyword.arg not in allowed_kwargs:
                shown = ", ".join(sorted(allowed_kwargs)) or "none"
                raise self.refuse(keyword, f"the keyword {keyword.arg}=",
                                  f"keywords of this call: {shown}")
            self.expr(keyword.value)


def parse_snippet(code: str, where: str, inputs: tuple[str, ...] = ()) -> Snippet:
    """Parse and check ``code``; raise :class:`SnippetError` (one line) if it leaves the language.

    ``where`` prefixes every message (``lessons/x.toml: clip 'v': key 'code'``); ``inputs`` are
    names defined before the first line (the clip's tensors).
    """
    if not isinstance(code, str) or not code.strip():
        raise SnippetError(f"{where}: expected a non-empty snippet of PyTorch code")
    if len(code) > MAX_SOURCE_CHARS:
        raise SnippetError(f"{where}: expected at most {MAX_SOURCE_CHARS} characters of code, "
                           f"found {len(code)}")
    if "\t" in code:
        raise SnippetError(f"{where}: expected spaces, found a tab character")
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise SnippetError(f"{where}: line {exc.lineno}:{(exc.offset or 1) - 1}: "
                           f"expected Python syntax, found {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SnippetError(f"{where}: expected Python syntax, found {type(exc).__name__}") from None
    if not tree.body:
        raise SnippetError(f"{where}: expected at least one statement, found only comments")
    if len(tree.body) > MAX_STATEMENTS:
        extra = tree.body[MAX_STATEMENTS]
        raise SnippetError(f"{where}: line {extra.lineno}:{extra.col_offset}: statement "
                           f"{MAX_STATEMENTS + 1} is not allowed (at most {MAX_STATEMENTS} "
                           "statements per clip)")
    names = set(inputs)
    checker = _Checker(where, names)
    for statement in tree.body:
        try:
            bound = checker.statement(statement)
        except RecursionError:
            raise checker.refuse(statement, "an expression nested this deeply",
                                 "short expressions") from None
        names.update(bound)
    return Snippet(where=where, source=tuple(code.rstrip().split("\n")),
                   statements=tuple(tree.body), inputs=inputs)
