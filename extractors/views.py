"""SQL views over the SQLite database written by ``reportminer extract``, for BI tools and SQL clients.

A BI tool (Datasette, Metabase, Superset, Excel's ODBC, DBeaver …) reads these views as tables:

* ``community_documents``: documents with their community (org, or ``(doc) <doc id>`` when none is named)
* ``figure_details``: every figure with its document (title, kind, year, org, place, community) and its
  indicator (id, 中文名, unit, aggregate, the value in the indicator's unit, the column it feeds)
* ``indicator_values``: per community, indicator and modality, the value the compare pivot shows
  (summed over lines with each line's largest figure, averaged, or largest, as nlp/data/indicators.tsv
  says) and how many figures it comes from
* ``category_counts``: activities (sentences) per community and taxonomy category
* ``finding_details``: every audit finding with its document, community and the text of its source line
* ``document_findings``: per document, how many findings of each severity

The indicator of a figure is found by regex in Python (extractors/indicators.py), so ``create_views``
also writes two small tables the views join: ``indicators`` (the table of nlp/data/indicators.tsv) and
``metric_indicators`` (each distinct metric and unit of the figures that has an indicator, with the
factor to the indicator's unit). Call it after the figures are written (again after every run: it
rebuilds both tables and the views, so it is safe to repeat).
"""
from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

from .indicators import factor, indicators, match

COMMUNITY = "COALESCE(NULLIF(d.org, ''), '(doc) ' || {doc})"

VIEWS: list[str] = [
    f"""CREATE VIEW IF NOT EXISTS community_documents AS
SELECT d.*, {COMMUNITY.format(doc="d.doc")} AS community, (d.org IS NULL OR d.org = '') AS community_is_doc
FROM documents AS d""",
    f"""CREATE VIEW IF NOT EXISTS figure_details AS
SELECT f.file, f.line, f.doc, f.text, f.start, f."end", f.value, f.value_max, f.unit, f.qualifier,
       f.modality, f.metric, f.category, f.section,
       d.title, d.kind, d.year, d.org, d.place, {COMMUNITY.format(doc="f.doc")} AS community,
       m.indicator, i.zh AS indicator_zh, i.unit AS indicator_unit, i.agg AS indicator_agg,
       i.category AS indicator_category,
       CASE WHEN m.indicator IS NULL THEN NULL WHEN m.factor = 1 THEN f.value
            ELSE ROUND(f.value * m.factor, 8) END AS indicator_value,
       CASE WHEN m.indicator IS NULL THEN NULL
            WHEN f.modality = 'target' THEN 'target'
            WHEN f.modality = 'achieved' OR (f.modality = 'context' AND i.agg = 'max') THEN 'achieved'
       END AS pivot_modality
FROM figures AS f
LEFT JOIN documents AS d ON d.doc = f.doc AND d.file = f.file
LEFT JOIN metric_indicators AS m ON m.metric = f.metric AND m.unit = f.unit
LEFT JOIN indicators AS i ON i.id = m.indicator""",
    """CREATE VIEW IF NOT EXISTS indicator_values AS
SELECT community, indicator, indicator_zh, indicator_unit, indicator_category, modality,
       CASE aggregate WHEN 'mean' THEN CAST(SUM(line_sum) AS REAL) / SUM(line_figures) WHEN 'max' THEN MAX(line_max)
            ELSE SUM(line_max) END AS value,
       aggregate, SUM(line_figures) AS figures, COUNT(DISTINCT doc) AS documents
FROM (SELECT community, file, doc, line, indicator, indicator_zh, indicator_unit, indicator_category,
             pivot_modality AS modality, indicator_agg AS aggregate, MAX(indicator_value) AS line_max,
             SUM(indicator_value) AS line_sum, COUNT(*) AS line_figures
      FROM figure_details
      WHERE indicator IS NOT NULL AND pivot_modality IS NOT NULL
      GROUP BY community, file, doc, line, indicator, pivot_modality)
GROUP BY community, indicator, modality""",
    f"""CREATE VIEW IF NOT EXISTS category_counts AS
SELECT {COMMUNITY.format(doc="a.doc")} AS community, a.category, COUNT(*) AS activities,
       COUNT(DISTINCT a.doc) AS documents
FROM activities AS a
LEFT JOIN documents AS d ON d.doc = a.doc AND d.file = a.file
GROUP BY community, a.category""",
    f"""CREATE VIEW IF NOT EXISTS finding_details AS
SELECT x.file, x.line, x.doc, x."check", x.severity, x.message, x.start, x."end", x.rule, x.detail,
       d.title, d.kind, d.year, d.org, {COMMUNITY.format(doc="x.doc")} AS community,
       COALESCE((SELECT group_concat(t.text, '') FROM
                   (SELECT a.text FROM activities AS a WHERE a.file = x.file AND a.line = x.line
                    ORDER BY a.start) AS t),
                CASE WHEN x.line = d.line THEN d.title END) AS line_text
FROM findings AS x
LEFT JOIN documents AS d ON d.doc = x.doc AND d.file = x.file""",
    f"""CREATE VIEW IF NOT EXISTS document_findings AS
SELECT d.file, d.doc, d.title, d.kind, d.year, {COMMUNITY.format(doc="d.doc")} AS community,
       COUNT(CASE WHEN x.severity = 'error' THEN 1 END) AS errors,
       COUNT(CASE WHEN x.severity = 'warning' THEN 1 END) AS warnings,
       COUNT(CASE WHEN x.severity = 'info' THEN 1 END) AS infos,
       COUNT(x.severity) AS findings
FROM documents AS d
LEFT JOIN findings AS x ON x.doc = d.doc AND x.file = d.file
GROUP BY d.file, d.doc""",
]

