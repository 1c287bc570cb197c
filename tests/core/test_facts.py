"""Property tests: every layout fact in a trace equals what torch reports."""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.facts import StorageRegistry, format_elements, logical_indices, tensor_facts

DTYPES = [torch.float32, torch.float64, torch.int64, torch.int32, torch.float16]


@st.composite
def base_tensors(draw: st.DrawFn) -> torch.Tensor:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    dtype = draw(st.sampled_from(DTYPES))
    n = math.prod(shape)
    seed = draw(st.integers(0, 2**16))
    gen = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        base = torch.randn(n, generator=gen).to(dtype)
    else:
        base = torch.randint(-50, 50, (n,), generator=gen, dtype=dtype)
    return base.reshape(shape)


@st.composite
def derived(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor, str]:
    """A base tensor and a tensor made from it by one of the layout operations."""
    x = draw(base_tensors())
    op = draw(st.sampled_from(["view", "reshape", "t", "transpose", "slice", "contiguous",
                               "resize_"]))
    if op == "view":
        return x, x.view(-1), op
    if op == "reshape":
        return x, x.reshape(tuple(reversed(x.shape))), op
    if op == "t":
        y = x if x.dim() <= 2 else x.flatten(1)
        return x, y.t(), op
    if op == "transpose":
        d0 = draw(st.integers(0, x.dim() - 1))
        d1 = draw(st.integers(0, x.dim() - 1))
        return x, x.transpose(d0, d1), op
    if op == "slice":
        d = draw(st.integers(0, x.dim() - 1))
        start = draw(st.integers(0, x.shape[d] - 1))
        step = draw(st.integers(1, 2))
        index = [slice(None)] * x.dim()
        index[d] = slice(start, None, step)
        return x, x[tuple(index)], op
    if op == "contiguous":
        return x, x.transpose(0, -1).contiguous(), op
    y = x.clone()
    new_shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    y.resize_(new_shape)
    return x, y, op


@settings(max_examples=150, deadline=None)
@given(derived())
def test_layout_facts_match_torch(pair: tuple[torch.Tensor, torch.Tensor, str]) -> None:
    _, y, op = pair
    blank: tuple[int, ...] = ()
    if op == "resize_":
        # Cells beyond what the clone held are uninitialised; only those are marked.
        held = math.prod(pair[0].shape)
        total = y.untyped_storage().nbytes() // y.element_size()
        blank = tuple(range(held, total))
    facts = tensor_facts(y, "y", "y", StorageRegistry(), uninitialized=blank)
    assert facts.shape == tuple(y.shape)
    assert facts.strides == y.stride()
    assert facts.storage_offset == y.storage_offset()
    assert facts.is_contiguous == y.is_contiguous()
    assert facts.numel == y.numel()
    assert facts.element_size == y.element_size()
    assert facts.dtype == str(y.dtype)
    assert facts.storage_data_ptr == y.untyped_storage().data_ptr()
    assert facts.data_ptr == y.data_ptr()
    assert facts.storage_nbytes == y.untyped_storage().nbytes()
    assert facts.storage_elements * y.element_size() == y.untyped_storage().nbytes()
    flat = torch.empty(0, dtype=y.dtype).set_(y.untyped_storage(), 0, (facts.storage_elements,),
                                               (1,))
    for k, index in enumerate(logical_indices(tuple(y.shape))):
        cell = facts.storage_index[k]
        # The stride arithmetic torch documents, and the element's own address, agree.
        assert cell == y.storage_offset() + sum(i * s for i, s in zip(index, y.stride(),
                                                                     strict=True))
        if cell in blank:
            assert facts.printed[k] is None and facts.values[k] is None
            continue
        # The storage index addresses the element's value.
        assert flat[cell].item() == y[index].item()
        assert facts.values[k] == float(y[index].item())
        assert facts.storage_values[cell] == facts.values[k]
    reached = set(facts.storage_index)
    assert set(facts.unreachable) == set(range(facts.storage_elements)) - reached
    assert set(facts.uninitialized) == set(blank)
    assert all(facts.storage_printed[i] is None for i in blank)


@settings(max_examples=60, deadline=None)
@given(base_tensors())
def test_printed_values_are_torchs_own_formatting(x: torch.Tensor) -> None:
    facts = tensor_facts(x, "x", "x", StorageRegistry())
    assert facts.repr == str(x)
    # Each printed element appears, in order, in what torch prints for the whole tensor.
    body = str(x).replace("tensor(", "").split("dtype=")[0]
    tokens = [tok for tok in body.replace("[", " ").replace("]", " ").replace(",", " ").split()
              if tok not in (")",)]
    tokens = [tok.rstrip(")") for tok in tokens if tok.rstrip(")")]
    assert tuple(tokens) == facts.printed


def test_zero_d_tensor() -> None:
    x = torch.tensor(3.25)
    facts = tensor_facts(x, "x", "x", StorageRegistry())
    assert facts.shape == () and facts.strides == ()
    assert facts.printed == tuple(format_elements([x.item()], x))
    assert facts.storage_index == (0,)


def test_registry_names_shared_storage_once() -> None:
    reg = StorageRegistry()
    x = torch.arange(6.0)
    a = tensor_facts(x, "x", "x", reg)
    b = tensor_facts(x.view(2, 3), "v", "v", reg)
    c = tensor_facts(x.clone(), "c", "c", reg)
    assert a.storage == b.storage != c.storage
