"""Small helpers that keep hot paths fast, shared by the loader and the tokenizers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while many small objects are created.

    Building a model, or the lists of a 10,000-sentence batch, creates enough objects to trigger full
    collections over everything torch imported: tens of milliseconds spent finding no garbage. The objects
    are freed normally; only the hunt for reference cycles waits until the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