VIEW_NAMES = ("community_documents", "figure_details", "indicator_values", "category_counts", "finding_details",
              "document_findings")


def _record_columns() -> dict[str, list[str]]:
    """The columns ``reportminer extract`` gives each table the views read (the record fields, in order)."""
    from .activities import Activity
    from .audit import Finding
    from .documents import DocumentRecord
    from .figures import Figure

    return {name: [f.name for f in dataclasses.fields(cls)] for name, cls in
            (("documents", DocumentRecord), ("figures", Figure), ("activities", Activity), ("findings", Finding))}


def _quoted(names: list[str]) -> str:
    return ", ".join('"' + name.replace('"', '""') + '"' for name in names)


def create_views(connection: sqlite3.Connection) -> None:
    """Write the indicator tables and (re)create the views, in one transaction (a savepoint, so that it
    works on a connection in any transaction mode, and inside a transaction the caller holds).

    A table the views read that a run did not write (no findings at all) is created empty with the
    columns ``reportminer extract`` would give it, so that every view can be read.
    """
    outside = not connection.in_transaction
    connection.execute("SAVEPOINT create_views")
    try:
        _create(connection)
    except BaseException:
        connection.execute("ROLLBACK TO create_views")
        connection.execute("RELEASE create_views")
        raise
    connection.execute("RELEASE create_views")
    if outside and connection.in_transaction:
        connection.commit()


def _create(connection: sqlite3.Connection) -> None:
    for name, columns in _record_columns().items():
        connection.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({_quoted(columns)})')
    connection.execute("DROP TABLE IF EXISTS metric_indicators")
    connection.execute("DROP TABLE IF EXISTS indicators")
    connection.execute("CREATE TABLE indicators (id TEXT PRIMARY KEY, zh TEXT, unit TEXT, units TEXT, agg TEXT, "
                       "category TEXT, patterns TEXT, exclude TEXT, position INTEGER)")
    connection.executemany(
        "INSERT INTO indicators VALUES (:id, :zh, :unit, :units, :agg, :category, :patterns, :exclude, :position)",
        [indicator.to_dict() for indicator in indicators()])
    connection.execute("CREATE TABLE metric_indicators (metric TEXT, unit TEXT, indicator TEXT, factor REAL, "
                       "PRIMARY KEY (metric, unit))")
    pairs = connection.execute(
        "SELECT DISTINCT metric, unit FROM figures WHERE metric IS NOT NULL AND unit IS NOT NULL").fetchall()
    rows: list[tuple[Any, ...]] = []
    for metric, unit in pairs:
        indicator = match(metric, unit)
        if indicator is not None:
            rows.append((metric, unit, indicator.id, float(factor(unit, indicator))))
    connection.executemany("INSERT INTO metric_indicators VALUES (?, ?, ?, ?)", rows)
    for name in VIEW_NAMES:
        connection.execute(f'DROP VIEW IF EXISTS "{name}"')
    for statement in VIEWS:
        connection.execute(statement)
