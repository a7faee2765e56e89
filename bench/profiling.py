"""Optional cProfile capture of one measured step (`--profile DIR`)."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def profiled(directory: str | None, name: str) -> Iterator[None]:
    """Profile the block when `directory` is set: NAME.prof for snakeviz/pstats, and NAME.txt
    with the application's functions by cumulative time and the hottest functions overall."""
    if directory is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(out / f"{name}.prof")
        with (out / f"{name}.txt").open("w") as fh:
            stats = pstats.Stats(profiler, stream=fh)
            fh.write(f"== {name}: application functions by cumulative time\n")
            stats.sort_stats("cumulative").print_stats(r"/app/", 40)
            fh.write(f"== {name}: all functions by own time\n")
            stats.sort_stats("tottime").print_stats(30)
