"""Write extracted records as tables: SQLite (default), JSON Lines, CSV or Parquet, streamed file by file.

SQLite is incremental: every input file is written in one transaction (its earlier rows deleted, its new
rows inserted, its row in the ``files`` table — path, SHA-256 of the bytes, status — updated), so a run
killed at any point leaves a consistent database, and the next run skips the files whose hash it already
holds. The findings of the cross-document checks (audit.CORPUS_CHECKS) are replaced as a whole, in one
transaction with the ``meta`` row that records which files they were computed over. ``views`` are run at
``close``: SQL text (``CREATE VIEW …``) or functions of the connection (``views.create_views``).

JSON Lines, CSV and Parquet are not incremental: a run rewrites the folder's table files. Parquet is
written one row group at a time (``row_group_rows``), never holding a whole table; a Parquet "file" may
also be a folder of partitions (``figures.parquet/part-000000.parquet`` …, as ``--engine dask`` writes
them), which ``pyarrow.parquet.read_table`` and ``pandas.read_parquet`` read the same way.
"""
from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import itertools
import json
import operator
import os
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..nlp.errors import ReportminerError
from .records import Record

FORMATS = ("sqlite", "jsonl", "csv", "parquet")
RECORD_TABLES = ("documents", "sections", "figures", "activities", "findings", "errors")
FILES_TABLE = "files"
FINDINGS_CHUNK = 2000  # corpus findings written at a time
FILE_COLUMNS = ("path", "sha256", "status", "chars", "documents", "figures")
SUFFIX = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}


class OutputError(ReportminerError):
    """The output could not be written (a missing extra, a path that is not a folder …)."""


_INT64_MAX = 2**63 - 1


def _fits(value: Any) -> Any:
    """An int too large for SQLite or Parquet integers is kept as a float rather than crashing the run."""
    return float(value) if isinstance(value, int) and not -_INT64_MAX <= value <= _INT64_MAX else value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a record class whose ``to_dict`` is Record's own (else None: call its ``to_dict``)."""
    if dataclasses.is_dataclass(cls) and getattr(cls, "to_dict", None) is Record.to_dict:
        return tuple(f.name for f in dataclasses.fields(cls))
    return None


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _rows(records: Iterable[Any]) -> list[dict[str, Any]]:
    """Records (dataclasses or dicts) as plain dicts: tuples become lists, oversized ints floats (as
    ``Record.to_dict`` does, with the field names looked up once per class)."""
    out = []
    for record in records:
        if isinstance(record, dict):
            out.append({key: _fits(value) for key, value in record.items()})
            continue
        names = _field_names(type(record))
        if names is None:
            out.append({key: _fits(value) for key, value in record.to_dict().items()})
            continue
        row = {}
        for name in names:
            value = getattr(record, name)
            row[name] = list(value) if type(value) is tuple else _fits(value)
        out.append(row)
    return out


@functools.cache
def record_types() -> dict[str, type]:
    """The record class of every table ``extract`` writes (their fields are the columns)."""
    from .activities import Activity
    from .audit import Finding
    from .documents import DocumentRecord
    from .figures import Figure
    from .pipeline import ErrorRecord
    from .sections import Section

    return {"documents": DocumentRecord, "sections": Section, "figures": Figure, "activities": Activity,
            "findings": Finding, "errors": ErrorRecord}


def columns_of(table: str) -> list[str]:
    """The columns of a table, in record field order."""
    if table == FILES_TABLE:
        return list(FILE_COLUMNS)
    return [f.name for f in dataclasses.fields(record_types()[table])]


def _arrow_type(annotation: Any):
    import pyarrow as pa

    words = set(re.findall(r"\w+", annotation if isinstance(annotation, str) else repr(annotation)))
    if words & {"tuple", "list"}:
        return pa.list_(pa.int64() if "int" in words and "str" not in words else pa.string())
    if "float" in words:
        return pa.float64()
    if "bool" in words:
        return pa.bool_()
    if "int" in words:
        return pa.int64()
    return pa.string()


@functools.cache
def arrow_schema(table: str):
    """The Arrow schema of a table, from its record class, so that every batch and partition agrees."""
    import pyarrow as pa

    if table == FILES_TABLE:
        return pa.schema([("path", pa.string()), ("sha256", pa.string()), ("status", pa.string()),
                          ("chars", pa.int64()), ("documents", pa.int64()), ("figures", pa.int64())])
    return pa.schema([(f.name, _arrow_type(f.type)) for f in dataclasses.fields(record_types()[table])])


