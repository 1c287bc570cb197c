"""Every trace of the default lesson against torch, recomputed here independently."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import torch

from core.arithmetic import ElementwiseTrace, NeuronTrace, SumTrace, TwoLayerTrace
from core.facts import format_elements
from core.lesson import Lesson, default_lesson_path, load_lesson
from core.matmul import MatmulShapesTrace, MmVsMatmulTrace
from core.memory import NumpyBridgeTrace, ReshapeTrace, ResizeTrace, StridesTrace, ViewTrace
from core.summary import SummaryTrace
from core.trace import trace_from_json, trace_lesson, trace_of, trace_to_json
from studio.cli import main
from studio.hashing import stable_trace_json


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    return load_lesson()


def printed(t: torch.Tensor) -> tuple[str, ...]:
    return tuple(format_elements(t.flatten().tolist(), t))


def test_every_trace_round_trips_through_json(lesson: Lesson) -> None:
    traces = trace_lesson(lesson)
    assert [t.clip_id for t in traces] == [c.id for c in lesson.clips]
    for trace in traces:
        assert trace_from_json(trace_to_json(trace)) == trace


def test_trace_command_prints_twelve_traces(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["traces"]) == 12


def notebook_neuron() -> dict[str, torch.Tensor]:
    """The course notebook's neuron inputs, drawn its way right after the seed."""
    torch.manual_seed(7)
    features = torch.randn((1, 5))
    weights = torch.randn_like(features)
    bias = torch.randn((1, 1))
    return {"features": features, "weights": weights, "bias": bias}


def notebook_network() -> dict[str, torch.Tensor]:
    """The course notebook's two-layer network inputs, drawn its way right after the seed."""
    torch.manual_seed(7)
    features = torch.randn((1, 3))
    names = ("W1", "W2", "B1", "B2")
    shapes = ((3, 2), (2, 1), (1, 2), (1, 1))
    return {"features": features, **{n: torch.randn(s) for n, s in zip(names, shapes, strict=True)}}


def test_elementwise_product(lesson: Lesson) -> None:
    trace = trace_of(lesson, "elementwise-product", ElementwiseTrace)
    t = notebook_neuron()
    product = t["features"] * t["weights"]
    assert trace.program.ops[trace.product_op].code == "features * weights"
    assert trace.a.printed == printed(t["features"]) and trace.b.printed == printed(t["weights"])
    assert trace.product.printed == printed(product)
    assert [(s.a, s.b, s.product) for s in trace.steps] == list(
        zip(printed(t["features"]), printed(t["weights"]), printed(product), strict=True))
    assert trace.new_storage


def test_elementwise_and_sum(lesson: Lesson) -> None:
    trace = trace_of(lesson, "sum", SumTrace)
    t = notebook_neuron()
    product = t["features"] * t["weights"]
    ops = trace.program.ops
    # The lesson keeps the product as ``products`` and sums it both ways.
    assert ops[trace.function_op].code == "torch.sum(products)"
    assert ops[trace.method_op].code == "products.sum()"
    assert trace.product.printed == printed(product)
    assert tuple(s.product for s in trace.steps) == printed(product)
    assert tuple(s.a for s in trace.steps) == printed(t["features"])
    running = torch.cumsum(product.flatten(), 0)
    assert tuple(s.running_total for s in trace.steps) == printed(running)
    assert trace.total_function.values[0] == torch.sum(product).item()
    assert trace.total_method.values[0] == product.sum().item()
    assert trace.total_function.shape == () and trace.total_function.repr == str(torch.sum(product))
    assert trace.total_function.repr == "tensor(-1.9796)"  # the course notebook's sum
    assert trace.totals_equal


def test_neuron(lesson: Lesson) -> None:
    trace = trace_of(lesson, "neuron", NeuronTrace)
    t = notebook_neuron()
    y = torch.sigmoid(torch.sum(t["features"] * t["weights"]) + t["bias"])
    assert trace.output.repr == str(y) == "tensor([[0.1595]])"  # the course notebook's y
    assert trace.activation == "sigmoid"
    assert trace.total.printed == printed(torch.sum(t["features"] * t["weights"]))
    assert trace.bias.printed == printed(t["bias"])
    ops = trace.program.ops
    assert [ops[k].code for k in (trace.sum_op, trace.bias_op, trace.activation_op)] == [
        "torch.sum(features * weights)", "torch.sum(features * weights) + bias",
        "torch.sigmoid(torch.sum(features * weights) + bias)"]
    xs = torch.tensor(trace.curve.xs)
    assert torch.equal(torch.sigmoid(xs), torch.tensor(trace.curve.ys))
    pre = trace.pre_activation.values[0]
    assert pre is not None and trace.curve.xs[0] <= pre <= trace.curve.xs[-1]


