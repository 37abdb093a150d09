"""Every figure and heading points back at its raw line: ``raw_line[start:end]`` is what the record quotes.

Runs over the bundled fictional samples and, when the shared folder is there, the seed reports and the
real government work reports; plus a generated corpus of sample lines roughed up the way scraped pages are.
"""
from __future__ import annotations

import functools
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportminer.extractors.pipeline import Extraction, extract_file, extract_raw
from reportminer.nlp.reading import SUPPORTED_SUFFIXES, RawText, read_bytes, read_path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpora" / "samples"
SHARED = REPO.parent / "shared"
FOLDERS = {"samples": SAMPLES, "seeds": SHARED / "seeds", "gov-reports": SHARED / "corpus" / "gov-reports"}


def report_files(folder: Path) -> list[Path]:
    """The report files directly in a folder (README.md is documentation, not a report)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and p.name != "README.md")


def cases():
    for name, folder in FOLDERS.items():
        files = report_files(folder)
        if not files:
            yield pytest.param(None, id=f"{name}-absent",
                               marks=pytest.mark.skip(reason=f"{folder} is not there"))
        for path in files:
            yield pytest.param(path, id=f"{name}/{path.name}")


@functools.cache
def extracted(path: Path) -> tuple[Extraction, RawText]:
    return extract_file(str(path)), read_path(str(path))


def check_records(extraction: Extraction, raw: RawText) -> None:
    """The offset, value and line-number invariants of every figure and section of one file."""
    for figure in extraction.figures:
        assert 1 <= figure.line <= len(raw.lines), figure
        line = raw.lines[figure.line - 1]
        assert 0 <= figure.start < figure.end <= len(line), figure
        assert line[figure.start:figure.end] == figure.text, figure
        assert isinstance(figure.value, (int, float)) and not isinstance(figure.value, bool), figure
        assert math.isfinite(figure.value), figure
        if figure.value_max is not None:
            assert isinstance(figure.value_max, (int, float)) and math.isfinite(figure.value_max), figure
            assert figure.value_max >= figure.value, figure
    for section in extraction.sections:
        assert 1 <= section.line <= len(raw.lines), section
        line = raw.lines[section.line - 1]
        assert 0 <= section.start <= section.end <= len(line), section
        assert line[section.start:section.end] == section.title, section
        # the marker opens the line, after indentation and any Markdown emphasis or heading mark
        assert section.marker and line.lstrip(" \t\u3000*#").startswith(section.marker), section
        assert section.level >= 1, section


@pytest.mark.parametrize("path", list(cases()))
def test_records_quote_their_raw_line(path):
    extraction, raw = extracted(path)
    assert not extraction.errors, extraction.errors
    assert extraction.documents, f"{path.name}: no document"
    check_records(extraction, raw)


def test_the_samples_are_there():
    files = report_files(SAMPLES)
    assert len(files) >= 14
    assert {p.suffix for p in files} >= {".txt", ".docx", ".html"}
    assert sum(len(extracted(p)[0].figures) for p in files) > 100
    assert sum(len(extracted(p)[0].sections) for p in files) > 100


# --------------------------------------------------------------------------- roughed-up sample lines

_SAMPLE_LINES = tuple(
    line
    for path in report_files(SAMPLES)
    if path.suffix == ".txt"
    for line in read_path(str(path)).lines
    if line.strip()
)
_WIDE = {ord(c): ord(c) + 0xFEE0 for c in "0123456789%.,:;()"}


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@st.composite
def roughed_line(draw) -> str:
    """A sample line with the damage of scraped pages: full-width forms, odd spaces, debris in words."""
    line = draw(st.sampled_from(_SAMPLE_LINES))
    if draw(st.booleans()):
        line = line.translate(_WIDE)
    if draw(st.booleans()):
        line = line.replace("%", "﹪")
    out = []
    for i, ch in enumerate(line):
        out.append(ch)
        if i + 1 < len(line) and _is_han(ch) and _is_han(line[i + 1]) and draw(st.integers(0, 15)) == 0:
            out.append(draw(st.sampled_from("'.`")))
        if ch in "，,。" and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from([" ", "  ", "\t", "\u3000", "\u3000\u3000", "\u00a0"])))
    indent = draw(st.sampled_from(["", "\u3000\u3000", "  ", "\t"]))
    return indent + "".join(out) + draw(st.sampled_from(["", " ", "\u3000", "\t "]))


@settings(max_examples=60, deadline=None)
@given(st.lists(roughed_line(), min_size=1, max_size=12))
def test_records_quote_their_raw_line_on_roughed_up_lines(lines):
    raw = read_bytes("\n".join(lines).encode("utf-8"), "rough.txt")
    check_records(extract_raw(raw), raw)
