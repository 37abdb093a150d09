"""Per-file extraction as a pure function, and the batch loop over many paths.

``extract_file(path)`` reads one file and returns every record found in it, or the error that stopped
it: a process pool, Dask or Spark can map it unchanged. Audit is the only stage that looks across files.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..nlp.errors import ReportminerError
from ..nlp.reading import RawText, iter_inputs, read_bytes, read_path
from .documents import DocumentRecord, split_documents
from .figures import Figure, find_figures
from .records import Record
from .sections import Section, outline

TABLES = ("documents", "sections", "figures", "activities", "findings", "errors")


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
    """Read and extract one file; a bad file gives an Extraction with one error record instead of raising."""
    try:
        if path == "-":
            import sys

            raw = read_bytes(sys.stdin.buffer.read(), "-")
            return extract_raw(raw)
        return extract_raw(read_path(path), file_digest(path))
    except ReportminerError as error:
        return Extraction(file=path, errors=(ErrorRecord(path, getattr(error, "line", None), str(error)),))
    except OSError as error:
        return Extraction(file=path, errors=(ErrorRecord(path, None, f"{path}: {error.strerror or error}"),))


def _expand(paths: Iterable[str]) -> Iterator[str | Extraction]:
    """Files under each path in order; a path that cannot be expanded becomes an error Extraction."""
    for path in paths:
        try:
            yield from iter_inputs([path])
        except ReportminerError as error:
            yield Extraction(file=path, errors=(ErrorRecord(path, None, str(error)),))


def _extract_item(item: str | Extraction) -> Extraction:
    return item if isinstance(item, Extraction) else extract_file(item)


def extract_paths(paths: Iterable[str], jobs: int = 1, audit: bool = True) -> Iterator[Extraction]:
    """Extract every file under the given paths, in input order, with ``jobs`` worker processes.

    With ``audit`` the last Extraction also carries the cross-document findings (audit.with_corpus_findings).
    """
    if audit:
        from .audit import with_corpus_findings

        yield from with_corpus_findings(extract_paths(paths, jobs, audit=False))
        return
    files = list(_expand(paths))
    if jobs <= 1 or len(files) <= 1:
        yield from map(_extract_item, files)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_extract_item, files, chunksize=max(1, min(16, len(files) // (jobs * 4) or 1)))


def default_jobs() -> int:
    """The machine's cores, the default for --jobs."""
    return os.cpu_count() or 1
