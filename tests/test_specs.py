"""The example corpus is the specification: one generic runner per extractor over corpora/specs.

Examples the extractors do not meet yet are listed, with the reason, in tests/known_spec_failures.txt;
they run as strict xfails, so fixing one fails the suite until the list is updated.
"""
from __future__ import annotations

import collections
from pathlib import Path

import pytest

from spec_runner import document_records, examples, figure_keys, section_records

KNOWN = {line.split()[0] for line in (Path(__file__).parent / "known_spec_failures.txt").read_text(
    encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")}


def _params(folder: str):
    return [pytest.param(example, id=eid, marks=pytest.mark.xfail(strict=True, reason="known_spec_failures.txt")
                         if f"{folder}/{eid}" in KNOWN else ()) for eid, example in examples(folder)]


def test_the_corpus_is_large_enough():
    assert len(examples("figures")) >= 300
    assert sum(1 for _, e in examples("figures") if not e["figures"]) >= 50
    assert len(examples("sections")) >= 40 and len(examples("documents")) >= 25


@pytest.mark.parametrize("example", _params("figures"))
def test_figures(example):
    expected, actual, figures = figure_keys(example)
    assert actual == expected
    for want in example["figures"]:
        got = next(f for f in figures if f["text"] == want["text"])
        assert example["input"][got["start"]:got["end"]] == want["text"]


def _char_f1(a: str, b: str) -> float:
    a_count, b_count = collections.Counter(a or ""), collections.Counter(b or "")
    common = sum((a_count & b_count).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a_count.values()), common / sum(b_count.values())
    return 2 * precision * recall / (precision + recall)


def test_modality_and_metric_over_the_corpus():
    """Modality and metric are judged over the whole corpus (they are graded, not exact)."""
    pairs = []
    for _, example in examples("figures"):
        expected, actual, figures = figure_keys(example)
        if expected == actual:
            for want in example["figures"]:
                pairs.append((want, next(f for f in figures if f["text"] == want["text"])))
    modality = sum(w["modality"] == g["modality"] for w, g in pairs) / len(pairs)
    metric = sum(_char_f1(w["metric"], g["metric"]) for w, g in pairs) / len(pairs)
    assert modality >= 0.92, modality
    assert metric >= 0.70, metric


@pytest.mark.parametrize("example", _params("sections"))
def test_sections(example):
    assert section_records(example) == example["sections"]


@pytest.mark.parametrize("example", _params("documents"))
def test_documents(example):
    assert document_records(example) == example["documents"]
