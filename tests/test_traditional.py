"""A report converted to Traditional Chinese gives the same records and findings as the Simplified original."""
from __future__ import annotations

from pathlib import Path

import pytest
from opencc import OpenCC

from reportminer.extractors.audit import audit
from reportminer.extractors.pipeline import extract_raw
from reportminer.nlp.chinese_script import to_simplified
from reportminer.nlp.reading import read_bytes, read_path

SAMPLES = Path(__file__).resolve().parents[1] / "corpora" / "samples"
SIMPLIFIED = sorted(p for p in SAMPLES.glob("*.txt") if "big5" not in p.name)
TO_TRADITIONAL = OpenCC("s2t")


def records(extraction) -> dict[str, list[tuple]]:
    """What must not depend on the script, with quoted strings folded to Simplified."""
    def fold(text):
        return to_simplified(text) if isinstance(text, str) else text

    return {
        "documents": [(d.line, d.kind, d.year, fold(d.org), fold(d.place)) for d in extraction.documents],
        "sections": [(s.line, s.level, s.start, s.end) for s in extraction.sections],
        "figures": [(f.line, f.start, f.end, f.value, f.value_max, f.unit, f.qualifier, f.modality, fold(f.metric))
                    for f in extraction.figures],
        "findings": [(f.check, f.line, f.start, f.end, f.severity) for f in extraction.findings],
    }


@pytest.mark.parametrize("path", SIMPLIFIED, ids=lambda p: p.name)
def test_traditional_page_gives_the_simplified_records(path):
    raw = read_path(path)
    converted = "\n".join(TO_TRADITIONAL.convert(line) for line in raw.lines)
    traditional = extract_raw(read_bytes(converted.encode("utf-8"), path.name))
    original = extract_raw(raw)
    assert records(traditional) == records(original)


@pytest.mark.parametrize("text, check", [
    ("社區衛生服務中心工作總結\n居民健康檔案建檔率達到105%。\n", "rate_out_of_range"),
    ("社區衛生服務中心工作總結\n群眾滿意率達到9%。\n", "implausible_value"),  # a lost digit: 满意率 runs 60–100 %
], ids=["share-above-100", "genre-norm"])
def test_audit_reads_traditional_metrics(text, check):
    for script in (text, to_simplified(text)):
        extraction = extract_raw(read_bytes(script.encode("utf-8"), "report.txt"))
        assert check in [finding.check for finding in audit([extraction])], script
