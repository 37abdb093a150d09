"""Raw source lines for display (audit output, dashboard): the file re-read, else the lines records keep."""
from __future__ import annotations

from typing import Any, Iterable

from ..nlp.errors import ReportminerError
from ..nlp.reading import read_path


class SourceLines:
    """Raw source lines by (file, line number): the file re-read when it is there, else the kept text."""

    def __init__(self, extractions: Iterable[Any]) -> None:
        from .audit import body_line_texts

        self._files: dict[str, tuple[str, ...] | None] = {}
        self._kept: dict[tuple[str, int], str] = {}
        for extraction in extractions:
            for (_, number), text in body_line_texts(extraction.activities).items():
                self._kept[(extraction.file, number)] = text
            for document in extraction.documents:
                if document.title:
                    self._kept.setdefault((extraction.file, document.line), document.title)

    def line(self, file: str, number: int | None) -> str | None:
        """The raw text of a line, or None when neither the file nor the records have it."""
        if number is None:
            return None
        if file not in self._files:
            try:
                self._files[file] = read_path(file).lines
            except (ReportminerError, OSError):
                self._files[file] = None
        lines = self._files[file]
        if lines is not None and 0 < number <= len(lines):
            return lines[number - 1]
        return self._kept.get((file, number))
