"""Per-file extraction as a pure function, and the streaming, parallel and distributed runs over many paths.

``extract_file(path)`` reads one file and returns every record found in it, or the error that stopped
it: a process pool, Dask, Spark or Ray can map it unchanged (``extract_rows(path)`` gives the same as
plain dicts per table). Audit is the only stage that looks across files.

``run_extract(paths, writer)`` is what ``reportminer extract`` runs: files are hashed, skipped when the
SQLite output already holds them with the same SHA-256, extracted in order by ``jobs`` worker processes
(or by a Dask cluster, ``engine="dask"``) with a bounded number of files in flight, and written one file
per transaction; then the cross-document audit runs once over every file of the output.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..nlp.errors import ReportminerError
from ..nlp.reading import RawText, iter_inputs, read_bytes, read_path
from .documents import DocumentRecord, split_documents
from .figures import Figure, find_figures
from .records import Record
from .sections import Section, outline

TABLES = ("documents", "sections", "figures", "activities", "findings", "errors")
BATCH_FILES = 4  # files per task sent to a worker process
ENGINES = ("local", "dask")


@dataclass(frozen=True, slots=True)
class ErrorRecord(Record):
    """A file (or line) that could not be extracted, so that nothing is lost silently."""

    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one file."""

    file: str
    sha256: str = ""
    chars: int = 0
    documents: tuple[DocumentRecord, ...] = ()
    sections: tuple[Section, ...] = ()
    figures: tuple[Figure, ...] = ()
    activities: tuple[Record, ...] = ()
    findings: tuple[Record, ...] = ()  # audit findings (extractors/audit.py)
    errors: tuple[ErrorRecord, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, tuple[Record, ...]]:
        """The records of this file by table name."""
        return {"documents": self.documents, "sections": self.sections, "figures": self.figures,
                "activities": self.activities, "findings": self.findings, "errors": self.errors}

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """The records of this file as plain dicts by table name (lists stay lists): for DataFrames."""
        return {name: [record.to_dict() for record in records] for name, records in self.tables().items()}


# --------------------------------------------------------------------------- one file


def extract_raw(raw: RawText, sha256: str = "") -> Extraction:
    """Run every per-file stage over text already read."""
    documents, sections, figures, activities = [], [], [], []
    from .activities import find_activities
    from .audit import document_findings

    findings = []
    for document in split_documents(raw):
        documents.append(document.record)
        doc_sections, paths = outline(document.id, document.file, document.lines)
        sections.extend(doc_sections)
        doc_activities = find_activities(document, paths)
        activities.extend(doc_activities)
        figures.extend(find_figures(document, paths, doc_activities))
        findings.extend(document_findings(document, figures))
    return Extraction(
        file=raw.path, sha256=sha256, chars=sum(len(line) for line in raw.lines),
        documents=tuple(documents), sections=tuple(sections), figures=tuple(figures),
        activities=tuple(activities), findings=tuple(findings),
    )


