"""Compare communities: activity counts per category and indicator values per group, as pandas DataFrames.

``load(paths)`` reads report files (extracting them) or one SQLite database written by ``reportminer
extract``; ``long_values(corpus, by)`` gives one row per group, column kind and modality; ``pivot`` turns
that into one row per group (the communities, by default) with the categories' activity counts and the
indicators' achieved values, each target beside its achieved value.

Rows: ``by`` is org (the reporting organisation), place, doc or year. A document without one falls back
to its own id, marked ``(doc) <doc id>``, so that nothing is pooled under a blank name. Values within a
row: counts and amounts are summed (within one source line only the largest figure of an indicator counts:
a total and its parts, or a restatement, are one claim), rates (%) and per-head levels are averaged (mean
of the figures), standing facts (staff, population, area) take the largest figure; see
nlp/data/indicators.tsv, column agg.
"""
from __future__ import annotations

import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Sequence

from ..nlp.errors import ReportminerError
from .indicators import Indicator, by_id, indicator_of, indicator_value, indicators, lookup, pivot_modality

BY = ("org", "place", "doc", "year")
FALLBACK_MARK = "(doc) "
AGG_NOTE = {"sum": "summed", "mean": "averaged", "max": "largest"}


class CompareError(ReportminerError):
    """A comparison that cannot be made (an unknown indicator or category, a bad grouping)."""


@dataclass
class Corpus:
    """The records of a set of reports, with every audit finding (per file and across files)."""

    extractions: list[Any]
    source: str = ""
    findings: list[Any] = field(default_factory=list)

    @property
    def documents(self) -> list[Any]:
        return [d for e in self.extractions for d in e.documents]

    @property
    def figures(self) -> list[Any]:
        return [f for e in self.extractions for f in e.figures]

    @property
    def activities(self) -> list[Any]:
        return [a for e in self.extractions for a in e.activities]

    @property
    def errors(self) -> list[Any]:
        return [r for e in self.extractions for r in e.errors]


def load(paths: Sequence[str], jobs: int = 1, findings: bool = True) -> Corpus:
    """Records of report files and folders, or of one SQLite database written by ``reportminer extract``.

    With ``findings`` every audit finding is computed (extractors/audit.py: per file and across files).
    """
    from .audit import audit
    from .pipeline import extract_paths
    from .stored import is_sqlite, read_sqlite

    if len(paths) == 1 and is_sqlite(paths[0]):
        extractions = list(read_sqlite(paths[0]))
        source = os.fspath(paths[0])
    else:
        extractions = list(extract_paths(paths, jobs=jobs, audit=False))
        source = ", ".join(paths)
    return Corpus(extractions, source, audit(extractions) if findings else [])


# --------------------------------------------------------------------------- groups


def group_of(document: Any, by: str = "org") -> tuple[str, bool]:
    """The row a document belongs to and whether that is its own id (no org, place or year to go by)."""
    if by not in BY:
        raise CompareError(f"unknown grouping {by!r}; choose from {', '.join(BY)}")
    if by == "doc":
        return document.doc, False
    value = getattr(document, by, None)
    if value in (None, ""):
        return FALLBACK_MARK + document.doc, True
    return str(value), False


def groups(documents: Iterable[Any], by: str = "org") -> dict[tuple[str, str], tuple[str, bool]]:
    """(file, doc) → (group label, fallback) for every document."""
    return {(d.file, d.doc): group_of(d, by) for d in documents}


# --------------------------------------------------------------------------- selection


def select_indicators(names: Sequence[str] = (), categories: Sequence[str] = ()) -> list[Indicator]:
    """Indicators by id or 中文名 (all when none is given), restricted to ``categories`` when given."""
    _check_categories(categories)
    if names:
        chosen = []
        for name in names:
            found = lookup(name)
            if found is None:
                raise CompareError(f"unknown indicator {name!r}; `reportminer indicators` lists them")
            chosen.append(found)
    else:
        chosen = list(indicators())
    return [i for i in chosen if not categories or i.category in categories]


def _check_categories(categories: Sequence[str]) -> None:
    from ..nlp.classify import category_ids

    unknown = [c for c in categories if c not in category_ids()]
    if unknown:
        raise CompareError(f"unknown category {', '.join(unknown)}; choose from {', '.join(category_ids())}")


# --------------------------------------------------------------------------- long values


LONG_COLUMNS = ["group", "is_doc", "kind", "key", "name", "unit", "agg", "modality", "value", "figures"]


