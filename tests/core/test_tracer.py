"""Random programs from the allowlist, traced, and every recorded fact checked against torch.

The generator runs each candidate statement in real torch as it writes it (the test's own
reference run, never the tracer's), keeps the statements torch accepts, and records the
errors of those it refuses. The tracer then runs the program text; every fact it recorded must
equal what the reference run reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.facts import format_elements
from core.model import Broadcast, Join, Layout, Matmul, OpKind, ProgramTrace, Reduce, Resize, Write
from core.tracer import trace_code

Op = tuple[str, Callable[[torch.Tensor], Any]]


def _dims(shape: tuple[int, ...]) -> str:
    return ", ".join(map(str, shape))


def _candidates(x: torch.Tensor, name: str, other: tuple[str, torch.Tensor] | None) -> list[Op]:
    """Statements (code for the right-hand side, reference function) that apply to ``x``."""
    s = tuple(x.shape)
    ops: list[Op] = [
        (f"{name}.view(-1)", lambda t: t.view(-1)),
        (f"{name}.reshape({tuple(reversed(s))!r})", lambda t: t.reshape(tuple(reversed(s)))),
        (f"{name}.contiguous()", lambda t: t.contiguous()),
        (f"{name}.clone()", lambda t: t.clone()),
        (f"{name}.unsqueeze(0)", lambda t: t.unsqueeze(0)),
        (f"{name} * 2", lambda t: t * 2),
        (f"torch.sigmoid({name})", torch.sigmoid),
        (f"{name}.sum()", lambda t: t.sum()),
        (f"{name}.flatten()", lambda t: t.flatten()),
    ]
    if x.dim() >= 1:
        ops += [
            (f"{name}.sum(dim=0, keepdim=True)", lambda t: t.sum(dim=0, keepdim=True)),
            (f"{name}.mean(dim=-1)", lambda t: t.mean(dim=-1)),
            (f"torch.softmax({name}, dim=-1)", lambda t: torch.softmax(t, dim=-1)),
            (f"{name}[0]", lambda t: t[0]),
            (f"{name}[..., 1:]", lambda t: t[..., 1:]),
            (f"{name}.transpose(0, -1)", lambda t: t.transpose(0, -1)),
            (f"{name}.permute({_dims(tuple(reversed(range(x.dim()))))})",
             lambda t: t.permute(tuple(reversed(range(t.dim()))))),
            (f"torch.cat([{name}, {name}], dim=0)", lambda t: torch.cat([t, t], dim=0)),
            (f"torch.stack([{name}, {name}], dim=0)", lambda t: torch.stack([t, t], dim=0)),
            (f"{name}.narrow(0, 0, 1)", lambda t: t.narrow(0, 0, 1)),
        ]
    if x.dim() == 2:
        ops += [
            (f"{name}.t()", lambda t: t.t()),
            (f"{name} @ {name}.t()", lambda t: t @ t.t()),
            (f"torch.mm({name}, {name})", lambda t: torch.mm(t, t)),
        ]
    if x.dim() >= 1 and s[0] == 1:
        ops.append((f"{name}.expand(2, {_dims(s[1:])})" if len(s) > 1 else f"{name}.expand(3)",
                    lambda t: t.expand(2, *s[1:]) if len(s) > 1 else t.expand(3)))
    if other is not None:
        oname, o = other
        ops += [
            (f"{name} + {oname}", lambda t: t + o),
            (f"{name} @ {oname}", lambda t: t @ o),
            (f"torch.where({name} > 0, {name}, {oname})", lambda t: torch.where(t > 0, t, o)),
        ]
    return ops


# In-place statements: (code, reference function), applied for their effect.
def _inplace(x: torch.Tensor, name: str) -> list[Op]:
    ops: list[Op] = [(f"{name}.mul_(3)", lambda t: t.mul_(3)),
                     (f"{name}.add_(1)", lambda t: t.add_(1)),
                     (f"{name}.zero_()", lambda t: t.zero_())]
    if x.dim() >= 1 and x.shape[0] > 0:
        ops.append((f"{name}[0] = 5.", lambda t: t.__setitem__(0, 5.0)))
    if x.is_contiguous() and x.storage_offset() == 0:
        n = x.numel()
        if n + 2 <= 8:
            ops.append((f"{name}.resize_({n + 2})", lambda t: t.resize_(n + 2)))
        if 1 < n <= 9:
            ops.append((f"{name}.resize_({n - 1})", lambda t: t.resize_(n - 1)))
    return ops


@dataclass
class Program:
    seed: int
    lines: list[str] = field(default_factory=list)
    env: dict[str, torch.Tensor] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)  # line -> torch's message
    # Storage cells the reference run grew without writing, per storage object.
    blank: dict[int, set[int]] = field(default_factory=dict)
    grew: bool = False


def _cells(t: torch.Tensor) -> set[int]:
    base = t.untyped_storage().data_ptr()
    return {(t[i].data_ptr() - base) // t.element_size() for i in _indices(t)}


def _fits(t: torch.Tensor) -> bool:
    return t.dim() <= 4 and all(n <= 8 for n in t.shape) and t.numel() <= 64


@st.composite
def programs(draw: st.DrawFn) -> Program:
    seed = draw(st.integers(0, 2**16))
    prog = Program(seed=seed)
    torch.manual_seed(seed)
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    # torch.arange(n.) is a 1-d intermediate, so it must itself fit the 8-per-dimension limit.
    if math.prod(shape) > 8 or draw(st.booleans()):
        prog.lines.append(f"x0 = torch.randn({_dims(shape)})")
        prog.env["x0"] = torch.randn(shape)
    else:
        n = math.prod(shape)
        prog.lines.append(f"x0 = torch.arange({n}.).view({_dims(shape)})")
        prog.env["x0"] = torch.arange(float(n)).view(shape)
    for i in range(1, draw(st.integers(1, 7))):
        name = draw(st.sampled_from(sorted(prog.env)))
        x = prog.env[name]
        others = [(n, t) for n, t in prog.env.items() if n != name]
        other = None
        use_other: bool = draw(st.booleans())
        if others and use_other:
            other = draw(st.sampled_from(others))
        if draw(st.integers(0, 3)) == 0:
            code, fn = draw(st.sampled_from(_inplace(x, name)))
            key = int(x.untyped_storage()._cdata)
            grown = prog.blank.setdefault(key, set())
            if ".resize_(" in code:
                before_cells = x.untyped_storage().nbytes() // x.element_size()
                fn(x)
                after_cells = x.untyped_storage().nbytes() // x.element_size()
                grown |= set(range(before_cells, after_cells))
                prog.grew = prog.grew or after_cells > before_cells
            else:
                # Only writes that do not read the old bytes define uninitialised cells.
                written = set()
                if code.startswith(f"{name}["):
                    written = _cells(x[0])
                elif ".zero_(" in code:
                    written = _cells(x)
                try:
                    fn(x)
                except RuntimeError as exc:  # e.g. a write into an expanded (stride 0) tensor
                    prog.errors[len(prog.lines) + 1] = str(exc)
                    prog.lines.append(code)
                    continue
                grown -= written
            prog.lines.append(code)
            continue
        code, fn = draw(st.sampled_from(_candidates(x, name, other)))
        try:
            result = fn(x)
        except (RuntimeError, IndexError) as exc:
            prog.errors[len(prog.lines) + 1] = str(exc)
            prog.lines.append(code)  # a bare expression: nothing is bound by a failure
            continue
        if not _fits(result):
            continue
        prog.lines.append(f"x{i} = {code}")
        prog.env[f"x{i}"] = result
    return prog


def _check_tensor(trace: ProgramTrace, name: str, real: torch.Tensor, prog: Program) -> None:
    facts = trace.tensor(name)
    assert facts.shape == tuple(real.shape)
    assert facts.strides == real.stride()
    assert facts.storage_offset == real.storage_offset()
    assert facts.is_contiguous == real.is_contiguous()
    assert facts.dtype == str(real.dtype)
    assert facts.storage_elements == real.untyped_storage().nbytes() // real.element_size()
    base = real.untyped_storage().data_ptr()
    blank = prog.blank.get(int(real.untyped_storage()._cdata), set())
    for k, index in enumerate(_indices(real)):
        cell = (real[index].data_ptr() - base) // real.element_size()
        assert facts.storage_index[k] == cell
        if cell in blank:
            assert facts.values[k] is None and facts.printed[k] is None
        elif facts.values[k] is None:
            # Computed from uninitialised memory (copied or summed from a grown storage).
            assert prog.grew
        else:
            value = real[index].item()
            recorded = float(facts.values[k] or 0.0)
            assert recorded == value or (math.isnan(recorded) and math.isnan(value))
    if not blank and None not in facts.values:
        assert list(facts.printed) == format_elements([real[i].item() for i in _indices(real)],
                                                      real)


def _indices(t: torch.Tensor) -> list[tuple[int, ...]]:
    import itertools

    return list(itertools.product(*(range(n) for n in t.shape)))


def _check_plans(trace: ProgramTrace) -> None:
    for op in trace.ops:
        if op.error is not None or not op.outputs:
            continue
        out = trace.tensor(op.outputs[0])
        ins = [trace.tensor(ref) for ref in op.inputs]
        plan = op.plan
        if isinstance(plan, Layout):
            for k, source in enumerate(plan.sources):
                assert out.values[k] == ins[0].values[source]
            if op.kind == OpKind.COPY:
                assert sorted(plan.write_order, key=lambda k: out.storage_index[k]) == \
                    list(plan.write_order)
        elif isinstance(plan, Join):
            for k, (position, element) in enumerate(plan.sources):
                assert out.values[k] == ins[position].values[element]
        elif isinstance(plan, Reduce) and op.op == "sum":
            for k, group in enumerate(plan.groups):
                if out.values[k] is None:  # summed from uninitialised memory
                    assert any(ins[0].values[i] is None for i in group)
                    continue
                got = torch.tensor([ins[0].values[i] for i in group], dtype=torch.float64).sum()
                assert math.isclose(float(got), out.values[k] or 0.0, rel_tol=1e-4, abs_tol=1e-4)
        elif isinstance(plan, Matmul):
            for k, terms in enumerate(plan.terms):
                a, b = ins[0], ins[1]
                if out.values[k] is None:
                    continue
                dot = math.fsum((a.values[i] or 0.0) * (b.values[j] or 0.0) for i, j in terms)
                assert math.isclose(dot, out.values[k] or 0.0, rel_tol=1e-4, abs_tol=1e-4)
                assert len(terms) == plan.inner[0]
        elif isinstance(plan, Broadcast):
            functions: dict[str, Callable[..., torch.Tensor]] = {
                "add": torch.add, "mul": torch.mul, "gt": torch.gt}
            for k, sources in enumerate(plan.sources):
                assert len(sources) == len(op.inputs)  # one element of every tensor input
                values = [ins[i].values[e] for i, e in enumerate(sources)]
                if op.op in functions and len(values) == 2 and None not in values:
                    pair = [torch.tensor(v, dtype=torch.float32) for v in values]
                    assert float(functions[op.op](*pair)) == out.values[k]
            assert plan.out_shape == out.shape
        elif isinstance(plan, Write):
            assert plan.writer == op.outputs[0]
        elif isinstance(plan, Resize):
            assert plan.same_storage
            assert plan.new_shape == out.shape


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_every_recorded_fact_is_what_torch_reports(prog: Program) -> None:
    trace = trace_code("\n".join(prog.lines), "--code", prog.seed)
    for name, real in prog.env.items():
        _check_tensor(trace, name, real, prog)
    # Storage identity: two names share a storage label exactly when torch's objects agree.
    names = sorted(prog.env)
    for a in names:
        for b in names:
            same = prog.env[a].untyped_storage()._cdata == prog.env[b].untyped_storage()._cdata
            assert (trace.tensor(a).storage == trace.tensor(b).storage) == same
            same_buffer = (prog.env[a].untyped_storage().data_ptr()
                           == prog.env[b].untyped_storage().data_ptr())
            assert (trace.tensor(a).buffer == trace.tensor(b).buffer) == same_buffer
    for line, message in prog.errors.items():
        failed = [s for s in trace.statements if s.span.line == line]
        assert failed and failed[0].error is not None and failed[0].error.message == message
    _check_plans(trace)


def test_resize_grow_keeps_the_storage_and_moves_the_buffer() -> None:
    """The storage object stays; torch gives it a new, larger buffer; every alias follows."""
    trace = trace_code("w = torch.randn(5)\nv = w.view(5, 1)\nw.resize_(2, 3)", "--code", 7)
    torch.manual_seed(7)
    w = torch.randn(5)
    v = w.view(5, 1)
    storage, ptr = w.untyped_storage()._cdata, w.untyped_storage().data_ptr()
    w.resize_(2, 3)
    resize = trace.ops[-1]
    assert isinstance(resize.plan, Resize)
    assert resize.plan.same_storage == (w.untyped_storage()._cdata == storage)
    assert resize.plan.buffer_moved == (w.untyped_storage().data_ptr() != ptr)
    assert resize.relations[0].buffer_moved == resize.plan.buffer_moved
    assert [r.name for r in resize.plan.aliases] == ["v"]
    assert trace.tensor("v").buffer == trace.tensor("w").buffer
    assert v.untyped_storage().data_ptr() == w.untyped_storage().data_ptr()
    old_cells = 5
    new_cells = w.untyped_storage().nbytes() // w.element_size()
    assert resize.plan.uninitialized == tuple(range(old_cells, new_cells))
    assert trace.tensor("w").printed[-1] is None  # never shown as a number


def test_numpy_bridge_is_two_storage_objects_over_one_buffer() -> None:
    trace = trace_code("a = np.arange(6.).reshape(2, 3)\nb = torch.from_numpy(a)\n"
                       "b.mul_(2)\nc = b.numpy()", "--code")
    bridge = trace.ops[2]
    assert bridge.kind == OpKind.BRIDGE
    assert bridge.relations[0].same_buffer and not bridge.relations[0].same_storage
    write = trace.ops[3]
    assert isinstance(write.plan, Write)
    assert [ref.name for ref, _ in write.plan.aliases] == ["a"]
    import numpy as np

    a = np.arange(6.0).reshape(2, 3)
    assert trace.tensor("a").dtype == str(a.dtype)  # as NumPy spells it
    torch.from_numpy(a).mul_(2)
    assert trace.tensor("a").printed == tuple(
        np.array2string(a.ravel(), separator=" ", precision=4).strip("[]").split())


def test_copies_of_uninitialised_memory_stay_uninitialised() -> None:
    trace = trace_code("w = torch.randn(2)\nw.resize_(4)\nc = w.clone()\nw[3] = 1.", "--code")
    torch.manual_seed(0)
    w = torch.randn(2)
    old = w.untyped_storage().nbytes() // w.element_size()
    w.resize_(4)
    new = w.untyped_storage().nbytes() // w.element_size()
    c = trace.tensor("c")
    assert [v is None for v in c.values] == [k >= old for k in range(new)]
    assert trace.tensor("w").values[3] == 1.0  # written: defined from then on
    assert trace.tensor("w").values[2] is None


def test_spans_cover_each_call_inside_one_statement() -> None:
    code = "x = torch.ones(1, 3)\nw = torch.ones(3, 1)\ny = torch.sigmoid(x @ w + 1)"
    trace = trace_code(code, "--code")
    last = trace.statements[-1]
    texts = [trace.ops[i].span.text(trace.source) for i in last.ops]
    assert texts == ["x @ w", "x @ w + 1", "torch.sigmoid(x @ w + 1)"]
    assert [trace.ops[i].code for i in last.ops] == texts
    assert trace.ops[last.ops[-1]].outputs[0].name == "y"


def test_broadcast_plan_matches_torch_broadcasting() -> None:
    trace = trace_code("x = torch.arange(3.).view(3, 1)\ny = torch.tensor([10., 20.])\n"
                       "z = x + y", "--code")
    plan = trace.ops[-1].plan
    assert isinstance(plan, Broadcast)
    x = torch.arange(3.0).view(3, 1)
    y = torch.tensor([10.0, 20.0])
    z = x + y
    assert plan.out_shape == tuple(z.shape)
    assert plan.strides == (torch.broadcast_to(x, z.shape).stride(),
                            torch.broadcast_to(y, z.shape).stride())
    flat_x, flat_y, flat_z = x.reshape(-1), y.reshape(-1), z.reshape(-1)
    for k, (i, j) in enumerate(plan.sources):
        assert float(flat_x[i] + flat_y[j]) == float(flat_z[k])
    # Only stretched dims are listed: x along columns, y along rows.
    assert plan.expanded == tuple(
        tuple(d for d, s in enumerate(torch.broadcast_to(t, z.shape).stride())
              if s == 0 and z.shape[d] > 1) for t in (x, y))


def test_batched_matmul_terms_pair_the_inner_dimension() -> None:
    trace = trace_code("a = torch.randn(2, 1, 3, 4)\nb = torch.randn(5, 4, 2)\nc = a @ b",
                       "--code", 3)
    plan = trace.ops[-1].plan
    assert isinstance(plan, Matmul)
    torch.manual_seed(3)
    a, b = torch.randn(2, 1, 3, 4), torch.randn(5, 4, 2)
    c = a @ b
    assert plan.out_shape == tuple(c.shape)
    assert [d.out for d in plan.dims if d.role == "batch"] == list(c.shape[:-2])
    fa, fb, fc = a.reshape(-1), b.reshape(-1), c.reshape(-1)
    for k, terms in enumerate(plan.terms):
        got = sum(float(fa[i]) * float(fb[j]) for i, j in terms)
        assert math.isclose(got, float(fc[k]), rel_tol=1e-4, abs_tol=1e-5)
        assert len(terms) == a.shape[-1]


def test_python_answers_are_recorded_as_python_prints_them() -> None:
    trace = trace_code("x = torch.randn(2, 3)\ns = x.shape[0]\nx.t().is_contiguous()\n"
                       "st = x.t().stride()", "--code")
    x = torch.randn(2, 3)
    assert trace.statements[1].value == repr(x.shape[0])
    assert trace.statements[2].value == repr(x.t().is_contiguous())
    assert trace.statements[3].value == repr(x.t().stride())
    query = trace.ops[trace.statements[3].ops[-1]]
    assert query.kind == OpKind.QUERY and query.result == repr(x.t().stride())


def test_trace_code_command_prints_the_op_records(capsys: Any) -> None:
    import json

    from studio.cli import main

    code = "x = torch.arange(6.).view(2, 3); y = x.t()"
    assert main(["trace", "--code", code]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["_type"] == "ProgramTrace" and data["schema"] >= 1
    x = torch.arange(6.0).view(2, 3)
    y = x.t()
    transpose = data["ops"][-1]
    assert transpose["op"] == "t" and transpose["kind"] == "layout"
    assert transpose["relations"][0]["same_storage"] == (
        y.untyped_storage()._cdata == x.untyped_storage()._cdata)
    facts = {(t["name"], t["version"]): t for t in data["tensors"]}
    assert facts[("y", 0)]["strides"] == list(y.stride())
    assert main(["trace", "--text", "--code", code]) == 0
    text = capsys.readouterr().out
    assert f"y#0 {y.shape!s} strides {y.stride()}" in text


def test_each_op_says_how_the_code_spelled_it() -> None:
    trace = trace_code("x = torch.ones(2, 2)\na = torch.sum(x)\nb = x.sum()\nc = x @ x\n"
                       "d = x.T\ne = x[0]\nx[1] = 3.", "--code")
    assert [op.form for op in trace.ops] == ["function", "function", "method", "operator",
                                             "attribute", "subscript", "assignment"]


def test_no_address_reaches_the_trace_outside_volatile_fields() -> None:
    """Same code, same trace: Python objects' reprs print addresses, the trace must not."""
    import json

    from core.serial import to_dict
    from studio.hashing import stable_trace_json

    code = "g = np.random.default_rng(7)\na = g.standard_normal((2, 3))\nb = torch.from_numpy(a)"
    texts = [stable_trace_json(json.dumps(to_dict(trace_code(code, "--code"))))
             for _ in range(2)]
    assert texts[0] == texts[1]
    assert "0x" not in texts[0]


