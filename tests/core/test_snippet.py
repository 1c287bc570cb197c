"""Snippets outside the language are refused in one line, before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.snippet import MAX_STATEMENTS, SnippetError, parse_snippet
from core.tracer import trace_code

# (snippet, words the one-line refusal must contain). Each would do harm, or leave the small
# language, if it ran; none may run.
FORBIDDEN: list[tuple[str, str]] = [
    ("import os", "import is not allowed"),
    ("from os import system", "import is not allowed"),
    ("import torch", "import is not allowed"),
    ("__import__('os')", "a call of '__import__'"),
    ("x = torch.__class__", "dunder name"),
    ("x = torch.zeros(2).__class__", "dunder name"),
    ("getattr(torch, 'zeros')", "a call of 'getattr'"),
    ("x = getattr", "the name 'getattr'"),
    ("open('/tmp/torchreel-pwned', 'w')", "a call of 'open'"),
    ("open", "the name 'open'"),
    ("eval", "the name 'eval'"),
    ("exec", "the name 'exec'"),
    ("compile", "the name 'compile'"),
    ("f = lambda: 0", "lambda"),
    ("x = [i for i in (1, 2)]", "comprehension"),
    ("x = {i for i in (1, 2)}", "comprehension"),
    ("x = {i: i for i in (1, 2)}", "comprehension"),
    ("x = sum(i for i in (1, 2))", "a call of 'sum'"),
    ("x = torch.sum(i for i in (1, 2))", "a generator expression"),
    ("for i in (1, 2): pass", "a for loop"),
    ("while True: pass", "a while loop"),
    ("def f(): pass", "def"),
    ("class A: pass", "class"),
    ("x = f'{1}'", "f-string"),
    ("(y := 3)", "walrus"),
    ("with torch.no_grad(): pass", "with"),
    ("try:\n    pass\nexcept Exception:\n    pass", "try"),
    ("if True: pass", "an if statement"),
    ("del x", "del"),
    ("global x", "global"),
    ("assert True", "assert"),
    ("raise ValueError", "raise"),
    ("torch.load(0)", "torch.load"),
    ("torch.save(torch.zeros(1), 0)", "torch.save"),
    ("torch.hub.load(0)", "torch.hub as a value"),
    ("torch.hub", "torch.hub as a value"),
    ("torch.ops.aten.add", "torch.ops as a value"),
    ("x = torch.zeros(2); x.__setitem__(0, 1)", "dunder name"),
    ("y = undefined + 1", "the name 'undefined' before it is defined"),
    ("y = x; x = torch.zeros(1)", "the name 'x' before it is defined"),
    ("torch = 1", "rebinding 'torch'"),
    ("x = torch", "the module 'torch' as a value"),
    ("x = np", "the module 'np' as a value"),
    ("x = np.load(0)", "np.load"),
    ("x = np.random.rand(3)", "np.random.rand"),
    ("x = torch.zeros(2).storage()", "the method .storage()"),
    ("x = torch.zeros(2).tolist()", "the method .tolist()"),
    ("x = torch.zeros(2).data_ptr()", "the method .data_ptr()"),
    ("x = torch.zeros(2).grad", "the attribute .grad"),
    ("x = print(1)", "a call of 'print'"),
    ("x = (lambda: 0)()", "calling the result of an expression"),
    ("x = torch.zeros(2).view(lambda: 0)", "lambda"),
    ("x = torch.zeros(2)[[0, 1]]", "indexing with a list"),
    ("x = 1 if True else 2", "a conditional expression"),
    ("x = 1 and 2", "and/or"),
    ("x = {1: 2}", "a dict"),
    ("x = b'bytes'", "a string"),
    ("x = 'text'", "a string"),
    ("x = 1j", "a complex number"),
    ("x = 1" + "0" * 400, "the integer"),
    ("x = 10**400", "an integer power this large"),
    ("x = 1 < 2 < 3", "a chained comparison"),
    ("x = y = torch.zeros(1)", "chained assignment"),
    ("x, y = torch.zeros(1), torch.zeros(1)", "unpacking"),
    ("x: int = 1", "an annotated assignment"),
    ("x = torch.zeros(2, **{'dtype': None})", "** unpacking"),
    ("x = torch.zeros(*[2])", "* unpacking"),
    ("x = torch.sum(torch.zeros(2), out=torch.zeros(1))", "the keyword out="),
    ("x = torch.zeros(2); x.shape = (1, 2)", "assignment to the attribute .shape"),
    ("x = torch.zeros(2); x[0] += 1", "augmented assignment into a subscript"),
    ("x = ~1", "the operator Invert"),
    ("x = 1 << 2", "the operator LShift"),
    ("x = torch.zeros(10**9)", "small enough to draw"),
    ("x = torch.empty(100, 100)", "small enough to draw"),
    ("x = torch.arange(10**12)", "small enough to draw"),
    ("x = torch.ones(3); x.resize_(10**6)", "small enough to draw"),
    ("x = torch.linspace(0, 1, steps=10**8)", "small enough to draw"),
    ("x = torch.eye(4096)", "small enough to draw"),
    ("x = np.zeros((10**5, 10**5))", "small enough to draw"),
    ("x = 2 ** 10**9", "an integer power this large"),
    ("x = [0] * 10**9", "this operator on a list"),
    ("x = torch.tensor(" + "[" * 6 + "1" + "]" * 6 + ")", "nested this deeply"),
    ("\n".join(f"x{i} = {i}" for i in range(MAX_STATEMENTS + 1)),
     f"at most {MAX_STATEMENTS} statements"),
]


# Refusals that need the values of arguments: the tracer makes them before calling torch.
SIZE_CHECKS = ("small enough", "power this large", "operator on a list", "nested this deeply")


def _run(code: str) -> None:
    trace_code(code, "--code")


def test_the_corpus_is_large_enough() -> None:
    assert len(FORBIDDEN) >= 40


@pytest.mark.parametrize(("code", "words"), FORBIDDEN, ids=[c[:40] for c, _ in FORBIDDEN])
def test_forbidden_snippet_is_refused_in_one_line(code: str, words: str) -> None:
    with pytest.raises(SnippetError) as caught:
        _run(code)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("--code: ")
    assert words in message, message


def test_refusal_names_line_and_column() -> None:
    with pytest.raises(SnippetError, match=r"^--code: line 2:4: lambda is not allowed"):
        parse_snippet("x = torch.zeros(2)\ny = lambda: x", "--code")


def test_structural_refusals_run_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every construct refused by the checker is refused before the tracer calls torch."""
    calls = []
    real = torch.zeros

    def counting(*args: object, **kwargs: object) -> torch.Tensor:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(torch, "zeros", counting)
    for code, words in FORBIDDEN:
        if any(w in words for w in SIZE_CHECKS):
            continue  # refused by the tracer from the call's arguments, before it allocates
        with pytest.raises(SnippetError):
            parse_snippet(code, "--code")
    assert calls == []


