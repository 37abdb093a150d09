"""Runtime language data shipped in ``nlp/data``: found through importlib.resources, parsed once per process."""
from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from typing import Iterator

_PACKAGE = "reportminer.nlp"


def data_text(name: str) -> str:
    """Return the text of a shipped data file, whatever the working directory."""
    return resources.files(_PACKAGE).joinpath("data", name).read_text(encoding="utf-8")


def data_lines(name: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, stripped line) of a data file, skipping blanks and ``#`` comments."""
    for number, line in enumerate(data_text(name).splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


@functools.cache
def data_table(name: str) -> tuple[dict[str, str], ...]:
    """Read a tab-separated data file with a header row into dicts (comments skipped)."""
    body = "\n".join(line for _, line in data_lines(name))
    return tuple(dict(row) for row in csv.DictReader(io.StringIO(body), delimiter="\t"))


@functools.cache
def data_words(name: str) -> tuple[str, ...]:
    """Read a one-entry-per-line data file (first whitespace-separated field of each line)."""
    return tuple(line.split()[0] for _, line in data_lines(name))
