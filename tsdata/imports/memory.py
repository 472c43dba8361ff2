"""Process-level memory setting of an import (glibc's allocator)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from collections.abc import Iterator

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt parameter number in glibc's malloc.h
IMPORT_MMAP_THRESHOLD = 4 << 20


def allocator_threshold_fix(threshold: int = IMPORT_MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold for the rest of the process; False if not glibc.

    glibc raises the threshold each time a mapped block is freed (up to 32 MB); from then
    on the import's large temporary arrays (hash tables growing, COPY text) come from the
    heap, which keeps their pages after they are freed and raises the process's peak.
    With a fixed 4 MB threshold larger arrays are mapped and given back when freed, while
    the 1 MB read blocks are still reused from the heap (a lower threshold would map
    fresh pages for every block). Measurements: docs/benchmarks.md.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    done = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    if not done:
        logger.warning("mallopt(M_MMAP_THRESHOLD, %d) was refused", threshold)
    return done


def allocator_trim() -> None:
    """Give the free pages of every malloc arena back to the OS (glibc; a no-op elsewhere).

    A file loaded on several threads leaves freed buffers in each thread's arena; the next
    file's peak then comes on top of them.
    """
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    malloc_trim(0)


@contextlib.contextmanager
def collector_frozen() -> Iterator[None]:
    """Keep the objects that exist before an import out of the garbage collector's full
    collections while it runs (``gc.freeze``), and hand them back afterwards.

    A process with Django, numpy and numba loaded holds about 170,000 objects; each full
    collection during an import walks all of them while holding the GIL, which stalls
    the threads feeding PostgreSQL.
    Objects the import creates are collected as usual.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