def test_size_refusals_never_allocate(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.zeros(10**9) is refused from its arguments: torch.zeros is never called."""
    import core.ops as ops

    calls = []
    spec = ops.FUNCTIONS["zeros"]

    def counting(*args: object, **kwargs: object) -> torch.Tensor:
        calls.append(args)
        raise AssertionError("allocated")

    monkeypatch.setitem(ops.FUNCTIONS, "zeros", type(spec)(
        op=spec.op, kind=spec.kind, call=counting, kwargs=spec.kwargs, sizes=spec.sizes))
    import core.tracer as tracer

    monkeypatch.setattr(tracer, "FUNCTIONS", ops.FUNCTIONS)
    with pytest.raises(SnippetError, match="small enough"):
        _run("x = torch.zeros(10**9)")
    assert calls == []


def test_a_refused_file_write_leaves_no_file(tmp_path: Path) -> None:
    """Through the real command line: the snippet that would write a file writes nothing."""
    target = tmp_path / "pwned"
    code = f"x = torch.zeros(2)\nopen({str(target)!r}, 'w').write('x')"
    done = subprocess.run([sys.executable, "-m", "studio.cli", "trace", "--code", code],
                          capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "a call of 'open' is not allowed" in done.stderr
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_torch_errors_are_results_and_later_use_is_refused() -> None:
    trace = trace_code("x = torch.zeros(5)\nv = x.view(2, 3)\ny = x + 1", "--code")
    failed = trace.statements[1]
    assert failed.error is not None
    try:
        torch.zeros(5).view(2, 3)
    except RuntimeError as exc:
        assert failed.error.message == str(exc)
        assert failed.error.type == "RuntimeError"
    with pytest.raises(SnippetError) as refused:
        trace_code("x = torch.zeros(5)\nv = x.view(2, 3)\ny = v + 1", "--code")
    assert str(refused.value).startswith(
        f"--code: line 3:4: reading 'v' is not allowed (line 2 raised RuntimeError: "
        f"{failed.error.message}; so 'v' was never bound)")


def test_model_imports_neither_torch_nor_manim() -> None:
    code = ("import sys, core.model, core.listing, core.serial; "
            "print(sorted(m for m in ('torch', 'manim', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2], check=True)
    assert done.stdout.strip() == "[]"
