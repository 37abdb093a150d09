"""Canonical indicators: which figures measure the same thing, so that reports compare (issue 6).

The table is data (nlp/data/indicators.tsv): an indicator has an id, a 中文名, the unit its values are
reported in, the figure units it accepts, how values add up within a group (sum, mean, max), its taxonomy
category, and regex patterns matched against a figure's metric. ``match(metric, unit)`` gives the
indicator of a metric and unit, or None: the metric then stays raw, and ``unmatched`` counts those
metrics so that users can extend the table.
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

import regex

from ..nlp.chinese_script import to_simplified
from ..nlp.resources import data_table

AGGREGATES = ("sum", "mean", "max")
# A metric that carries a frequency (`每月`, `每季度至少随访`, `每两个月更换`) states how often, not how
# many: it is never a count to add up.
_FREQUENCY = regex.compile(r"每(?:[年月周日天季]|季度|个月|半年|[两二三四五六\d]+个?[月周年]|学期|次)")
# Factors from a figure's canonical unit to an indicator's reporting unit (others are 1: 场 次 期 are
# counted alike).
_FACTORS: dict[tuple[str, str], Decimal] = {
    ("元", "万元"): Decimal("0.0001"),
    ("元", "亿元"): Decimal("0.00000001"),
    ("公斤", "吨"): Decimal("0.001"),
    ("斤", "吨"): Decimal("0.0005"),
    ("克", "吨"): Decimal("0.000001"),
    ("吨", "公斤"): Decimal("1000"),
    ("斤", "公斤"): Decimal("0.5"),
    ("克", "公斤"): Decimal("0.001"),
    ("公里", "米"): Decimal("1000"),
    ("公顷", "平方米"): Decimal("10000"),
    ("亩", "平方米"): Decimal("666.6667"),
}


@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of indicators.tsv."""

    id: str
    zh: str
    unit: str
    units: tuple[str, ...]
    agg: str
    category: str
    patterns: regex.Pattern
    exclude: regex.Pattern | None
    examples: tuple[tuple[str, str], ...]
    order: int

    @property
    def label(self) -> str:
        """`中文名 (unit)`, the heading of its columns."""
        return f"{self.zh} ({self.unit})"

    def to_dict(self) -> dict[str, Any]:
        """The row as plain values (what the database's `indicators` table holds)."""
        return {"id": self.id, "zh": self.zh, "unit": self.unit, "units": ",".join(self.units), "agg": self.agg,
                "category": self.category, "patterns": self.patterns.pattern,
                "exclude": self.exclude.pattern if self.exclude else None, "position": self.order}


class IndicatorTableError(ValueError):
    """indicators.tsv has a row that cannot be used."""


@functools.cache
def indicators() -> tuple[Indicator, ...]:
    """Every indicator, in table order (data: indicators.tsv); the table is checked as it is read."""
    from ..nlp.classify import category_ids

    known = set(category_ids())
    out: list[Indicator] = []
    seen: set[str] = set()
    for order, row in enumerate(data_table("indicators.tsv")):
        ident = (row.get("id") or "").strip()
        if not ident or ident in seen:
            raise IndicatorTableError(f"indicators.tsv: missing or repeated id {ident!r}")
        seen.add(ident)
        if row.get("agg") not in AGGREGATES:
            raise IndicatorTableError(f"indicators.tsv: {ident}: agg must be one of {', '.join(AGGREGATES)}")
        if row.get("category") not in known:
            raise IndicatorTableError(f"indicators.tsv: {ident}: unknown category {row.get('category')!r}")
        try:
            patterns = regex.compile(row["patterns"])
            exclude = regex.compile(row["exclude"]) if row.get("exclude") else None
        except (regex.error, TypeError) as error:
            raise IndicatorTableError(f"indicators.tsv: {ident}: bad pattern: {error}") from error
        examples = tuple(tuple(item.rsplit("@", 1)) for item in (row.get("examples") or "").split(";") if "@" in item)
        out.append(Indicator(ident, row["zh"], row["unit"], tuple(u.strip() for u in row["units"].split(",")),
                             row["agg"], row["category"], patterns, exclude, examples, order))  # type: ignore[arg-type]
    return tuple(out)


@functools.cache
def by_id() -> dict[str, Indicator]:
    """Indicators by id."""
    return {indicator.id: indicator for indicator in indicators()}


def lookup(name: str) -> Indicator | None:
    """An indicator by id or by 中文名."""
    found = by_id().get(name)
    if found is None:
        found = next((i for i in indicators() if i.zh == name), None)
    return found


@functools.cache
def match(metric: str | None, unit: str | None) -> Indicator | None:
    """The indicator of a figure's metric and unit, or None (the metric stays raw).

    Among the indicators that accept the unit and whose pattern matches the metric (and whose exclude does
    not), the longest match wins, then the first in the table. Frequencies match no summed indicator.
    Traditional metrics and units are matched in Simplified form.
    """
    if not metric or not unit:
        return None
    metric = to_simplified(metric)  # metrics of Traditional reports are kept as written: 中醫診療
    unit = to_simplified(unit)
    frequency = bool(_FREQUENCY.search(metric))
    best: tuple[int, int, Indicator] | None = None
    for indicator in indicators():
        if unit not in indicator.units or (frequency and indicator.agg == "sum"):
            continue
        found = max((m.end() - m.start() for m in indicator.patterns.finditer(metric, overlapped=True)), default=0)
        if not found or (indicator.exclude is not None and indicator.exclude.search(metric)):
            continue
        key = (found, -indicator.order)
        if best is None or key > best[:2]:
            best = (found, -indicator.order, indicator)
    return best[2] if best else None


def indicator_of(figure: Any) -> Indicator | None:
    """The indicator of a figure (a Figure record or anything with metric and unit)."""
    return match(getattr(figure, "metric", None), getattr(figure, "unit", None))


def factor(unit: str | None, indicator: Indicator) -> Decimal:
    """The factor that turns a value in ``unit`` into the indicator's unit."""
    return _FACTORS.get((unit or "", indicator.unit), Decimal(1))


def indicator_value(figure: Any, indicator: Indicator) -> float:
    """A figure's value in the indicator's unit (the lower end of a range: the number as stated)."""
    value = Decimal(str(figure.value)) * factor(figure.unit, indicator)
    return float(value)


def pivot_modality(modality: str | None, indicator: Indicator) -> str | None:
    """Which column a figure feeds: `achieved` or `target`; a `context` figure (a standing fact) counts as
    achieved only for indicators of standing facts (agg max), and is left out otherwise."""
    if modality == "target":
        return "target"
    if modality == "achieved" or (modality == "context" and indicator.agg == "max"):
        return "achieved"
    return None


def unmatched(figures: Iterable[Any]) -> Counter:
    """(metric, unit) → number of figures that no indicator takes (metric None counts as `(no metric)`)."""
    counts: Counter = Counter()
    for figure in figures:
        if indicator_of(figure) is None:
            counts[(figure.metric or "(no metric)", figure.unit or "")] += 1
    return counts
