"""Timing helpers, figures with targets, and the result table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile (with few samples, p95 is the largest)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Figure:
    """One measured figure against its target."""

    name: str
    unit: str
    median: float
    p95: float | None = None
    n: int = 1
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""
    cpu: float | None = None  # median CPU time of this process, same unit

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        if self.higher_is_better:
            return self.median >= self.target
        return self.median <= self.target

    @property
    def verdict(self) -> str:
        return {None: "-", True: "pass", False: "MISS"}[self.passed]

    def target_text(self) -> str:
        if self.target is None:
            return ""
        sign = ">=" if self.higher_is_better else "<="
        return f"{sign} {_num(self.target)} {self.unit}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "n": self.n,
            "median": round(self.median, 3),
            "p95": None if self.p95 is None else round(self.p95, 3),
            "cpu_median": None if self.cpu is None else round(self.cpu, 3),
            "target": self.target,
            "higher_is_better": self.higher_is_better,
            "result": self.verdict,
            "note": self.note,
        }


def timing_figure(
    name: str,
    samples_ms: list[float],
    target_ms: float | None,
    note: str = "",
    cpu_ms: list[float] | None = None,
) -> Figure:
    return Figure(
        name=name,
        unit="ms",
        median=statistics.median(samples_ms),
        p95=percentile(samples_ms, 95),
        n=len(samples_ms),
        target=target_ms,
        note=note,
        cpu=statistics.median(cpu_ms) if cpu_ms else None,
    )


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render_table(figures: list[Figure], title: str) -> str:
    header = ("figure", "n", "median", "p95", "cpu", "target", "result", "note")
    rows = [
        (
            f.name,
            str(f.n),
            f"{_num(f.median)} {f.unit}",
            "" if f.p95 is None else f"{_num(f.p95)} {f.unit}",
            "" if f.cpu is None else f"{_num(f.cpu)} {f.unit}",
            f.target_text(),
            f.verdict,
            f.note,
        )
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {1, 2, 3, 4}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [title, line(header), line(tuple("-" * w for w in widths))]
    out.extend(line(r) for r in rows)
    return "\n".join(out)