def test_neuron_curve_ticks_span_the_curve(lesson: Lesson) -> None:
    curve = trace_of(lesson, "neuron", NeuronTrace).curve
    xs, ys = torch.tensor(curve.xs), torch.sigmoid(torch.tensor(curve.xs))
    x_ticks = [float(t) for t in curve.x_ticks]
    assert x_ticks == sorted(x_ticks) and len(x_ticks) <= 7
    assert xs.min().item() <= x_ticks[0] and x_ticks[-1] <= xs.max().item()
    y_ticks = [float(t) for t in curve.y_ticks]
    assert y_ticks[0] <= ys.min().item() and ys.max().item() <= y_ticks[-1]
    assert y_ticks == [0.0, 0.5, 1.0]  # the sigmoid's range, read from torch's own values


def test_matmul_shapes(lesson: Lesson) -> None:
    trace = trace_of(lesson, "matmul-shapes", MatmulShapesTrace)
    t = notebook_neuron()
    features, weights, bias = t["features"], t["weights"], t["bias"]
    assert trace.features.printed == printed(features)
    assert trace.weights.printed == printed(weights) and trace.bias.printed == printed(bias)
    with pytest.raises(RuntimeError) as raised:
        torch.mm(features, weights)
    failed = trace.failed
    assert failed.error is not None and failed.error.message == str(raised.value)
    assert failed.error.type == "RuntimeError" and failed.result is None
    assert failed.inner == (features.shape[1], weights.shape[0])
    assert [d.role for d in failed.plan.dims] == ["rows", "inner", "cols"]
    # The lecture's wording, from PyTorch before 1.7: the operands' shapes as it printed them.
    assert trace.old_message == (f"size mismatch, m1: [{' x '.join(map(str, features.shape))}], "
                                 f"m2: [{' x '.join(map(str, weights.shape))}]")
    assert trace.old_message == "size mismatch, m1: [1 x 5], m2: [1 x 5]"
    column = weights.view(5, 1)
    assert trace.column.shape == tuple(column.shape) and trace.column_shares_storage
    assert column.untyped_storage().data_ptr() == weights.untyped_storage().data_ptr()
    result = torch.mm(features, column)
    fixed = trace.fixed
    assert fixed.result is not None and fixed.result.printed == printed(result)
    assert fixed.inner == (5, 5) and fixed.plan.out_shape == tuple(result.shape)
    products = features.flatten() * column.flatten()
    running = torch.cumsum(products, 0)
    assert tuple(d.a for d in trace.dot) == printed(features)
    assert tuple(d.b for d in trace.dot) == printed(column)
    assert tuple(d.product for d in trace.dot) == printed(products)
    assert tuple(d.running for d in trace.dot) == printed(running)
    assert trace.dot[-1].running == printed(result)[0]
    sums, total = [], Decimal(0)
    for d in trace.dot:
        total += Decimal(d.product)
        sums.append(total == Decimal(d.running))
    assert trace.dot_rounded == (not all(sums))
    ops = trace.program.ops
    assert ops[trace.column_op].code == "weights.view(5, 1)"
    assert ops[trace.bias_op].code == "torch.mm(features, column) + bias"
    assert trace.activation == "sigmoid"
    y = torch.sigmoid(result + bias)
    assert trace.pre_activation.printed == printed(result + bias)
    assert trace.output.printed == printed(y) and trace.output.repr == str(y)
    assert trace.output.repr == "tensor([[0.1595]])"  # the course notebook's y
    neuron = torch.sigmoid(torch.sum(features * weights) + bias)
    assert trace.neuron_output.printed == printed(neuron)
    assert trace.same_as_neuron == (printed(neuron) == printed(y))


def notebook_mm_vs_matmul() -> dict[str, torch.Tensor]:
    """The mm-vs-matmul clip's tensors, drawn in its code's order right after the seed."""
    torch.manual_seed(7)
    features = torch.randn((1, 5))
    weights = torch.randn(5)
    x, y = torch.randn(2, 1, 3, 4), torch.randn(5, 4, 2)
    w = torch.randn(3, 5, 1)
    return {"features": features, "weights": weights, "X": x, "Y": y, "W": w,
            "weights.view(5, 1)": weights.view(5, 1), "column": weights.view(5, 1)}


