"""Peak-memory helpers shared by the benchmark scripts (Linux /proc, else rusage)."""

import contextlib
import multiprocessing as mp
import resource
from pathlib import Path


def reset_peak():
    """Reset this process's peak resident size (Linux ``clear_refs``).

    A spawned child can inherit, in ``ru_maxrss``, the resident size its parent
    had when it forked; resetting after the inputs are loaded makes the peak
    read by :func:`peak_bytes` this call's own.
    """
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_bytes():
    """Peak resident size since the last reset (VmHWM), in bytes."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_in_fresh_process(target, *args):
    """Run ``target(*args, queue)`` in a new spawned process; return what it puts.

    A fresh interpreter per measurement keeps one tool's allocations (and the
    libraries it imported) out of the next one's peak.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result