def write_parquet(path: str | os.PathLike, table: str, rows: list[dict[str, Any]]) -> None:
    """Write one Parquet file of rows with the table's fixed schema (a dask partition, for example)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema(table)), path)


def file_row(extraction: Any) -> dict[str, Any]:
    """The ``files`` table row of one Extraction."""
    return {"path": extraction.file, "sha256": extraction.sha256 or None,
            "status": "error" if extraction.errors else "ok", "chars": extraction.chars,
            "documents": len(extraction.documents), "figures": len(extraction.figures)}


class Writer:
    """Accept tables of records batch by batch and write them; ``close`` finishes the output.

    ``views``: run at ``close`` on SQLite outputs, after every write, in order: SQL text (a string may hold
    several statements, e.g. ``DROP VIEW IF EXISTS v; CREATE VIEW v AS SELECT …``) or a function called
    with the ``sqlite3.Connection`` (autocommit mode). More can be added with ``add_view``; they are
    ignored for the folder formats.
    """

    def __init__(self, out: str | os.PathLike, fmt: str,
                 views: Iterable[str | Callable[[sqlite3.Connection], Any]] | None = None,
                 row_group_rows: int = 50_000) -> None:
        if fmt not in FORMATS:
            raise OutputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        self.out = Path(out)
        self.fmt = fmt
        if views is None:  # SQLite gets the dashboard views (extractors/views.py) unless told otherwise
            from .views import create_views

            views = [create_views]
        self.views: list[str | Callable[[sqlite3.Connection], Any]] = list(views)
        self.row_group_rows = row_group_rows
        self.counts: dict[str, int] = {}
        self._files: dict[str, Any] = {}
        self._csv: dict[str, csv.DictWriter] = {}
        self._parquet: dict[str, Any] = {}  # table → pyarrow.parquet.ParquetWriter
        self._pending: dict[str, list[dict[str, Any]]] = {}  # Parquet rows not yet in a row group
        self._db: sqlite3.Connection | None = None
        self._columns: dict[str, list[str]] = {}
        if fmt == "sqlite":
            if self.out.is_dir():
                raise OutputError(f"{self.out}: is a folder; --format sqlite writes one database file")
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.out, isolation_level=None, timeout=30)  # transactions are explicit
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._setup()
            except sqlite3.DatabaseError as error:
                self._db.close()
                raise OutputError(f"{self.out}: not a database reportminer can write ({error})") from error
        else:
            if self.out.exists() and not self.out.is_dir():
                raise OutputError(f"{self.out}: --format {fmt} writes one file per table into a folder")
            if fmt == "parquet":
                try:
                    import pyarrow  # noqa: F401
                except ImportError as error:
                    raise OutputError("--format parquet needs the optional extra: pip install 'reportminer[parquet]'") from error
            self.out.mkdir(parents=True, exist_ok=True)
            self.clear_folder()

    # ----------------------------------------------------------------- set-up

    def clear_folder(self) -> None:
        """Remove this format's table files from the output folder: a run rewrites them all."""
        suffix = SUFFIX[self.fmt]
        for table in (*RECORD_TABLES, FILES_TABLE):
            path = self.out / f"{table}.{suffix}"
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def _setup(self) -> None:
        """Create the tables, their ``file`` indexes, ``files`` and ``meta`` (existing ones are kept)."""
        db = self._db
        assert db is not None
        db.execute("BEGIN")
        for table in RECORD_TABLES:
            self._ensure_table(table, columns_of(table))
            db.execute(f'CREATE INDEX IF NOT EXISTS "{table}_file" ON "{table}" ("file")')
        db.execute(f'CREATE TABLE IF NOT EXISTS "{FILES_TABLE}" (path TEXT PRIMARY KEY, sha256 TEXT, status TEXT, '
                   'chars INTEGER, documents INTEGER, figures INTEGER)')
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("COMMIT")

    def _ensure_table(self, table: str, columns: Sequence[str]) -> list[str]:
        """Create a table or add the columns it lacks; return its columns."""
        assert self._db is not None
        existing = [row[1] for row in self._db.execute(f'PRAGMA table_info("{table}")')]
        if not existing:
            self._db.execute(f'CREATE TABLE "{table}" ({", ".join(_quote(c) for c in columns)})')
            existing = list(columns)
        for column in columns:
            if column not in existing:
                self._db.execute(f'ALTER TABLE "{table}" ADD COLUMN {_quote(column)}')
                existing.append(column)
        self._columns[table] = existing
        return existing

    def add_view(self, view: str | Callable[[sqlite3.Connection], Any]) -> None:
        """Run this SQL (or call this function with the connection) at ``close``; SQLite only."""
        self.views.append(view)

    # ----------------------------------------------------------------- incremental state (SQLite)

    @property
    def incremental(self) -> bool:
        """Whether this output keeps earlier runs (SQLite) rather than being rewritten (folders)."""
        return self._db is not None

    @property
    def scratch(self) -> Path:
        """The folder for a run's scratch files (the audit's spilled signatures): where the output goes."""
        return self.out.parent if self._db is not None else self.out

    def known_file(self, path: str) -> bool:
        """Whether the database holds a file of this path (any status): its rows must go before new ones."""
        assert self._db is not None
        return self._db.execute(f'SELECT 1 FROM "{FILES_TABLE}" WHERE path = ?', (path,)).fetchone() is not None

    def known(self, path: str) -> str | None:
        """The SHA-256 recorded for a file extracted without error, or None (SQLite only)."""
        if self._db is None:
            return None
        row = self._db.execute(f'SELECT sha256 FROM "{FILES_TABLE}" WHERE path = ? AND status = ?',
                               (path, "ok")).fetchone()
        return row[0] if row else None

    def file_paths(self) -> Iterator[str]:
        """Every file recorded in the database, in the order it was first written."""
        assert self._db is not None
        for (path,) in self._db.execute(f'SELECT path FROM "{FILES_TABLE}" ORDER BY rowid'):
            yield path

    def corpus_state(self) -> str:
        """A digest of the files table (paths in order, hashes, status): what corpus findings depend on."""
        assert self._db is not None
        digest = hashlib.sha256()
        for row in self._db.execute(f'SELECT path, sha256, status FROM "{FILES_TABLE}" ORDER BY rowid'):
            digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()

    def meta(self, key: str) -> str | None:
        assert self._db is not None
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def file_rows(self, path: str, tables: Iterable[str] = RECORD_TABLES) -> dict[str, list[dict[str, Any]]]:
        """The stored rows of one file, table by table, in the order they were written (SQLite only)."""
        assert self._db is not None
        out = {}
        for table in tables:
            cursor = self._db.execute(f'SELECT * FROM "{table}" WHERE file = ? ORDER BY rowid', (path,))
            names = [column[0] for column in cursor.description]
            out[table] = [dict(zip(names, row)) for row in cursor]
        return out

    # ----------------------------------------------------------------- writing

    def write_extraction(self, extraction: Any) -> None:
        """Write one file's records; on SQLite, replace its earlier rows and its ``files`` row in one transaction."""
        tables = extraction.tables()
        if self._db is None:
            self.write(tables)
            self.write({FILES_TABLE: [file_row(extraction)]})
            return
        row = file_row(extraction)
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if self.known_file(extraction.file):
                self._forget([extraction.file])
            for name, records in tables.items():
                self._sqlite_records(name, records)
            db.execute(f'INSERT INTO "{FILES_TABLE}" ({", ".join(FILE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?) '
                       "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, status = excluded.status, "
                       "chars = excluded.chars, documents = excluded.documents, figures = excluded.figures",
                       tuple(row[c] for c in FILE_COLUMNS))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def write_corpus_findings(self, findings: Iterable[Any], checks: Sequence[str], state: str | None = None) -> int:
        """Write the cross-document findings, streamed in chunks, and return how many; on SQLite, replace
        every earlier finding of those checks and record ``state`` (see corpus_state) in ``meta`` in the same
        transaction."""
        def put(write: Callable[[list[Any]], None]) -> int:
            count = 0
            for chunk in _chunks(findings, FINDINGS_CHUNK):
                write(chunk)
                count += len(chunk)
            return count

        if self._db is None:
            return put(lambda chunk: self.write({"findings": chunk}))
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            marks = ", ".join("?" for _ in checks)
            db.execute(f'DELETE FROM findings WHERE "check" IN ({marks})', tuple(checks))
            count = put(lambda chunk: self._sqlite("findings", _rows(chunk)))
            if state is not None:
                db.execute("INSERT INTO meta (key, value) VALUES ('corpus_audit', ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (state,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return count

    def write(self, tables: dict[str, Iterable[Any]]) -> None:
        """Write one batch of records by table; on SQLite in one transaction that first deletes the earlier
        rows of every file the batch names (the lower-level form of ``write_extraction``)."""
        if self._db is not None:
            batch = {name: _rows(records) for name, records in tables.items()}
            files = {row["file"] for rows in batch.values() for row in rows if "file" in row}
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._forget(sorted(files))
                for name, rows in batch.items():
                    self._sqlite(name, rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return
        for name, records in tables.items():
            rows = _rows(records)
            if name != FILES_TABLE:
                self.counts[name] = self.counts.get(name, 0) + len(rows)
            if self.fmt == "jsonl":
                if rows:
                    handle = self._open(name, "jsonl")
                    handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            elif self.fmt == "csv":
                self._csv_rows(name, rows)
            elif rows:
                pending = self._pending.setdefault(name, [])
                pending.extend(rows)
                if len(pending) >= self.row_group_rows:
                    self._flush_parquet(name)

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

    def _flush_parquet(self, name: str) -> None:
        """Write the pending rows of one table as a row group (the file is opened on the first)."""
        rows = self._pending.pop(name, None)
        if not rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = arrow_schema(name) if name in (*RECORD_TABLES, FILES_TABLE) else None
        table = pa.Table.from_pylist(rows, schema=schema)
        if name not in self._parquet:
            self._parquet[name] = pq.ParquetWriter(self.out / f"{name}.parquet", table.schema)
        self._parquet[name].write_table(table)

    def _forget(self, files: Iterable[str]) -> None:
        """Delete earlier rows of these files, so that extracting a file again replaces it."""
        assert self._db is not None
        files = list(files)
        if not files:
            return
        tables = [row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        marks = ", ".join("?" for _ in files)
        for table in tables:
            if table == FILES_TABLE:
                continue
            if table not in self._columns:
                self._columns[table] = [row[1] for row in self._db.execute(f'PRAGMA table_info("{table}")')]
            if "file" in self._columns[table]:
                self._db.execute(f'DELETE FROM "{table}" WHERE file IN ({marks})', tuple(files))

    def _sqlite_records(self, name: str, records: Sequence[Any]) -> None:
        """Insert records of one dataclass type straight from their fields (no dict per row: the bulk of
        ``extract``'s writing); other records, and ints too large for SQLite, go through ``_sqlite``."""
        names = _field_names(type(records[0])) if records else None
        if names is None or len(names) < 2 or any(type(record) is not type(records[0]) for record in records):
            self._sqlite(name, _rows(records))
            return
        getter = operator.attrgetter(*names)
        values = [tuple(json.dumps(v, ensure_ascii=False) if type(v) is tuple else v for v in getter(record))
                  for record in records]
        assert self._db is not None
        self._db.execute("SAVEPOINT records")
        try:
            self._insert(name, list(names), values)
        except OverflowError:  # an int beyond SQLite's 64 bits: the rows already in go, _rows makes it a float
            self._db.execute("ROLLBACK TO records")
            self._db.execute("RELEASE records")
            self._sqlite(name, _rows(records))
            return
        self._db.execute("RELEASE records")

    def _sqlite(self, name: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            columns = list(rows[0])
            self._insert(name, columns, [tuple(_sql_value(row.get(column)) for column in columns) for row in rows])

    def _insert(self, name: str, columns: list[str], values: list[tuple]) -> None:
        """Insert rows (tuples in ``columns`` order) into a table, adding the table or columns it lacks."""
        assert self._db is not None
        if not set(columns) <= set(self._columns.get(name, ())):
            self._ensure_table(name, columns)
        self._db.executemany(f'INSERT INTO "{name}" ({", ".join(map(_quote, columns))}) '
                             f'VALUES ({", ".join("?" for _ in columns)})', values)
        self.counts[name] = self.counts.get(name, 0) + len(values)

    def close(self) -> None:
        """Flush and close every output file; on SQLite, run the views and leave one database file."""
        for handle in self._files.values():
            handle.close()
        self._files.clear()
        for name in list(self._pending):
            self._flush_parquet(name)
        for writer in self._parquet.values():
            writer.close()
        self._parquet.clear()
        if self._db is not None:
            for view in self.views:
                if callable(view):
                    view(self._db)
                else:
                    self._db.executescript(view)
            try:  # fold the WAL back in, leaving one file to copy; not possible while others read it
                self._db.execute("PRAGMA busy_timeout = 0")
                self._db.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.OperationalError:
                pass
            self._db.close()
            self._db = None

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_value(value: Any) -> Any:
    """SQLite takes numbers, text and NULL; lists and dicts go in as JSON text."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