def test_mm_vs_matmul(lesson: Lesson) -> None:
    trace = trace_of(lesson, "mm-vs-matmul", MmVsMatmulTrace)
    t = notebook_mm_vs_matmul()
    assert t["weights"].tolist() == notebook_neuron()["weights"].flatten().tolist()
    assert [c.label for c in trace.cases] == ["mm-vector", "matmul-vector", "column", "mm-batch",
                                              "matmul-batch", "mm-stray", "matmul-stray"]
    for case in trace.cases:
        a, b = t[case.a.name], t[case.b.name]
        assert case.a.printed == printed(a) and case.b.printed == printed(b)
        assert case.plan.a_shape == tuple(a.shape) and case.plan.b_shape == tuple(b.shape)
        fn = torch.mm if case.op == "mm" else torch.matmul
        try:
            expected = fn(a, b)
        except RuntimeError as exc:
            assert case.error is not None and case.error.message == str(exc)
            assert case.result is None
            continue
        assert case.error is None and case.result is not None
        assert case.result.shape == tuple(expected.shape)
        assert case.result.printed == printed(expected)
        derived = tuple(d.out for d in case.plan.dims if d.out is not None)
        assert derived == tuple(expected.shape)
    # The batch case, right-aligned: (2, 1, 3, 4) @ (5, 4, 2) -> (2, 5, 3, 2).
    batch = trace.case("matmul-batch").plan
    assert [(d.role, d.a, d.b, d.out) for d in batch.dims] == [
        ("batch", 2, None, 2), ("batch", 1, 5, 5), ("rows", 3, None, 3),
        ("inner", 4, 4, None), ("cols", None, 2, 2)]
    assert batch.out_shape == tuple(torch.matmul(t["X"], t["Y"]).shape)
    # The surprises are ones only matmul makes: mm raised on the very same operands.
    meant = trace.case("column").result
    assert meant is not None and meant.shape == (1, 1)
    for mm, got in (("mm-vector", "matmul-vector"), ("mm-stray", "matmul-stray")):
        refused, returned = trace.case(mm), trace.case(got)
        assert refused.error is not None and returned.result is not None
        assert (refused.a, refused.b) == (returned.a, returned.b)
        assert returned.result.shape != meant.shape
    assert trace.case("matmul-vector").result.shape == (1,)  # type: ignore[union-attr]
    assert trace.case("matmul-stray").result.shape == (3, 1, 1)  # type: ignore[union-attr]


def test_view(lesson: Lesson) -> None:
    trace = trace_of(lesson, "view", ViewTrace)
    assert trace.shares_storage
    assert trace.view.storage == trace.source.storage
    position = trace.view.storage_index[
        next(i for i, idx in enumerate(np.ndindex(*trace.view.shape)) if idx == trace.change_index)
    ]
    assert trace.source_after.storage_printed[position] == trace.view_after.printed_at(
        trace.change_index)
    with pytest.raises(RuntimeError) as raised:
        torch.randn(1, 5).view(2, 3)
    assert trace.bad.message == str(raised.value)


def notebook_x() -> torch.Tensor:
    """The reshape and strides clips' x, made here the way their code makes it."""
    return torch.arange(6.).view(2, 3)


def _storage(t: torch.Tensor) -> int:
    return int(t.untyped_storage()._cdata)


def test_reshape(lesson: Lesson) -> None:
    trace = trace_of(lesson, "reshape", ReshapeTrace)
    ops = trace.program.ops
    x = notebook_x()
    r, xt = x.reshape(trace.reshaped.shape), x.t()
    assert trace.reshaped_shares_storage == (_storage(r) == _storage(x)) is True
    assert trace.transposed_shares_storage == (_storage(xt) == _storage(x)) is True
    assert trace.transposed.is_contiguous is xt.is_contiguous() is False
    assert trace.transposed.strides == xt.stride()
    f = xt.reshape(trace.flat.shape)
    assert trace.flat_shares_storage == (_storage(f) == _storage(xt)) is False
    assert trace.flat.printed == printed(f) and trace.flat.storage != trace.source.storage
    with pytest.raises(RuntimeError) as raised:
        xt.view(trace.flat.shape)
    assert trace.view_error.message == str(raised.value)
    assert ops[trace.view_op].code == trace.view_error.code
    with pytest.raises(RuntimeError) as raised:
        x.reshape(4)
    assert trace.bad.message == str(raised.value)
    # Each story op is the op of the code line that says it.
    for index, words in ((trace.reshape_op, "x.reshape(3, 2)"), (trace.transpose_op, "x.t()"),
                         (trace.view_op, "xt.view(6)"), (trace.flat_op, "xt.reshape(6)"),
                         (trace.bad_op, "x.reshape(4)")):
        span = ops[index].span
        assert span.text(trace.program.source) == words