def file_digest(path: str) -> str:
    """The SHA-256 of a file's bytes: the key for incremental runs."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_file(path: str) -> Extraction:
    """Read and extract one file; a bad file gives an Extraction with one error record instead of raising.

    This is the function to map over files with any engine: it depends on nothing but the path (and the
    package's data, loaded once per process on first use), and its result pickles.
    """
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
            return extract_raw(read_bytes(data, "-"), hashlib.sha256(data).hexdigest())
        return extract_raw(read_path(path), file_digest(path))
    except ReportminerError as error:
        return Extraction(file=path, errors=(ErrorRecord(path, getattr(error, "line", None), str(error)),))
    except OSError as error:
        return Extraction(file=path, errors=(ErrorRecord(path, None, f"{path}: {error.strerror or error}"),))
    except Exception as error:  # noqa: BLE001 - one file's bug must not stop the batch; it is reported, not hidden
        message = f"{path}: internal error ({type(error).__name__}: {error}); please report it with this file"
        return Extraction(file=path, errors=(ErrorRecord(path, None, message),))


def extract_rows(path: str) -> dict[str, list[dict[str, Any]]]:
    """``extract_file(path)`` as plain dicts per table (``documents``, ``figures`` … and ``files``): what a
    Spark ``flatMap`` or a Ray ``map_batches`` needs to build DataFrames."""
    from .output import file_row

    extraction = extract_file(path)
    return {**extraction.rows(), "files": [file_row(extraction)]}


def extract_batch(items: Sequence[str | Extraction], audit: bool = False) -> list[Extraction]:
    """Extract several files in one task (what a worker process or a Dask task runs); with ``audit`` each
    Extraction's ``extra["audit"]`` also holds what the corpus audit reads of it (audit.audit_input)."""
    extractions = [_extract_item(item) for item in items]
    if audit:
        from .audit import audit_input

        for extraction in extractions:
            extraction.extra["audit"] = audit_input(extraction)
    return extractions


def _extract_item(item: str | Extraction) -> Extraction:
    return item if isinstance(item, Extraction) else extract_file(item)


WARM_UP_TEXT = "桂香社区卫生服务中心2023年工作总结\n一、健康教育\n全年举办健康讲座12场，发放宣传资料3000余份，接种率达到95%。\n"


def process_state() -> dict[str, int]:
    """This process's id and how many times it has built the segmenter and loaded the activity model
    (both cached per process: a worker that has extracted many files should show 1 and 1)."""
    from ..nlp.classify import shipped_model
    from ..nlp.segment import default_segmenter

    return {"pid": os.getpid(), "segmenter_builds": default_segmenter.cache_info().misses,
            "model_loads": shipped_model.cache_info().misses}


def warm_up() -> None:
    """Load every data table, the segmenter and the activity model now (they are cached per process), so
    that a worker pays for them once when it starts, never per file."""
    extract_raw(read_bytes(WARM_UP_TEXT.encode("utf-8"), "warm-up.txt"))


# --------------------------------------------------------------------------- many files


def iter_files(paths: Iterable[str]) -> Iterator[str | Extraction]:
    """Files under each path in order; a path that cannot be expanded becomes an error Extraction."""
    for path in paths:
        try:
            yield from iter_inputs([path])
        except ReportminerError as error:
            yield Extraction(file=path, errors=(ErrorRecord(path, None, str(error)),))


_expand = iter_files  # the former name


def _batches(items: Iterable[str | Extraction], size: int) -> Iterator[list[str | Extraction]]:
    batch: list[str | Extraction] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _done(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def ordered_map(submit: Callable[[list], Any], items: Iterable[str | Extraction], batch: int = BATCH_FILES,
                window: int = 8) -> Iterator[Extraction]:
    """Extract items in batches through ``submit(batch) -> future of list[Extraction]`` (a process pool's
    or a Dask client's), at most ``window`` batches in flight, yielding extractions in input order.

    Memory is bounded by ``window × batch`` extractions whatever the number of files; stdin (``-``) is
    read in this process.
    """
    pending: deque = deque()
    for chunk in _batches(items, batch):
        if "-" in chunk:  # stdin belongs to this process: extract it here, in its place
            for item in chunk:
                pending.append(_done([_extract_item(item)]) if item == "-" else submit([item]))
        else:
            pending.append(submit(chunk))
        while len(pending) >= window:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()


def _worker_init() -> None:
    """Start a worker process: one BLAS thread (the processes are the parallelism), then ``warm_up``."""
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn

        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - an optimisation only
        pass
    try:
        warm_up()
    except Exception:  # noqa: BLE001 - a failing warm-up must not break the pool: each file reports its own error
        pass


def process_pool(jobs: int):
    """A pool of ``jobs`` worker processes that load the models once each (``warm_up``) when they start.

    Workers come from a fork server where there is one (Linux, macOS): they inherit neither the caller's
    open database nor its threads, and each builds the segmenter and classifier once, not per file.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init)


def map_extract(items: Iterable[str | Extraction], jobs: int = 1, audit: bool = False) -> Iterator[Extraction]:
    """Extract files in input order: in this process with ``jobs`` ≤ 1, else with a pool of ``jobs``
    processes, started only once there are at least two files to extract (which, with ``audit``, also
    prepare each file's part of the corpus audit: extract_batch)."""
    iterator = iter(items)
    if jobs <= 1:
        yield from map(_extract_item, iterator)
        return
    head = []
    for item in iterator:
        head.append(item)
        if len(head) >= 2:
            break
    if len(head) < 2:
        yield from map(_extract_item, head)
        return
    from itertools import chain

    with process_pool(jobs) as pool:
        yield from ordered_map(lambda chunk: pool.submit(extract_batch, chunk, audit), chain(head, iterator),
                               window=2 * jobs + 2)


def extract_paths(paths: Iterable[str], jobs: int = 1, audit: bool = True) -> Iterator[Extraction]:
    """Extract every file under the given paths, in input order, with ``jobs`` worker processes.

    Extractions are streamed (a bounded number in flight). With ``audit`` the last Extraction also carries
    the cross-document findings (audit.with_corpus_findings).
    """
    if audit:
        from .audit import with_corpus_findings

        yield from with_corpus_findings(map_extract(iter_files(paths), jobs, audit=True))
        return
    yield from map_extract(iter_files(paths), jobs)


def default_jobs() -> int:
    """The machine's cores, the default for --jobs."""
    return os.cpu_count() or 1


# --------------------------------------------------------------------------- a run into an output


@dataclass
class RunSummary:
    """What one ``run_extract`` did."""

    files: int = 0  # input files seen
    extracted: int = 0
    skipped: int = 0  # unchanged since the output last saw them (SQLite)
    failed: int = 0
    chars: int = 0  # characters of the files extracted in this run
    audit: str = "off"  # "run", "unchanged" (the output's corpus findings still hold) or "off"
    corpus_findings: int = 0
    seconds: float = 0.0
    audit_seconds: float = 0.0  # of which the cross-document audit
    counts: dict[str, int] = field(default_factory=dict)  # records written in this run, by table


def run_extract(paths: Iterable[str], writer: Any, jobs: int = 1, force: bool = False, audit: bool = True,
                engine: str = "local", scheduler: str | None = None,
                on_file: Callable[[str, Extraction | None], None] | None = None) -> RunSummary:
    """Extract every file under ``paths`` into ``writer`` (output.Writer) and return what was done.

    * SQLite: a file whose SHA-256 the output already records (without error) is skipped unread beyond
      hashing, unless ``force``; every other file replaces its earlier rows in one transaction. The corpus
      findings are recomputed over every file of the database when its set of files changed.
    * JSON Lines, CSV, Parquet: every file is extracted (the folder was cleared), corpus findings last.

    ``on_file(path, extraction)`` is called once per input file, with None for a skipped one.
    ``engine="dask"`` runs the extraction on a Dask cluster (``scheduler`` address, else a local one).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    started = time.perf_counter()
    summary = RunSummary()
    corpus = None
    # the audit reads each file as it is extracted, unless the database holds files already (the audit then
    # reads every file back from it at the end: _audit_stored)
    if audit and (not writer.incremental or next(writer.file_paths(), None) is None):
        from .audit import CorpusAudit

        corpus = CorpusAudit(spill=str(writer.scratch))
    paths_seen: set[str] = set()

    def todo() -> Iterator[str | Extraction]:
        for item in iter_files(paths):
            summary.files += 1
            if isinstance(item, str) and item != "-" and writer.incremental and not force:
                try:
                    digest = file_digest(item)
                except OSError:
                    digest = None
                if digest is not None and writer.known(item) == digest:
                    summary.skipped += 1
                    if on_file:
                        on_file(item, None)
                    continue
            yield item

    def account(extraction: Extraction) -> None:
        summary.extracted += not extraction.errors  # a file that failed counts as failed, not extracted
        summary.chars += extraction.chars
        summary.failed += bool(extraction.errors)
        if on_file:
            on_file(extraction.file, extraction)

    def done(extraction: Extraction) -> None:
        nonlocal corpus
        writer.write_extraction(extraction)
        if corpus is not None and writer.incremental and extraction.file in paths_seen:
            corpus = None  # a file given twice is stored once: the stored files are audited instead
        paths_seen.add(extraction.file)
        if corpus is not None:
            corpus.add(extraction)
        account(extraction)

    written = None  # corpus findings already written by the engine
    if engine == "dask":
        written = _run_dask(todo(), writer, done, account, scheduler, jobs, corpus)
    else:
        for extraction in map_extract(todo(), jobs, corpus is not None):
            done(extraction)
    audit_started = time.perf_counter()
    if writer.incremental:
        _audit_stored(writer, audit, force, summary, corpus)
    elif corpus is not None:
        if written is not None:
            summary.corpus_findings = written
        else:
            from .audit import CORPUS_CHECKS

            summary.corpus_findings = writer.write_corpus_findings(corpus.findings(), CORPUS_CHECKS)
        summary.audit = "run"
    summary.counts = {name: writer.counts.get(name, 0) for name in TABLES}
    summary.seconds = time.perf_counter() - started
    summary.audit_seconds = time.perf_counter() - audit_started
    return summary


def _audit_stored(writer: Any, audit: bool, force: bool, summary: RunSummary, corpus: Any = None) -> None:
    """Recompute the corpus findings of an SQLite output over every file it holds, unless they were
    computed over exactly these files (same paths, hashes and order) already. ``corpus``, a CorpusAudit
    that took in every file of this run, is used when the run wrote every file the database holds (its
    first run): reading them back would give the same."""
    from .audit import CORPUS_CHECKS, CorpusAudit

    state = writer.corpus_state()
    if not audit:
        if writer.meta("corpus_audit") != "off:" + state:
            writer.write_corpus_findings((), CORPUS_CHECKS, "off:" + state)  # stale ones would mislead
        return
    if not force and writer.meta("corpus_audit") == state:
        summary.audit = "unchanged"
        return
    if corpus is None:
        corpus = CorpusAudit(spill=str(writer.scratch))
        for path in writer.file_paths():
            corpus.add(stored_extraction(writer, path))
    summary.corpus_findings = writer.write_corpus_findings(corpus.findings(), CORPUS_CHECKS, state)
    summary.audit = "run"


_SHARED = ("file", "doc", "unit", "dimension", "qualifier", "modality", "category", "section", "rule", "kind",
           "org", "place", "encoding", "format", "check", "severity", "path")


def records_from_rows(file: str, rows: dict[str, list[dict[str, Any]]]) -> Extraction:
    """An Extraction rebuilt from stored rows of one file (what the corpus audit reads back); repeated
    strings are interned so that the audit's records of a large corpus share them."""
    from .audit import CORPUS_CHECKS
    from .output import record_types
    from .stored import _build

    kinds = record_types()
    built: dict[str, tuple] = {}
    for name in ("documents", "sections", "figures", "activities", "findings", "errors"):
        records = []
        for row in rows.get(name, ()):
            for key in _SHARED:
                value = row.get(key)
                if type(value) is str:
                    row[key] = sys.intern(value)
            for key, value in row.items():
                if type(value) is list:
                    row[key] = tuple(value)
            records.append(_build(kinds[name], row))
        built[name] = tuple(records)
    findings = tuple(f for f in built["findings"] if f.check not in CORPUS_CHECKS)
    return Extraction(file=file, documents=built["documents"], sections=built["sections"],
                      figures=built["figures"], activities=built["activities"], findings=findings,
                      errors=built["errors"])


def stored_extraction(writer: Any, path: str) -> Extraction:
    """What an SQLite output holds for one file, as an Extraction (sections left out: no audit needs them)."""
    return records_from_rows(path, writer.file_rows(path, ("documents", "figures", "activities", "findings")))


# --------------------------------------------------------------------------- Dask


def dask_client(scheduler: str | None = None, jobs: int = 1):
    """A dask.distributed Client: to ``scheduler`` if given, else to a new local cluster of ``jobs``
    single-threaded worker processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise ReportminerError("--engine dask needs the optional extra: pip install 'reportminer[dask]'") from error
    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)


def extract_partition(items: Sequence[str | Extraction], out: str, index: int,
                      for_audit: bool = False) -> list[Extraction]:
    """Extract a batch of files and write it as Parquet partitions ``<out>/<table>.parquet/part-<index>.parquet``
    (a table with no rows in the batch gets no partition). Returns each file's Extraction with what the
    client still needs: its file, hash, size and errors, and with ``for_audit`` what the corpus audit reads
    of it (``extra["audit"]``, audit.audit_input)."""
    from pathlib import Path

    from .output import FILES_TABLE, _rows, file_row, write_parquet

    extractions = extract_batch(items)
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for extraction in extractions:
        for name, records in extraction.tables().items():
            tables[name].extend(_rows(records))
    tables[FILES_TABLE] = [file_row(e) for e in extractions]
    for name, rows in tables.items():
        if rows:
            folder = Path(out) / f"{name}.parquet"
            folder.mkdir(parents=True, exist_ok=True)
            write_parquet(folder / f"part-{index:06d}.parquet", name, rows)
    counts = {name: len(rows) for name, rows in tables.items() if name != FILES_TABLE}
    if for_audit:
        from .audit import audit_input
    kept = [Extraction(file=e.file, sha256=e.sha256, chars=e.chars, errors=e.errors,
                       extra={"audit": audit_input(e)} if for_audit else {})
            for e in extractions]
    if kept:
        kept[0].extra["counts"] = counts
    return kept


def _run_dask(items: Iterator[str | Extraction], writer: Any, done: Callable[[Extraction], None],
              account: Callable[[Extraction], None], scheduler: str | None, jobs: int, corpus: Any) -> int | None:
    """The Dask engine. With Parquet the workers write partitions and send back only what the corpus audit
    needs (nothing with the audit off); the client writes the audit's findings as a last partition and
    returns their number. With any other format the extractions are gathered here and written by
    ``writer`` (None is returned)."""
    client = dask_client(scheduler, jobs)
    try:
        workers = len(client.scheduler_info().get("workers", {})) or max(1, jobs)
        window = 2 * workers + 2
        if writer.fmt != "parquet":
            submit = lambda chunk: client.submit(extract_batch, chunk, pure=False)  # noqa: E731
            for extraction in ordered_map(submit, items, window=window):
                done(extraction)
            return None
        out = str(writer.out)
        pending: deque = deque()

        def collect(extractions: list[Extraction]) -> None:
            for name, count in (extractions[0].extra.get("counts", {}) if extractions else {}).items():
                writer.counts[name] = writer.counts.get(name, 0) + count
            for extraction in extractions:
                if corpus is not None:
                    corpus.add(extraction)
                account(extraction)

        for index, chunk in enumerate(_batches(items, BATCH_FILES)):
            pending.append(client.submit(extract_partition, chunk, out, index, corpus is not None, pure=False))
            while len(pending) >= window:
                collect(pending.popleft().result())
        while pending:
            collect(pending.popleft().result())
        if corpus is not None:
            from pathlib import Path

            from .output import _rows, write_parquet

            findings = corpus.finish()
            if findings:
                folder = Path(out) / "findings.parquet"
                folder.mkdir(parents=True, exist_ok=True)
                write_parquet(folder / "part-corpus.parquet", "findings", _rows(findings))
            writer.counts["findings"] = writer.counts.get("findings", 0) + len(findings)
            return len(findings)
        return None
    finally:
        client.close()
