"""Run the example corpus in corpora/specs against the extractors: one generic runner per spec folder."""
from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path

from reportminer.extractors.documents import split_documents
from reportminer.extractors.figures import figures_in_line
from reportminer.extractors.sections import outline
from reportminer.nlp.chinese_script import is_traditional
from reportminer.nlp.normalise import normalise_line
from reportminer.nlp.reading import RawText

SPECS = Path(str(resources.files("reportminer.corpora").joinpath("specs")))


def examples(folder: str) -> list[tuple[str, dict]]:
    """Every example of a spec folder as (id 'file:line', example)."""
    out = []
    for path in sorted((SPECS / folder).glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                out.append((f"{path.name}:{number}", json.loads(line)))
    return out


def _key(figure: dict) -> tuple:
    value_max = figure.get("value_max")
    return (figure["text"], Decimal(str(figure["value"])),
            None if value_max is None else Decimal(str(value_max)), figure["unit"], figure["qualifier"])


def figure_keys(example: dict) -> tuple[list[tuple], list[tuple], list[dict]]:
    """(expected keys, actual keys, actual figures) of one figure example."""
    text = example["input"]
    line = normalise_line(text, 1, is_traditional(text))
    actual = figures_in_line(line, example.get("kind", "summary"), year=example.get("year"))
    return sorted(map(_key, example["figures"]), key=str), sorted(map(_key, actual), key=str), actual


def section_records(example: dict) -> list[dict]:
    """The headings the extractor finds in an example's lines, in the spec's fields."""
    lines = tuple(normalise_line(text, number) for number, text in enumerate(example["lines"], 1))
    sections, _ = outline("spec#1", "spec", tuple(line for line in lines if line.text))
    return [{"line": s.line, "level": s.level, "marker": s.marker, "title": s.title} for s in sections]


def document_records(example: dict) -> list[dict]:
    """The documents the extractor finds in an example's lines, in the spec's fields."""
    raw = RawText(path="spec.txt", lines=tuple(example["lines"]), encoding="utf-8", format="txt")
    return [{key: getattr(d.record, key) for key in ("line", "title", "kind", "year", "org", "place")}
            for d in split_documents(raw)]
