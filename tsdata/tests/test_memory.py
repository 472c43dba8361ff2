"""The import's process-level memory settings: the allocator gives large freed arrays back to
the OS (glibc), and the garbage collector leaves the objects from before an import alone."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")

# A freed 16 MB array raises glibc's dynamic threshold; an 8 MB array allocated after it
# then comes from the heap and keeps its pages after being freed, unless the threshold
# was fixed first. A fresh interpreter, so no earlier test decides the allocator's state.
SCRIPT = """
import sys
import numpy as np
from tsdata.imports.memory import allocator_threshold_fix

def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096

if sys.argv[1] == "fix":
    assert allocator_threshold_fix()
big = np.ones(16 << 20, np.uint8)
del big
before = rss()
array = np.ones(8 << 20, np.uint8)
del array
print(rss() - before)
"""


def _kept_after_free(mode: str) -> int:
    result = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True,
                            text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    return int(result.stdout)


def test_large_arrays_are_given_back_once_the_threshold_is_fixed():
    assert _kept_after_free("fix") < 1 << 20


def test_collector_frozen_keeps_earlier_objects_out_of_collections_for_the_block():
    import gc

    from tsdata.imports.memory import collector_frozen

    gc.unfreeze()
    with collector_frozen():
        assert gc.get_freeze_count() > 1000  # the objects of the loaded modules
    assert gc.get_freeze_count() == 0