def test_resize(lesson: Lesson) -> None:
    trace = trace_of(lesson, "resize", ResizeTrace)
    w = notebook_neuron()["weights"]
    s = w.clone()
    s_storage = _storage(s)
    s.resize_(trace.shrink.after.shape)
    assert trace.shrink.after.printed == printed(s)
    cells = s.untyped_storage().nbytes() // s.element_size()
    assert trace.shrink.lost == tuple(range(s.numel(), cells)) == (4,)
    assert trace.shrink.same_storage == (_storage(s) == s_storage) is True
    assert not trace.shrink.storage_grew and not trace.shrink.buffer_moved
    # Growing: the same storage object, a new buffer holding the old bytes; the alias follows.
    g = w.clone()
    alias = g.view(-1)
    g_storage, old_ptr = _storage(g), g.untyped_storage().data_ptr()
    g.resize_(trace.grow.after.shape)
    assert trace.grow.same_storage == (_storage(g) == g_storage) is True
    assert trace.grow.buffer_moved == (g.untyped_storage().data_ptr() != old_ptr) is True
    assert trace.grow.before.buffer != trace.grow.after.buffer
    assert trace.grow.before.storage == trace.grow.after.storage
    assert _storage(alias) == _storage(g) and alias.data_ptr() == g.data_ptr()
    assert [a.name for a in trace.grow.aliases] == ["alias"]
    assert [trace.program.ops[i].outputs[0].name for i in trace.grow.alias_ops] == ["alias"]
    assert all(a.storage == trace.grow.after.storage and a.buffer == trace.grow.after.buffer
               for a in trace.grow.aliases)
    cells = g.untyped_storage().nbytes() // g.element_size()
    assert trace.grow.storage_grew and trace.grow.uninitialized == tuple(range(w.numel(), cells))
    assert trace.grow.after.printed[-1] is None and trace.grow.after.repr is None
    assert trace.grow.after.storage_printed[:5] == printed(w)
    with pytest.raises(RuntimeError) as raised:
        w.view(trace.shrink.after.shape)
    assert trace.view_error.message == str(raised.value)


def test_strides(lesson: Lesson) -> None:
    trace = trace_of(lesson, "strides", StridesTrace)
    x = notebook_x()
    assert trace.source.strides == x.stride() and trace.stride_result == str(x.stride())
    assert trace.transposed.strides == x.t().stride()
    assert trace.contiguous_result == str(x.t().is_contiguous())
    for walk in trace.walks + trace.transposed_walks:
        assert walk.end_cell - walk.start_cell == walk.stride
    c = x.t().contiguous()
    assert trace.contiguous_shares_storage == (_storage(c) == _storage(x)) is False
    assert trace.transposed_shares_storage is True
    assert trace.contiguous.storage_printed == printed(c)
    assert trace.contiguous.strides == c.stride()


def test_numpy_bridge(lesson: Lesson) -> None:
    trace = trace_of(lesson, "numpy-bridge", NumpyBridgeTrace)
    a = np.random.default_rng(7).standard_normal((2, 3))
    assert trace.array_repr == repr(a)
    b = torch.from_numpy(a)
    c = b.numpy()
    # One buffer, two storage objects: NumPy's array and torch's storage.
    assert trace.shares_buffer == (b.data_ptr() == a.ctypes.data) is True
    assert trace.back_shares_buffer == (c.ctypes.data == b.data_ptr()) is True
    assert trace.shares_storage is False and trace.back_shares_storage is False
    assert trace.array.buffer == trace.tensor.buffer == trace.back.buffer
    assert trace.array.storage != trace.tensor.storage
    assert trace.array_address == trace.tensor_address == trace.back_address
    factor = float(trace.program.ops[trace.change_op].args)
    b.mul_(factor)
    assert trace.array_repr_after == repr(a)
    assert trace.tensor_after.repr == str(b)
    # The generator's repr printed its address: kept without it, so the hash stays put.
    assert not any("0x" in (op.result or "") + op.args for op in trace.program.ops)
    assert stable_trace_json(trace_to_json(trace)) == stable_trace_json(
        trace_to_json(trace_of(lesson, "numpy-bridge", NumpyBridgeTrace)))


