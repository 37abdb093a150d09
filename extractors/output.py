"""Write extracted records as tables: SQLite (default), JSON Lines, CSV or Parquet, streamed file by file."""
from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from ..nlp.errors import ReportminerError

FORMATS = ("sqlite", "jsonl", "csv", "parquet")


class OutputError(ReportminerError):
    """The output could not be written (a missing extra, a path that is not a folder …)."""


_INT64_MAX = 2**63 - 1


def _fits(value: Any) -> Any:
    """An int too large for SQLite or Parquet integers is kept as a float rather than crashing the run."""
    return float(value) if isinstance(value, int) and not -_INT64_MAX <= value <= _INT64_MAX else value


def _rows(records: Iterable[Any]) -> list[dict[str, Any]]:
    rows = (record if isinstance(record, dict) else record.to_dict() for record in records)
    return [{key: _fits(value) for key, value in row.items()} for row in rows]


class Writer:
    """Accept tables of records batch by batch and write them; ``close`` finishes the output."""

    def __init__(self, out: str | os.PathLike, fmt: str) -> None:
        if fmt not in FORMATS:
            raise OutputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        self.out = Path(out)
        self.fmt = fmt
        self.counts: dict[str, int] = {}
        self._files: dict[str, Any] = {}
        self._csv: dict[str, csv.DictWriter] = {}
        self._parquet: dict[str, list[dict[str, Any]]] = {}
        self._db: sqlite3.Connection | None = None
        self._columns: dict[str, list[str]] = {}
        if fmt == "sqlite":
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.out)
        else:
            if self.out.exists() and not self.out.is_dir():
                raise OutputError(f"{self.out}: --format {fmt} writes one file per table into a folder")
            self.out.mkdir(parents=True, exist_ok=True)
            if fmt == "parquet":
                try:
                    import pyarrow  # noqa: F401
                except ImportError as error:
                    raise OutputError("--format parquet needs the optional extra: pip install 'reportminer[parquet]'") from error

    def write(self, tables: dict[str, Iterable[Any]]) -> None:
        """Write one batch (usually one file's records); for SQLite, in one transaction."""
        if self._db is not None:
            batch = {name: _rows(records) for name, records in tables.items()}
            files = {row["file"] for rows in batch.values() for row in rows if "file" in row}
            with self._db:
                self._forget(files)
                for name, rows in batch.items():
                    self._sqlite(name, rows)
            return
        for name, records in tables.items():
            rows = _rows(records)
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            if self.fmt == "jsonl":
                handle = self._open(name, "jsonl")
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            elif self.fmt == "csv":
                self._csv_rows(name, rows)
            else:
                self._parquet.setdefault(name, []).extend(rows)

    def _open(self, name: str, suffix: str):
        if name not in self._files:
            self._files[name] = open(self.out / f"{name}.{suffix}", "w", encoding="utf-8", newline="")
        return self._files[name]

    def _csv_rows(self, name: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if name not in self._csv:
            self._csv[name] = csv.DictWriter(self._open(name, "csv"), fieldnames=list(rows[0]))
            self._csv[name].writeheader()
        self._csv[name].writerows(rows)

    def _forget(self, files: set[str]) -> None:
        """Delete earlier rows of these files, so that extracting a file again replaces it."""
        assert self._db is not None
        tables = [row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = {row[1] for row in self._db.execute(f'PRAGMA table_info("{table}")')}
            if "file" in columns and files:
                marks = ", ".join("?" for _ in files)
                self._db.execute(f'DELETE FROM "{table}" WHERE file IN ({marks})', tuple(files))

    def _sqlite(self, name: str, rows: list[dict[str, Any]]) -> None:
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        if not rows:
            return
        assert self._db is not None
        columns = self._columns.get(name)
        if columns is None:
            columns = list(rows[0])
            self._db.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({", ".join(f"{c!r}" for c in columns)})'.replace("'", '"'))
            self._columns[name] = columns
        placeholders = ", ".join("?" for _ in columns)
        self._db.executemany(
            f'INSERT INTO "{name}" VALUES ({placeholders})',
            [tuple(_sql_value(row.get(column)) for column in columns) for row in rows],
        )

    def close(self) -> None:
        """Flush and close every output file (Parquet tables are written here)."""
        for handle in self._files.values():
            handle.close()
        if self._parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            for name, rows in self._parquet.items():
                if rows:
                    pq.write_table(pa.Table.from_pylist(rows), self.out / f"{name}.parquet")
        if self._db is not None:
            self._db.close()


def _sql_value(value: Any) -> Any:
    """SQLite takes numbers, text and NULL; lists and dicts go in as JSON text."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