def long_values(corpus: Corpus, by: str = "org", indicator_names: Sequence[str] = (),
                categories: Sequence[str] = (), activities: bool | None = None):
    """One row per group, kind (activities, indicator), key and modality: the numbers behind the pivot.

    ``activities`` (default: when no indicator is named, or when categories are) adds the activity counts
    per category; ``figures`` is how many figures (or activities) the value comes from.
    """
    import pandas as pd

    from ..nlp.classify import taxonomy

    chosen = {i.id: i for i in select_indicators(indicator_names, categories)}
    if activities is None:
        activities = not indicator_names or bool(categories)
    label_of = groups(corpus.documents, by)
    rows: list[dict[str, Any]] = []
    if activities:
        zh = {c.id: c.zh for c in taxonomy()}
        counts: dict[tuple[str, bool, str], int] = defaultdict(int)
        for activity in corpus.activities:
            if categories and activity.category not in categories:
                continue
            label, fallback = label_of.get((activity.file, activity.doc), (FALLBACK_MARK + activity.doc, True))
            counts[(label, fallback, activity.category)] += 1
        for (label, fallback, category), count in counts.items():
            rows.append({"group": label, "is_doc": fallback, "kind": "activities", "key": category,
                         "name": zh.get(category, category), "unit": "句", "agg": "sum", "modality": "count",
                         "value": count, "figures": count})
    # (group, fallback, indicator, modality) → (file, line) → values in the indicator's unit
    values: dict[tuple[str, bool, str, str], dict[tuple[str, int], list[Decimal]]] = defaultdict(
        lambda: defaultdict(list))
    for figure in corpus.figures:
        indicator = indicator_of(figure)
        if indicator is None or indicator.id not in chosen:
            continue
        modality = pivot_modality(figure.modality, indicator)
        if modality is None:
            continue
        label, fallback = label_of.get((figure.file, figure.doc), (FALLBACK_MARK + figure.doc, True))
        values[(label, fallback, indicator.id, modality)][(figure.file, figure.line)].append(
            Decimal(str(indicator_value(figure, indicator))))
    for (label, fallback, ident, modality), lines in values.items():
        indicator = chosen[ident]
        rows.append({"group": label, "is_doc": fallback, "kind": "indicator", "key": ident, "name": indicator.zh,
                     "unit": indicator.unit, "agg": indicator.agg, "modality": modality,
                     "value": aggregate(list(lines.values()), indicator.agg),
                     "figures": sum(len(numbers) for numbers in lines.values())})
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def aggregate(lines: Sequence[Sequence[Decimal | float | int]], agg: str) -> float | int:
    """The value of a cell from its figures' values, grouped by source line, exact in decimal.

    sum: the largest value of each line, summed over lines (within one line, figures of one indicator are a
    total and its parts, or a restatement: `接种9870剂次，其中一类疫苗7650剂次`, `新建3126份，累计2.56万份`);
    mean: the mean of every value; max: the largest value.
    """
    groups = [[Decimal(str(n)) for n in numbers] for numbers in lines if len(numbers)]
    if not groups:
        raise CompareError("no values to aggregate")
    every = [n for numbers in groups for n in numbers]
    if agg == "sum":
        total = sum((max(numbers) for numbers in groups), Decimal(0))
    elif agg == "mean":
        total = sum(every, Decimal(0)) / len(every)
    elif agg == "max":
        total = max(every)
    else:
        raise CompareError(f"unknown aggregate {agg!r}")
    return plain(total)