def test_summary_cites_only_what_the_clips_showed(lesson: Lesson) -> None:
    trace = trace_of(lesson, "summary", SummaryTrace)
    view = trace_of(lesson, "view", ViewTrace)
    reshape = trace_of(lesson, "reshape", ReshapeTrace)
    resize = trace_of(lesson, "resize", ResizeTrace)
    programs = {t.clip_id: t.program for t in (view, reshape, resize)}
    shown = {
        view.clip_id: {view.view_op, view.change_op, view.bad_op},
        reshape.clip_id: {reshape.reshape_op, reshape.transpose_op, reshape.view_op,
                          reshape.flat_op, reshape.bad_op},
        resize.clip_id: {resize.shrink.op, resize.grow.op, resize.view_op},
    }
    for row in trace.rows:
        for cell in row.cells:
            assert cell.cited, f"{row.operation}: {cell.answer!r} cites nothing"
            for cited in cell.cited:
                assert cited.op in shown[cited.clip_id], (row.operation, cell.answer, cited)
                assert programs[cited.clip_id].ops[cited.op].code == cited.code
                assert cited.code in cell.evidence
    rows = {row.operation: row for row in trace.rows}
    assert rows["view"].cells[0].answer == ("yes" if view.shares_storage else "no")
    assert rows["reshape"].cells[1].answer == ("yes" if not reshape.flat_shares_storage else "no")
    assert rows["resize_"].cells[1].answer.startswith(
        "when it grows" if resize.grow.buffer_moved else "no")
    assert rows["resize_"].cells[3].answer == ("yes" if resize.shrink.lost else "no")
    assert set(trace.sources) == set(programs)
    # Each row points at its op's exact text in the summary's code.
    for row in trace.rows:
        assert row.span.text(trace.source) in {c.code for cell in row.cells for c in cell.cited}


@pytest.mark.parametrize(("kind", "key", "code"), [
    ("reshape", "flat_shape", "f = xt.reshape(6)"),
    ("resize", "grow_shape", "g.resize_(2, 3)"),
    ("numpy-bridge", "factor", "b.mul_(2)"),
])
def test_a_retired_memory_setting_says_what_code_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, key: str, code: str
) -> None:
    text = default_lesson_path().read_text().replace(
        f'kind = "{kind}"\n', f'kind = "{kind}"\n{key} = 2\n')
    path = tmp_path / "lesson.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["trace", "--lesson", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"clip '{kind}': key '{key}': expected the clip's code instead" in err
    assert f"`{code}`" in err


def test_storage_byte_offsets_match_torch_addresses(lesson: Lesson) -> None:
    trace = trace_of(lesson, "resize", ResizeTrace)
    weights = notebook_neuron()["weights"]
    base = weights.untyped_storage().data_ptr()
    expected = tuple(weights.view(-1)[i].data_ptr() - base for i in range(weights.numel()))
    assert trace.source.storage_byte_offsets == expected
    grown = trace.grow.after
    assert len(grown.storage_byte_offsets) == grown.storage_elements
    assert grown.storage_byte_offsets == tuple(
        i * torch.empty(0, dtype=torch.float32).element_size()
        for i in range(grown.storage_elements))


def test_two_layer(lesson: Lesson) -> None:
    trace = trace_of(lesson, "two-layer-network", TwoLayerTrace)
    t = notebook_network()
    h = torch.sigmoid(t["features"] @ t["W1"] + t["B1"])
    y = torch.sigmoid(h @ t["W2"] + t["B2"])
    assert trace.stages[2].tensor.printed == printed(h)
    assert trace.stages[-1].tensor.repr == str(y) == "tensor([[0.3171]])"  # the notebook's y
    assert [f.name for f in trace.inputs] == ["features", "W1", "W2", "B1", "B2"]
    for facts in trace.inputs:
        assert facts.printed == printed(t[facts.name])
    # Each dot product's terms, products and running totals, as torch computes them.
    first = trace.stages[0]
    z1 = t["features"] @ t["W1"]
    for dot in first.dots:
        row, col = t["features"][dot.row], t["W1"][:, dot.col]
        assert [(s.a, s.b) for s in dot.terms] == list(zip(
            (trace.inputs[0].printed[k] for k in range(3)),
            (trace.inputs[1].printed[k * 2 + dot.col] for k in range(3)), strict=True))
        assert dot.terms[-1].running_total == printed(torch.cumsum(row * col, 0))[-1]
        assert dot.result == printed(z1)[dot.col]
    assert [trace.program.ops[s.op].code for s in trace.stages] == [
        "features @ W1", "features @ W1 + B1", "torch.sigmoid(features @ W1 + B1)", "h @ W2",
        "h @ W2 + B2", "torch.sigmoid(h @ W2 + B2)"]
    assert [s.tensor.shape for s in trace.stages] == [(1, 2), (1, 2), (1, 2), (1, 1), (1, 1),
                                                       (1, 1)]
