"""End to end on the bundled sample corpus: extraction against the expected records in corpora/samples/expected."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from reportminer.extractors.pipeline import extract_paths

SAMPLES = Path(__file__).resolve().parents[1] / "corpora" / "samples"


def _expected(name: str) -> list[dict]:
    return [json.loads(line) for line in (SAMPLES / "expected" / name).read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {"documents": [], "sections": [], "figures": [], "errors": []}
    for extraction in extract_paths([str(SAMPLES)]):
        for name in tables:
            tables[name].extend(record.to_dict() for record in extraction.tables()[name])
    return tables


def _at(record: dict) -> tuple[str, int]:
    return Path(record["file"]).name, int(record["line"])


def test_every_sample_is_read_without_error(extracted):
    assert extracted["errors"] == []
    assert {Path(d["file"]).name for d in extracted["documents"]} == {d["file"] for d in _expected("documents.jsonl")}


def test_documents_match_exactly_on_line_kind_and_year(extracted):
    got = {_at(d): (d["kind"], d["year"]) for d in extracted["documents"]}
    want = {_at(d): (d["kind"], d["year"]) for d in _expected("documents.jsonl")}
    assert got == want


def test_document_encodings_are_recorded(extracted):
    encodings = {Path(d["file"]).name: d["encoding"] for d in extracted["documents"]}
    assert any(name.endswith("gb18030.txt") and enc == "gb18030" for name, enc in encodings.items())
    assert any(name.endswith("big5.txt") and enc == "big5" for name, enc in encodings.items())
    assert any(name.endswith(".docx") and enc == "docx" for name, enc in encodings.items())


def test_headings_and_levels(extracted):
    got = {_at(s): s["level"] for s in extracted["sections"]}
    want = {_at(s): s["level"] for s in _expected("sections.jsonl")}
    found = set(got) & set(want)
    assert len(found) / len(want) >= 0.97 and len(found) / len(got) >= 0.97
    assert sum(got[k] == want[k] for k in found) / len(found) >= 0.97


def test_figures_value_and_unit_on_the_right_line(extracted):
    left = {}
    for figure in extracted["figures"]:
        left.setdefault(_at(figure), []).append(figure)
    hits = 0
    wanted = _expected("figures.jsonl")
    for want in wanted:
        pool = left.get(_at(want), [])
        hit = next((f for f in pool if f["unit"] == want["unit"] and math.isclose(f["value"], want["value"])), None)
        if hit:
            pool.remove(hit)
            hits += 1
    precision, recall = hits / len(extracted["figures"]), hits / len(wanted)
    assert precision >= 0.97 and recall >= 0.97, (precision, recall)