def plain(value: Decimal | float | int) -> float | int:
    """A number as an int when whole, else a float rounded to 4 decimals."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return int(number)
    return float(round(number, 4))


# --------------------------------------------------------------------------- pivot


@dataclass(frozen=True)
class Column:
    """A value column of the pivot: what it holds and how it is named."""

    kind: str  # activities | indicator
    key: str  # category id or indicator id
    modality: str  # count | achieved | target
    zh: str
    unit: str
    agg: str

    @property
    def key_category(self) -> str:
        """The taxonomy category of the column (of its indicator, for indicator columns)."""
        return self.key if self.kind == "activities" else by_id()[self.key].category

    @property
    def name(self) -> str:
        """The column name in files and databases: `activities:<category>`, `<indicator> [unit]`, `… target`."""
        if self.kind == "activities":
            return f"activities:{self.key}"
        unit = self.unit + (", mean" if self.agg == "mean" else ", max" if self.agg == "max" else "")
        return f"{self.key}{' target' if self.modality == 'target' else ''} [{unit}]"

    @property
    def zh_name(self) -> str:
        """The column heading in text: `健康教育` (activities), `健康讲座(场)`, `目标`."""
        if self.kind == "activities":
            return f"{self.zh}"
        return "目标" if self.modality == "target" else f"{self.zh}({self.unit})"


def columns_of(long) -> list[Column]:
    """The value columns present in a long table, in taxonomy then indicator-table order."""
    from ..nlp.classify import category_ids

    order = {c: i for i, c in enumerate(category_ids())}
    table = {i.id: i for i in indicators()}
    present = {(row.kind, row.key, row.modality) for row in long.itertuples()}
    cols: list[Column] = []
    zh = {c: n for c, n in zip(long["key"], long["name"])}
    for category in sorted({k for kind, k, _ in present if kind == "activities"}, key=lambda c: order.get(c, 99)):
        cols.append(Column("activities", category, "count", zh[category], "句", "sum"))
    for indicator in indicators():
        if not any(kind == "indicator" and key == indicator.id for kind, key, _ in present):
            continue
        for modality in ("achieved", "target"):
            if ("indicator", indicator.id, modality) in present or modality == "achieved":
                cols.append(Column("indicator", indicator.id, modality, table[indicator.id].zh, indicator.unit,
                                   indicator.agg))
    return cols


def pivot(corpus: Corpus, by: str = "org", indicator_names: Sequence[str] = (), categories: Sequence[str] = (),
          activities: bool | None = None, names: str = "id"):
    """One row per group (in the order the documents come): group, is_doc, documents, docs, then the value
    columns (activity counts per category; each indicator's achieved value with its target beside it).

    ``names`` is `id` (column names for files and databases, ``Column.name``) or `zh` (headings for text).
    Activity counts are 0 where a group has none; an indicator value is missing (NaN) where no figure gave one.
    """
    import pandas as pd

    long = long_values(corpus, by, indicator_names, categories, activities)
    order: dict[str, dict[str, Any]] = {}
    for document in corpus.documents:
        label, fallback = group_of(document, by)
        entry = order.setdefault(label, {"group": label, "is_doc": fallback, "documents": 0, "docs": []})
        entry["documents"] += 1
        entry["docs"].append(document.doc)
    cells = {(row.group, row.kind, row.key, row.modality): row.value for row in long.itertuples()}
    cols = columns_of(long)
    rows = []
    for label, entry in order.items():
        row = {"group": label, "is_doc": entry["is_doc"], "documents": entry["documents"],
               "docs": "; ".join(entry["docs"])}
        for col in cols:
            value = cells.get((label, col.kind, col.key, col.modality))
            if value is None and col.kind == "activities":
                value = 0
            row[column_name(col, names)] = math.nan if value is None else value
        rows.append(row)
    head = ["group", "is_doc", "documents", "docs"]
    frame = pd.DataFrame(rows, columns=head + [column_name(c, names) for c in cols])
    frame.attrs["columns"] = cols
    frame.attrs["by"] = by
    return frame


def column_name(col: Column, names: str = "id") -> str:
    """A column's name: ``Column.name`` (`id`), or a text heading (`zh`) where a target names its
    indicator so that headings stay unique (`健康讲座·目标`)."""
    if names == "id":
        return col.name
    return f"{col.zh}·目标" if col.modality == "target" else col.zh_name


def note(frame) -> str:
    """What the numbers of a pivot are: how values add up and which rows stand for a single document."""
    cols: list[Column] = frame.attrs.get("columns", [])
    used = sorted({c.agg for c in cols if c.kind == "indicator"}, key=["sum", "mean", "max"].index)
    parts = ["activities: sentences per category"]
    wording = {"sum": "counts and amounts are summed (within one line, the largest figure: a total and its parts "
                      "count once)", "mean": "rates (%) and per-head levels are averaged",
               "max": "standing facts (staff, population, area) take the largest figure"}
    parts += [wording[a] for a in used]
    if frame.attrs.get("by") != "doc" and "is_doc" in frame and frame["is_doc"].any():
        what = {"org": "organisation", "place": "place", "year": "year"}.get(frame.attrs.get("by"), "name")
        parts.append(f"rows marked {FALLBACK_MARK.strip()} are documents that name no {what}")
    return "; ".join(parts) + "."
