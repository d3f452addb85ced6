"""The server's garbage-collector settings."""

from __future__ import annotations

import gc

from services.runtime import GC_YOUNG_THRESHOLD, tune_garbage_collector


def test_the_server_collects_young_objects_less_often_and_freezes_its_start_up() -> None:
    before = gc.get_threshold()
    try:
        tune_garbage_collector()
        young, middle, old = gc.get_threshold()
        assert young == GC_YOUNG_THRESHOLD > before[0]
        assert (middle, old) == before[1:]
        assert gc.get_freeze_count() > 0
        # Cycles are still collected.
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
