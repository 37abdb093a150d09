"""Exceptions raised by reportminer, so callers can catch one base class per bad input."""

from __future__ import annotations

__all__ = ["ReportminerError", "ReadError"]


class ReportminerError(Exception):
    """Base class of every error reportminer raises on purpose, so a CLI can catch them in one place."""


class ReadError(ReportminerError):
    """A file could not be turned into text; str() is 'path:line: message' (or 'path: message') like a compiler."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        """Store where (path, optional 1-based line) and what went wrong, so callers can report it precisely."""
        super().__init__(path, message, line)
        self.path = path
        self.message = message
        self.line = line

    def __str__(self) -> str:
        """Render as 'path:line: message' so editors and terminals can jump to the spot."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"

    def __reduce__(self):
        """Pickle with the real constructor arguments, so the error survives multiprocessing/dask workers."""
        return (type(self), (self.path, self.message, self.line))
