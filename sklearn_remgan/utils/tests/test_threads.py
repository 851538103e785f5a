import threading

import pytest
import torch
from joblib import cpu_count

from sklearn_remgan.utils import _threads
from sklearn_remgan.utils._threads import (
    effective_n_threads,
    resolve_precision,
    torch_threads,
)


def test_effective_n_threads_follows_sklearn_conventions():
    assert effective_n_threads(3) == 3
    assert effective_n_threads(-1) == cpu_count()
    assert effective_n_threads(-cpu_count() - 5) == 1
    with torch_threads(1):
        assert effective_n_threads(None) == 1


def test_none_takes_one_thread_outside_the_main_thread():
    # Sibling threads (joblib's threading backend, dask) share the cores.
    seen = []
    with torch_threads(max(2, torch.get_num_threads())):
        worker = threading.Thread(target=lambda: seen.append(effective_n_threads(None)))
        worker.start()
        worker.join()
        in_main = effective_n_threads(None)
    assert seen == [1]
    assert in_main == min(max(2, torch.get_num_threads()), cpu_count())


def test_torch_threads_restores_the_setting():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), torch_threads(before + 1):
        assert torch.get_num_threads() == before + 1
        raise RuntimeError
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("has_bf16, expected", [(True, "bfloat16"), (False, "float32")])
def test_auto_precision_follows_the_cpu_units(monkeypatch, has_bf16, expected):
    monkeypatch.setattr(_threads, "cpu_has_bf16_units", lambda: has_bf16)
    assert resolve_precision("auto", "cpu") == expected
    assert resolve_precision("bfloat16", "cpu") == "bfloat16"
    assert resolve_precision("float32", "cpu") == "float32"


@pytest.mark.parametrize(
    "capability, expected", [((7, 5), "float32"), ((8, 0), "bfloat16")]
)
def test_auto_precision_follows_the_gpu_compute_capability(
    monkeypatch, capability, expected
):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda i: capability)
    assert resolve_precision("auto", "cuda:0") == expected


@pytest.mark.parametrize(
    "flags, expected",
    [
        ({"avx2", "fma"}, False),
        ({"avx512f", "avx512_bf16"}, True),
        ({"amx_bf16"}, True),
    ],
)
def test_cpu_flags_are_read_when_torch_has_no_probe(monkeypatch, flags, expected):
    for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        monkeypatch.delattr(torch.cpu, name, raising=False)
    monkeypatch.setattr(_threads, "_cpu_flags", lambda: flags)
    assert _threads.cpu_has_bf16_units() is expected


def test_overlapping_contexts_restore_when_the_last_one_closes():
    original = torch.get_num_threads()
    torch.set_num_threads(original + 1)  # so that 1 thread differs from it
    try:
        _overlapping_contexts(original + 1)
    finally:
        torch.set_num_threads(original)


def _overlapping_contexts(before):
    first_open, second_open = threading.Event(), threading.Event()
    first_closed = threading.Event()
    seen = {}

    def first():
        with torch_threads(1):
            first_open.set()
            second_open.wait()
        first_closed.set()

    def second():
        first_open.wait()
        with torch_threads(1):
            second_open.set()
            first_closed.wait()
            # The first fit ended; this one still runs with one thread.
            seen["during"] = torch.get_num_threads()

    workers = [threading.Thread(target=first), threading.Thread(target=second)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert seen["during"] == 1
    assert torch.get_num_threads() == before
