"""Activities: each body line split into sentences and list items, each classified into the taxonomy.

All sentences of a document and the titles of its headings are classified in one batch by the shipped
model (``nlp.classify.shipped_model``); the keyword scorer stands in only when no model ships. Heading
context: a sentence that is not confidently an activity of its own (top probability below the model's
threshold, or `general`) takes the activity the other sentences of its paragraph report, else the class
of its nearest heading that is confident (innermost first, the
line's own heading excluded), at half that heading's confidence; a confident `general` heading stops the
search (its lines stay `general`: 存在的问题, 下一步打算 …).
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..nlp.classify import FALLBACK, classify_by_keywords, shipped_model
from .records import Record
from .sections import path_of

_SENTENCE = regex.compile(r"[^。;；!！?？]+[。;；!！?？]*")
MIN_CHARS = 4
CONTEXT_DISCOUNT = 0.5  # a class taken from the heading is reported at half the heading's confidence


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


def text_of(line, raw_start: int, raw_end: int) -> str:
    """The normalised text behind a raw span of a line (the inverse of ``Line.raw_span``)."""
    size = len(line.text)
    start = next((i for i in range(size + 1) if line.raw_offset(i) >= raw_start), size)
    end = next((i for i in range(start, size + 1) if line.raw_offset(i) >= raw_end), size)
    return line.text[start:end]


def _title_text(line, section) -> str:
    """The normalised text of a heading's title (sections keep raw offsets)."""
    return text_of(line, section.start, section.end) or line.text


def _keyword_batch(texts: list[str]) -> list[tuple[str, float, bool]]:
    """(category, confidence, confident) by the keyword rules: confident when any keyword was found."""
    out = []
    for text in texts:
        category, confidence = classify_by_keywords(text)
        out.append((category, confidence, confidence > 0))
    return out


def classify_batch(texts: list[str]) -> list[tuple[str, float, bool]]:
    """(category, confidence, confident) for each text, by the shipped model or else the keyword rules.

    Below the model's threshold the answer is `general`, with the probability the model gives `general`.
    """
    model = shipped_model()
    if model is None:
        return _keyword_batch(texts)
    if not texts:
        return []
    proba = model.predict_proba(texts)
    general = model.classes.index(FALLBACK)
    out = []
    for row, index in zip(proba, proba.argmax(axis=1)):
        confidence = float(row[index])
        if confidence >= model.threshold:
            out.append((model.classes[index], round(confidence, 3), True))
        else:
            out.append((FALLBACK, round(float(row[general]), 3), False))
    return out


def _paragraph_classes(pending: list[tuple], results: list[tuple[str, float, bool]]) -> dict[int, tuple[str, float]]:
    """For each line, the activity its confident sentences report (summed confidence), if any.

    The class with the largest summed confidence wins; it is reported with its best sentence's confidence.
    A sentence of a paragraph that has no activity of its own (an opening clause, a result, a
    comment) belongs to the activity the rest of the paragraph reports.
    """
    scores: dict[int, dict[str, list[float]]] = {}
    for (line, *_), (category, confidence, confident) in zip(pending, results):
        if confident and category != FALLBACK:
            scores.setdefault(line.number, {}).setdefault(category, []).append(confidence)
    best = {number: max(per_line.items(), key=lambda item: sum(item[1])) for number, per_line in scores.items()}
    return {number: (category, max(confidences)) for number, (category, confidences) in best.items()}


def find_activities(document, under: dict[int, tuple]) -> list[Activity]:
    """Split every body line of a document into activities and classify them in one batch with heading context."""
    by_number = {line.number: line for line in document.lines}
    titles: dict[int, str] = {}  # heading line number → normalised title
    pending: list[tuple] = []  # (line, start, end, headings, headings above the line)
    for line in document.lines:
        headings = under.get(line.number, ())
        for heading in headings:
            if heading.line not in titles and heading.line in by_number:
                titles[heading.line] = _title_text(by_number[heading.line], heading)
        context = tuple(h for h in headings if h.line != line.number and h.line in titles)
        for start, end in sentences(line.text):
            pending.append((line, start, end, headings, context))
    results = classify_batch(list(titles.values()) + [line.text[start:end] for line, start, end, _, _ in pending])
    heading_result = dict(zip(titles, results))

    sentence_results = results[len(titles):]
    paragraph = _paragraph_classes(pending, sentence_results)
    activities: list[Activity] = []
    for (line, start, end, headings, context), (category, confidence, confident) in zip(pending, sentence_results):
        if (not confident or category == FALLBACK) and line.number in paragraph:
            category, p_confidence = paragraph[line.number]
            confidence = round(p_confidence * CONTEXT_DISCOUNT, 3)
        elif not confident or category == FALLBACK:
            for heading in reversed(context):
                h_category, h_confidence, h_confident = heading_result[heading.line]
                if h_confident:
                    if h_category != FALLBACK:
                        category, confidence = h_category, round(h_confidence * CONTEXT_DISCOUNT, 3)
                    break
        raw_start, raw_end = line.raw_span(start, end)
        activities.append(Activity(
            file=document.file, line=line.number, doc=document.id, text=line.raw[raw_start:raw_end],
            start=raw_start, end=raw_end, category=category, confidence=confidence, section=path_of(headings),
        ))
    return activities
