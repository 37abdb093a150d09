"""Activities: each body line split into sentences and list items, each classified into the taxonomy."""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..nlp.classify import classify_by_keywords
from .records import Record
from .sections import path_of

_SENTENCE = regex.compile(r"[^。;；!！?？]+[。;；!！?？]*")
MIN_CHARS = 4


@dataclass(frozen=True, slots=True)
class Activity(Record):
    """One sentence or list item of a body line with its category."""

    file: str
    line: int
    doc: str
    text: str
    start: int
    end: int
    category: str
    confidence: float
    section: str


def sentences(text: str) -> list[tuple[int, int]]:
    """Half-open spans of the sentences of a normalised line (short fragments join the previous one)."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        if spans and len(text[start:end].strip()) < MIN_CHARS:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def find_activities(document, under: dict[int, tuple]) -> list[Activity]:
    """Split every body line of a document into activities and classify each with its heading context."""
    activities: list[Activity] = []
    for line in document.lines:
        headings = under.get(line.number, ())
        context = headings[-1].title if headings and headings[-1].line != line.number else ""
        for start, end in sentences(line.text):
            category, confidence = classify_by_keywords(line.text[start:end])
            if category == "general" and context:
                category, confidence = classify_by_keywords(context)
                confidence = round(confidence / 2, 3)
            raw_start, raw_end = line.raw_span(start, end)
            activities.append(Activity(
                file=document.file, line=line.number, doc=document.id, text=line.raw[raw_start:raw_end],
                start=raw_start, end=raw_end, category=category, confidence=confidence, section=path_of(headings),
            ))
    return activities
