"""Read back what ``reportminer extract`` wrote to SQLite: one ``Extraction`` per input file, records rebuilt.

``reportminer audit DB`` audits a database without the source files. The per-file findings come from the
database's ``findings`` table when it has one; an older database without it has them recomputed from the
body lines, which are rebuilt from the activities (each activity is a sentence with its raw offsets).
"""
from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from collections import defaultdict
from typing import Any, Iterator

from ..nlp.chinese_script import is_traditional
from ..nlp.errors import ReportminerError
from ..nlp.normalise import normalise_line
from .activities import Activity
from .audit import CORPUS_CHECKS, Finding, body_line_texts, line_findings
from .documents import DocumentRecord
from .figures import Figure
from .pipeline import ErrorRecord, Extraction
from .sections import Section

SQLITE_MAGIC = b"SQLite format 3\x00"


class StoredError(ReportminerError):
    """A database that cannot be read as reportminer output."""


def is_sqlite(path: str | os.PathLike) -> bool:
    """Tell whether a path is an SQLite database file (by its header, not its name)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _build(cls: type, row: dict[str, Any]) -> Any:
    """A record from a table row: known fields only, missing ones None, JSON lists back to tuples."""
    values = {}
    for field in dataclasses.fields(cls):
        value = row.get(field.name)
        if isinstance(value, str) and "tuple" in str(field.type) and value.startswith("["):
            value = tuple(json.loads(value))
        if field.name in row or field.default is dataclasses.MISSING:
            values[field.name] = value
    return cls(**values)


def _table(db: sqlite3.Connection, name: str) -> list[dict[str, Any]]:
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
    if not exists:
        return []
    cursor = db.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def read_sqlite(path: str | os.PathLike) -> Iterator[Extraction]:
    """One Extraction per file recorded in the database, in the order the files were written."""
    try:
        db = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise StoredError(f"{path}: {error}") from error
    try:
        tables = {name: _table(db, name) for name in
                  ("documents", "sections", "figures", "activities", "findings", "errors")}
        has_findings = bool(db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='findings'").fetchone())
    except sqlite3.Error as error:
        raise StoredError(f"{path}: not a reportminer database ({error})") from error
    finally:
        db.close()
    if not tables["documents"] and not tables["errors"]:
        raise StoredError(f"{path}: no documents table: not written by `reportminer extract`")
    kinds = {"documents": DocumentRecord, "sections": Section, "figures": Figure, "activities": Activity,
             "findings": Finding, "errors": ErrorRecord}
    by_file: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for name, rows in tables.items():
        for row in rows:
            by_file[row.get("file") or ""][name].append(_build(kinds[name], row))
    for file, records in by_file.items():
        findings = [f for f in records["findings"] if f.check not in CORPUS_CHECKS]
        if not has_findings:
            findings = _recompute(file, records)
        yield Extraction(file=file, documents=tuple(records["documents"]), sections=tuple(records["sections"]),
                         figures=tuple(records["figures"]), activities=tuple(records["activities"]),
                         findings=tuple(findings), errors=tuple(records["errors"]),
                         extra={"source": os.fspath(path)})


def _recompute(file: str, records: dict[str, list[Any]]) -> list[Finding]:
    """Per-file findings from lines rebuilt from the activities (and the title as stored)."""
    texts = body_line_texts(records["activities"])
    traditional = is_traditional("".join(texts.values())[:20000])
    figures_by_doc: dict[str, list[Any]] = defaultdict(list)
    for figure in records["figures"]:
        figures_by_doc[figure.doc].append(figure)
    findings: list[Finding] = []
    for document in records["documents"]:
        lines = [normalise_line(text, number, traditional)
                 for (doc, number), text in sorted(texts.items(), key=lambda item: item[0][1])
                 if doc == document.doc]
        if document.title:
            lines.insert(0, normalise_line(document.title, document.line, traditional))
        findings.extend(line_findings(document.doc, file, lines, figures_by_doc[document.doc]))
    return findings