def test_rounded_says_when_the_printed_digits_do_not_add_up() -> None:
    """The flag is exactly: some printed previous + term = total fails in decimal digits."""
    from decimal import Decimal

    trace = trace_code("f = torch.randn(1, 5)\nw = torch.randn(5, 1)\ny = f @ w\ns = f.sum()",
                       "--code", 7)
    for op in (trace.ops[2], trace.ops[3]):
        plan = op.plan
        assert isinstance(plan, Matmul | Reduce)
        if isinstance(plan, Matmul):
            terms, partials = plan.products[0], plan.partials[0]
        else:
            terms = tuple(trace.tensor(op.inputs[0]).printed[i] or "" for i in plan.groups[0])
            partials = plan.partials[0]
        totals = [Decimal(0), *(Decimal(p) for p in partials)]
        holds = all(totals[i] + Decimal(t) == totals[i + 1] for i, t in enumerate(terms))
        assert plan.rounded[0] == (not holds)


def test_non_finite_values_are_traced_as_torch_prints_them_in_standard_json(
    capsys: Any,
) -> None:
    import json

    from studio.cli import main

    assert main(["trace", "--code", "x = torch.ones(2) / 0\ny = x - x"]) == 0

    def refuse(constant: str) -> None:
        raise ValueError(f"non-standard JSON constant {constant}")

    data = json.loads(capsys.readouterr().out, parse_constant=refuse)
    printed = {t["name"]: t["printed"] for t in data["tensors"]}
    x = torch.ones(2) / 0
    assert printed["x"] == [str(v.item()) for v in x] == [str(x[0])[7:-1]] * 2
    assert printed["y"] == [str((x - x)[0])[7:-1]] * 2
